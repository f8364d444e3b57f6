import { env } from 'cloudflare:workers'
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { vi } from 'vitest'
import { durableObjectRevocations, type SessionRevocationsNamespace, type SessionRevocationsStub } from 'sealed-session/durable-object'
import { objectName } from '../../src/stores/durable-object.js'
import { revocationConformance } from '../stores/conformance.js'

let stores = 0

// Miniflare's real Durable Objects (SQLite storage), in this isolate. Storage lives for
// the whole file, so each store names its objects with a prefix of its own. The clock
// starts now: the objects' alarms are real, and one set in the past would fire at once.
revocationConformance(
  'Durable Objects (workerd)',
  (clock) => {
    const real = env.REVOCATION_OBJECTS
    const prefix = `c${++stores}:`
    let calls = 0
    const counted: SessionRevocationsNamespace<DurableObjectId> = {
      idFromName: (name) => real.idFromName(name),
      get: (id): SessionRevocationsStub => {
        const stub = real.get(id)
        return {
          isRevoked: (...args) => (calls++, stub.isRevoked(...args)),
          revokeSession: (...args) => (calls++, stub.revokeSession(...args)),
          revokeSubject: (...args) => (calls++, stub.revokeSubject(...args)),
          notBefore: (...args) => (calls++, stub.notBefore(...args)),
          record: (...args) => (calls++, stub.record(...args)),
          confirm: (...args) => (calls++, stub.confirm(...args)),
          check: (...args) => (calls++, stub.check(...args)),
          rename: (...args) => (calls++, stub.rename(...args)),
          revokeSessions: (...args) => (calls++, stub.revokeSessions(...args)),
          list: (...args) => (calls++, stub.list(...args)),
        }
      },
    }
    const stubOf = (subject: string) => real.get(real.idFromName(objectName(prefix, subject)))
    return {
      store: durableObjectRevocations(counted, { prefix, now: clock.now }),
      calls: () => calls,
      callsPerWrite: 1, // one RPC; the object serializes its calls
      atomic: true,
      // The cleanup alarm the object holds: it deletes the storage then.
      expiresAt: async (subject) => {
        const alarm = await runInDurableObject(stubOf(subject), (_instance, state) => state.storage.getAlarm())
        return alarm === null ? undefined : alarm / 1000
      },
      // Runs the object's alarm with its clock (Date, in this isolate) at the test clock, then looks.
      holds: async (subject) => {
        vi.useFakeTimers({ toFake: ['Date'] })
        try {
          vi.setSystemTime(clock.ms)
          await runDurableObjectAlarm(stubOf(subject))
        } finally {
          vi.useRealTimers()
        }
        return runInDurableObject(stubOf(subject), (_instance, state) =>
          state.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'revoked_sessions'").toArray().length > 0,
        )
      },
    }
  },
  { start: () => Date.now() },
)
