import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { upstashDecoded } from './clients.js'
import { LateWriteError, type SessionDataStore } from 'sealed-session'
import { redisSessionData, type RedisLike } from 'sealed-session/redis'
import { Clock } from '../support/index.js'
import { overflowConformance } from '../stores/overflow-conformance.js'

/** Set by server.mjs; absent when redis-server is missing locally (it reported SKIPPED). */
const url = inject('redisUrl') as string | undefined

let nodeRedis: ReturnType<typeof createClient>
let ioredis: Redis
let tests = 0

// The one-line wrappers of docs/REVOCATION.md, exactly.
const clients: Record<string, () => RedisLike> = {
  'node-redis': () => ({ eval: (script, keys, args) => nodeRedis.eval(script, { keys, arguments: args }) }),
  ioredis: () => ({ eval: (script, keys, args) => ioredis.eval(script, keys.length, ...keys, ...args) }),
  // @upstash/redis JSON-parses every string of a reply it can ("automaticDeserialization").
  'node-redis, replies decoded as @upstash/redis does': () => ({ eval: async (script, keys, args) => upstashDecoded(await nodeRedis.eval(script, { keys, arguments: args })) }),
}

function backend(client: RedisLike, clock: Clock): { store: SessionDataStore; prefix: string; expiresAt: (id: string) => Promise<number | undefined> } {
  const prefix = `t${++tests}:data:`
  return {
    prefix,
    store: redisSessionData(client, { prefix, now: clock.now }),
    // The store's clock plus the TTL Redis itself holds: when Redis will drop the copy.
    expiresAt: async (id) => {
      const ttl = await nodeRedis.pTTL(`${prefix}{${id}}`)
      return ttl === -2 ? undefined : (clock.ms + ttl) / 1000
    },
  }
}

describe.skipIf(url === undefined)('redisSessionData() on a real redis-server', () => {
  beforeAll(async () => {
    nodeRedis = createClient({ url: url! })
    await nodeRedis.connect()
    ioredis = new Redis(url!, { lazyConnect: false, maxRetriesPerRequest: 1 })
  })
  afterAll(async () => {
    await nodeRedis?.close()
    await ioredis?.quit()
  })

  for (const [name, client] of Object.entries(clients)) overflowConformance(`redis (${name})`, (clock) => backend(client(), clock))

  it('stores one hash per session id, in its own hash slot, holding only the version and the sealed blob', async () => {
    const clock = new Clock(Date.now())
    const b = backend(clients['node-redis']!(), clock)
    await b.store.put('AAAAAAAAAAAAAAAAAAAAAA', { version: 1, blob: 'sealed' }, { expected: 0, expiresAt: clock.seconds + 100 })
    expect(await nodeRedis.hGetAll(`${b.prefix}{AAAAAAAAAAAAAAAAAAAAAA}`)).toEqual({ v: '1', b: 'sealed' })
    const ttl = await nodeRedis.pTTL(`${b.prefix}{AAAAAAAAAAAAAAAAAAAAAA}`)
    expect(ttl > 98_000 && ttl <= 100_000, `PTTL ${ttl}`).toBe(true)
  })

  it('refuses a write that reaches Redis after its deadline (Redis clock), changing nothing', async () => {
    const clock = new Clock(Date.now())
    const b = backend(clients.ioredis!(), clock)
    await expect(b.store.put('late', { version: 1, blob: 'x' }, { expected: 0, expiresAt: clock.seconds + 100, deadline: Date.now() - 1000 })).rejects.toBeInstanceOf(LateWriteError)
    expect(await b.store.get('late')).toBeUndefined()
  })

  it('lets exactly one of many writes racing from the same version win (atomic compare-and-set)', async () => {
    const clock = new Clock(Date.now())
    const b = backend(clients['node-redis']!(), clock)
    await b.store.put('race', { version: 1, blob: 'v1' }, { expected: 0, expiresAt: clock.seconds + 100 })
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => b.store.put('race', { version: 2, blob: `w${i}` }, { expected: 1, expiresAt: clock.seconds + 100 })))
    expect(results.filter(Boolean)).toHaveLength(1)
    expect((await b.store.get('race'))?.blob).toBe(`w${results.indexOf(true)}`)
  })
})
