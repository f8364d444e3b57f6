// The Redis store through a runtime's own client, against the redis-server at argv's URL:
// Bun's built-in RedisClient on Bun, node-redis (from node_modules) on Deno; the wrappers
// are docs/REVOCATION.md's. Prints one JSON line of outcomes for redis.test.ts to check.
import { redisRevocations } from '../../src/redis.ts'

const url = globalThis.Deno?.args[0] ?? globalThis.process?.argv[2]
let runtime
let client
let close
if (globalThis.Bun !== undefined) {
  const { RedisClient } = await import('bun')
  const redis = new RedisClient(url)
  runtime = `bun ${globalThis.Bun.version}`
  client = { eval: (script, keys, args) => redis.send('EVAL', [script, String(keys.length), ...keys, ...args]) }
  close = () => redis.close()
} else {
  const { createClient } = await import('redis')
  const redis = await createClient({ url }).connect()
  runtime = `deno ${globalThis.Deno.version.deno}`
  client = { eval: (script, keys, args) => redis.eval(script, { keys, arguments: args }) }
  close = () => redis.close()
}

const now = Math.floor(Date.now() / 1000)
const store = redisRevocations(client, { prefix: `${runtime.split(' ')[0]}:${now}:revoked:` })
await store.revoke({ sessionId: 's1', subject: 'ada', expiresAt: now + 60 })
const ids = Array.from({ length: 20 }, (_, i) => `r${i}`)
await Promise.all(ids.map((sessionId) => store.revoke({ sessionId, subject: 'bob', expiresAt: now + 60 })))
await store.revokeSubject('cy', now + 31, now + 600)
// The directory's replies (arrays of integers and strings) through this runtime's client.
const directory = store.sessions
for (const id of ['d1', 'd2', 'd3']) {
  await directory.record({ sessionId: id, subject: 'dee', createdAt: now, expiresAt: now + 60, label: `device, ${id}` }, {})
  await directory.confirm({ subject: 'dee', sessionId: id, limit: 2 })
}
await directory.record({ sessionId: '12345', subject: 'dee', createdAt: now, expiresAt: now + 60, label: '{"json": true}' }, { limit: 3, policy: 'refuse' })
const confirmed = await directory.confirm({ subject: 'dee', sessionId: '12345', limit: 2 })
const result = {
  runtime,
  revoked: await store.isRevoked({ sessionId: 's1', subject: 'ada', createdAt: now }),
  other: await store.isRevoked({ sessionId: 's2', subject: 'ada', createdAt: now }),
  raced: (await Promise.all(ids.map((sessionId) => store.isRevoked({ sessionId, subject: 'bob', createdAt: now })))).filter(Boolean).length,
  notBefore: (await store.notBefore('cy')) - now,
  none: (await store.notBefore('dee')) ?? null,
  evicted: confirmed.evicted,
  checked: await directory.check({ sessionId: '12345', subject: 'dee', createdAt: now }),
  listed: (await directory.list('dee')).map((s) => [s.sessionId, s.label, s.createdAt - now, s.lastSeenAt === undefined ? null : s.lastSeenAt - now]),
  signedOut: await directory.revoke('dee', ['d3', 'nope']),
  late: await directory.rename({ subject: 'dee', from: '12345', to: 'x', deadline: Date.now() - 1000 }).catch((error) => error.name),
}
await close()
console.log(JSON.stringify(result))
