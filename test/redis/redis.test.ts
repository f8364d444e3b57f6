import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createSessions } from 'sealed-session'
import { redisRevocations, type RedisLike } from 'sealed-session/redis'
import { keyOf } from '../../src/stores/kv.js'
import { parseRecord } from '../../src/stores/record.js'
import { Clock, SECRET_A } from '../support/index.js'
import { revocationConformance, type Backend } from '../stores/conformance.js'
import { runClient } from './runtimes.mjs'

declare module 'vitest' {
  interface ProvidedContext {
    redisUrl: string
  }
}

/** Set by server.mjs; absent when redis-server is missing locally (it reported SKIPPED). */
const url = inject('redisUrl') as string | undefined

let nodeRedis: ReturnType<typeof createClient>
let ioredis: Redis

// The one-line wrappers of docs/REVOCATION.md, exactly.
const clients: Record<string, () => RedisLike> = {
  'node-redis': () => ({ eval: (script, keys, args) => nodeRedis.eval(script, { keys, arguments: args }) }),
  ioredis: () => ({ eval: (script, keys, args) => ioredis.eval(script, keys.length, ...keys, ...args) }),
}

let tests = 0
/** A store with a prefix of its own (one per test), its EVALs counted, TTLs read back with PTTL. */
function backend(client: RedisLike, clock: Clock): Backend & { prefix: string } {
  const prefix = `t${++tests}:revoked:`
  let calls = 0
  const counted: RedisLike = {
    eval: (script, keys, args) => {
      calls++
      return client.eval(script, keys, args)
    },
  }
  return {
    prefix,
    store: redisRevocations(counted, { prefix, now: clock.now }),
    calls: () => calls,
    callsPerWrite: 1,
    atomic: true,
    // The store's clock plus the TTL Redis itself holds: when Redis will drop the key.
    expiresAt: async (subject) => {
      const ttl = await nodeRedis.pTTL(await keyOf(prefix, subject))
      if (ttl === -2) return undefined
      if (ttl < 0) return Number.POSITIVE_INFINITY
      return (clock.ms + ttl) / 1000
    },
  }
}

describe.skipIf(url === undefined)('redisRevocations() on a real redis-server', () => {
  beforeAll(async () => {
    nodeRedis = createClient({ url: url! })
    await nodeRedis.connect()
    ioredis = new Redis(url!, { lazyConnect: false, maxRetriesPerRequest: 1 })
    await nodeRedis.flushDb()
  })
  afterAll(async () => {
    await nodeRedis?.close()
    await ioredis?.quit()
  })

  for (const [name, wrap] of Object.entries(clients)) {
    revocationConformance(`redis (${name})`, (clock) => backend(wrap(), clock))
  }

  it('Redis drops the key by itself when its last entry expires (a TTL in milliseconds)', async () => {
    const clock = new Clock(Date.now())
    const b = backend(clients['node-redis']!(), clock)
    // The record matters until second S; the store's clock stands 200 ms before S.
    const until = clock.seconds + 1
    clock.ms = until * 1000 - 200
    await b.store.revoke({ sessionId: 'a', subject: 'ada', expiresAt: until })
    const key = await keyOf(b.prefix, 'ada')
    const ttl = await nodeRedis.pTTL(key)
    expect(ttl === -2 || (ttl > 0 && ttl <= 200), `PTTL ${ttl}`).toBe(true) // -2: a slow machine, already gone
    // Redis's own clock, not ours: poll until it has expired the key (bounded: 1000 polls, 2 ms apart).
    let polls = 0
    while ((await nodeRedis.exists(key)) === 1 && polls < 1000) {
      polls++
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    expect(await nodeRedis.exists(key)).toBe(0)
    expect(await nodeRedis.dbSize()).toBeGreaterThan(0) // the other tests' keys are still there: only this one went
  })

  it('writes nothing once every entry has expired, and deletes what is left', async () => {
    const clock = new Clock(Date.now())
    const b = backend(clients.ioredis!(), clock)
    await b.store.revoke({ sessionId: 'gone', subject: 'ada', expiresAt: clock.seconds })
    expect(await nodeRedis.exists(await keyOf(b.prefix, 'ada'))).toBe(0)
    await b.store.revoke({ sessionId: 'a', subject: 'ada', expiresAt: clock.seconds + 10 })
    clock.advance(11)
    await b.store.revoke({ sessionId: 'b', subject: 'ada', expiresAt: clock.seconds })
    expect(await nodeRedis.exists(await keyOf(b.prefix, 'ada'))).toBe(0)
  })

  it('keeps the KV store key spaces and record, so one subject never reads another’s', async () => {
    const clock = new Clock(Date.now())
    const b = backend(clients['node-redis']!(), clock)
    const long = 'u'.repeat(600)
    const lookalike = (await keyOf(b.prefix, long)).slice(b.prefix.length)
    expect(lookalike).toMatch(/^sha256:[0-9a-f]{64}$/)
    await b.store.revokeSubject(long, clock.seconds + 31, clock.seconds + 1000)
    expect(await b.store.isRevoked({ sessionId: 'x', subject: lookalike, createdAt: clock.seconds })).toBe(false)
    expect(await b.store.isRevoked({ sessionId: 'x', subject: long, createdAt: clock.seconds })).toBe(true)
    expect(await nodeRedis.keys(`${b.prefix}*`)).toEqual([`${b.prefix}${lookalike}`])
    await b.store.revoke({ sessionId: 's1', subject: 'user-42', expiresAt: clock.seconds + 100 })
    const text = await nodeRedis.get(`${b.prefix}user-42`)
    expect(parseRecord(text!)).toEqual({ s: { s1: clock.seconds + 100 } })
  })

  it('refuses a corrupt record with an error, so the failure policy applies', async () => {
    const clock = new Clock(Date.now())
    const b = backend(clients.ioredis!(), clock)
    await nodeRedis.set(`${b.prefix}ada`, 'not json')
    await expect(b.store.isRevoked({ sessionId: 'x', subject: 'ada', createdAt: 0 })).rejects.toThrow()
    await expect(b.store.revoke({ sessionId: 'x', subject: 'ada', expiresAt: clock.seconds + 10 })).rejects.toThrow()
    const sessions = createSessions({ secrets: SECRET_A, now: clock.now, revocations: b.store })
    await expect(sessions.revokeSubject('ada')).rejects.toThrow(/could not record/)
  })

  for (const runtime of ['bun', 'deno'] as const) {
    it(`works through ${runtime === 'bun' ? "Bun's built-in RedisClient on Bun" : 'node-redis on Deno'}, with the documented wrapper`, async () => {
      const result = await runClient(runtime, url!)
      expect(result.code, result.stderr).toBe(0)
      const outcome = JSON.parse(result.stdout.trim().split('\n').at(-1)!)
      expect(outcome).toEqual({ runtime: expect.stringMatching(new RegExp(`^${runtime} `)), revoked: true, other: false, raced: 20, notBefore: 31, none: null })
    }, 60_000)
  }

  it('sees a revocation made through one client from another at once (one primary, no propagation)', async () => {
    const clock = new Clock(Date.now())
    const prefix = `t${++tests}:revoked:`
    const viaNode = redisRevocations(clients['node-redis']!(), { prefix, now: clock.now })
    const viaIo = redisRevocations(clients.ioredis!(), { prefix, now: clock.now })
    await viaNode.revoke({ sessionId: 'a', subject: 'ada', expiresAt: clock.seconds + 60 })
    expect(await viaIo.isRevoked({ sessionId: 'a', subject: 'ada', createdAt: clock.seconds })).toBe(true)
  })
})
