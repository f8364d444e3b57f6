import { env } from 'cloudflare:workers'
import { expect, it } from 'vitest'
import { kvSessionData } from 'sealed-session/kv'
import { overflowConformance } from '../stores/overflow-conformance.js'

let stores = 0

// Miniflare's real KV binding, inside workerd. KV state lives for the whole file, so each
// store gets a prefix of its own; expirations are checked against real time, so the clock starts now.
overflowConformance(
  'Workers KV (Miniflare)',
  () => {
    const kv = env.SESSION_REVOCATIONS
    const prefix = `o${++stores}:data:`
    return {
      store: kvSessionData(kv, { prefix }),
      // The expiration KV holds for the key (KV drops it then by itself).
      expiresAt: async (id) => {
        const key = `${prefix}{${id}}`
        const { keys } = await kv.list({ prefix: key })
        return keys.find((k) => k.name === key)?.expiration
      },
    }
  },
  { start: () => Date.now() },
)

it('treats garbage under a key as no copy, never throwing', async () => {
  const kv = env.SESSION_REVOCATIONS
  const store = kvSessionData(kv, { prefix: 'garbage:' })
  for (const value of ['not json', '42', '{"v":"1","b":"x"}', 'null']) {
    await kv.put('garbage:{id}', value)
    expect(await store.get('id')).toBeUndefined()
  }
})
