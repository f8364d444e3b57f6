import { memoryRevocations } from 'sealed-session/memory'
import type { RevocationStore } from 'sealed-session'
import { revocationConformance } from './conformance.js'

revocationConformance('memory', (clock) => {
  const memory = memoryRevocations({ now: clock.now })
  let calls = 0
  const count = <A extends unknown[], R>(method: (...args: A) => Promise<R>) => (...args: A): Promise<R> => {
    calls++
    return method(...args)
  }
  // The memory store has no backend below it: its own methods are the calls counted.
  const store: RevocationStore = {
    isRevoked: count(memory.isRevoked),
    revoke: count(memory.revoke),
    revokeSubject: count(memory.revokeSubject),
    notBefore: count(memory.notBefore!),
    recordSession: count(memory.recordSession!),
    touchSession: count(memory.touchSession!),
    listSessions: count(memory.listSessions!),
  }
  return {
    store,
    calls: () => calls,
    callsPerWrite: 1,
    atomic: true,
    // Entries go when read after their expiry on the test clock: read, then look.
    holds: async (subject) => {
      await memory.notBefore!(subject)
      return memory.size > 0
    },
  }
})
