import { memoryRevocations } from 'sealed-session/memory'
import type { RevocationStore, SessionDirectory } from 'sealed-session'
import { revocationConformance } from './conformance.js'

revocationConformance('memory', (clock) => {
  const memory = memoryRevocations({ now: clock.now })
  let calls = 0
  const count = <A extends unknown[], R>(method: (...args: A) => Promise<R>) => (...args: A): Promise<R> => {
    calls++
    return method(...args)
  }
  const directory = memory.sessions!
  // The memory store has no backend below it: its own methods are the calls counted.
  const sessions: SessionDirectory = {
    record: count(directory.record),
    confirm: count(directory.confirm),
    check: count(directory.check),
    rename: count(directory.rename),
    revoke: count(directory.revoke),
    list: count(directory.list),
  }
  const store: RevocationStore = {
    isRevoked: count(memory.isRevoked),
    revoke: count(memory.revoke),
    revokeSubject: count(memory.revokeSubject),
    notBefore: count(memory.notBefore!),
    sessions,
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
