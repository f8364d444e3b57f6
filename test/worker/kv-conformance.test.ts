import { env } from 'cloudflare:workers'
import { kvRevocations, type KVLike } from 'sealed-session/kv'
import { keyOf } from '../../src/stores/kv.js'
import { revocationConformance } from '../stores/conformance.js'

let stores = 0

// Miniflare's real KV binding. KV state lives for the whole file, so each store gets a
// prefix of its own; expirations are checked against real time, so the clock starts now.
revocationConformance(
  'Workers KV (Miniflare)',
  (clock) => {
    const kv = env.SESSION_REVOCATIONS
    const prefix = `c${++stores}:revoked:`
    let calls = 0
    const counted: KVLike = {
      get: (key, options) => {
        calls++
        return kv.get(key, options)
      },
      put: (key, value, options) => {
        calls++
        return kv.put(key, value, options)
      },
    }
    return {
      store: kvRevocations(counted, { prefix, now: clock.now }),
      calls: () => calls,
      callsPerWrite: 2, // read, then write: no atomic update in KV
      atomic: false,
      minTtl: 60,
      // The expiration KV holds for the key (KV drops it then by itself).
      expiresAt: async (subject) => {
        const key = await keyOf(prefix, subject)
        const { keys } = await kv.list({ prefix: key })
        return keys.find((k) => k.name === key)?.expiration
      },
    }
  },
  { start: () => Date.now() },
)
