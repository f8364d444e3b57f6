// Session control per user, memory and Workers KV (record only): check cost and what one
// subject holds after 10, 1,000 and 10,000 sign-ins, held or cycled (signed in, then out).
// Prints one JSON line per measurement (bench/per-user/run.mjs collects them).
//
//   npm run build && node bench/per-user/memory.mjs
import { memoryRevocations } from '../../dist/memory.js'
import { kvRevocations } from '../../dist/kv.js'
import { signIns, median, sessionId } from './shared.mjs'

const SUBJECT = 'ada'

for (const scenario of ['held', 'cycled']) {
  for (const count of signIns) {
    const store = memoryRevocations()
    const directory = store.sessions
    const now = Math.floor(Date.now() / 1000)
    let last
    for (let i = 0; i < count; i++) {
      last = sessionId(i)
      await directory.record({ sessionId: last, subject: SUBJECT, createdAt: now, expiresAt: now + 86_400 }, {})
      await directory.confirm({ subject: SUBJECT, sessionId: last })
      if (scenario === 'cycled' && i < count - 1) await directory.revoke(SUBJECT, [last])
    }
    const query = { sessionId: last, subject: SUBJECT, createdAt: now }
    const checkUs = await median(() => directory.check(query))
    const isRevokedUs = await median(() => store.isRevoked(query))
    const listed = (await directory.list(SUBJECT)).length
    // Memory holds JS objects: report the entries held, sized as their JSON would be.
    const bytes = JSON.stringify(await directory.list(SUBJECT)).length
    console.log(JSON.stringify({ store: 'memory', scenario, signIns: count, checkUs, isRevokedUs, bytes, listed }))
  }
}

// Workers KV keeps no directory: its growth is the deny list (one revoked id per sign-out).
for (const count of signIns) {
  const values = new Map()
  const kv = { get: async (key) => values.get(key) ?? null, put: async (key, value) => void values.set(key, value) }
  const store = kvRevocations(kv)
  const now = Math.floor(Date.now() / 1000)
  for (let i = 0; i < count; i++) await store.revoke({ sessionId: sessionId(i), subject: SUBJECT, expiresAt: now + 86_400 })
  const query = { sessionId: sessionId(count + 1), subject: SUBJECT, createdAt: now + 10 }
  const isRevokedUs = await median(() => store.isRevoked(query))
  const bytes = [...values].reduce((sum, [key, value]) => sum + key.length + value.length, 0)
  console.log(JSON.stringify({ store: 'kv (in-memory KVLike: record size and decode cost)', scenario: 'cycled', signIns: count, checkUs: null, isRevokedUs, bytes }))
}
