import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest'
import { upstashDecoded } from './clients.js'
import { ConfigurationError, createSessions, LateWriteError, MAX_SESSIONS_PER_SUBJECT, RevocationUnavailableError } from 'sealed-session'
import { redisRevocations, type RedisLike } from 'sealed-session/redis'
import { keysOf } from '../../src/stores/redis.js'
import { Clock, cookieHeader, SECRET_A } from '../support/index.js'
import { revocationConformance, type Backend } from '../stores/conformance.js'
import { runClient } from './runtimes.mjs'
import { removeDir, startRedis, tempDir, type RedisProcess } from './spawn.mjs'

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
function backend(client: RedisLike, clock: Clock, inspect = (): ReturnType<typeof createClient> => nodeRedis): Backend & { prefix: string } {
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
      // The subject's keys all carry the latest expiry it holds (a key with none left is gone).
      const ttls = (await Promise.all((await keysOf(prefix, subject)).map((key) => inspect().pTTL(key)))).filter((ttl: number) => ttl !== -2)
      if (ttls.length === 0) return undefined
      if (ttls.some((ttl: number) => ttl < 0)) return Number.POSITIVE_INFINITY
      return (clock.ms + Math.max(...ttls)) / 1000
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
  // @upstash/redis (HTTP, not run here) JSON-parses every string of a reply it can by
  // default ("automaticDeserialization"): the same decoding over node-redis's replies.
  revocationConformance('redis (node-redis, replies decoded as @upstash/redis does)', (clock) =>
    backend({ eval: async (script, keys, args) => upstashDecoded(await nodeRedis.eval(script, { keys, arguments: args })) }, clock),
  )

  it('Redis drops the keys by themselves when their last entry expires (a TTL in milliseconds)', async () => {
    const clock = new Clock(Date.now())
    const b = backend(clients['node-redis']!(), clock)
    // The record matters until second S; the store's clock stands 200 ms before S.
    const until = clock.seconds + 1
    clock.ms = until * 1000 - 200
    await b.store.revoke({ sessionId: 'a', subject: 'ada', expiresAt: until })
    const [key] = await keysOf(b.prefix, 'ada')
    const ttl = await nodeRedis.pTTL(key!)
    expect(ttl === -2 || (ttl > 0 && ttl <= 200), `PTTL ${ttl}`).toBe(true) // -2: a slow machine, already gone
    // Redis's own clock, not ours: poll until it has expired the key (bounded: 1000 polls, 2 ms apart).
    let polls = 0
    while ((await nodeRedis.exists(key!)) === 1 && polls < 1000) {
      polls++
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    expect(await nodeRedis.exists(await keysOf(b.prefix, 'ada'))).toBe(0)
    expect(await nodeRedis.dbSize()).toBeGreaterThan(0) // the other tests' keys are still there: only this one went
  })

  it('writes nothing once every entry has expired, and deletes what is left', async () => {
    const clock = new Clock(Date.now())
    const b = backend(clients.ioredis!(), clock)
    await b.store.revoke({ sessionId: 'gone', subject: 'ada', expiresAt: clock.seconds })
    expect(await nodeRedis.exists(await keysOf(b.prefix, 'ada'))).toBe(0)
    await b.store.revoke({ sessionId: 'a', subject: 'ada', expiresAt: clock.seconds + 10 })
    await b.store.sessions!.record({ sessionId: 'l', subject: 'ada', createdAt: clock.seconds, expiresAt: clock.seconds + 10 }, {})
    await b.store.sessions!.confirm({ subject: 'ada', sessionId: 'l' })
    expect(await nodeRedis.exists(await keysOf(b.prefix, 'ada')), 'hash, expiries, listed').toBe(3)
    clock.advance(11)
    await b.store.revoke({ sessionId: 'b', subject: 'ada', expiresAt: clock.seconds })
    expect(await nodeRedis.exists(await keysOf(b.prefix, 'ada'))).toBe(0)
  })

  it('keeps one hash per subject with each entry its own field, and long subjects hashed apart from plain ones', async () => {
    const clock = new Clock(Date.now())
    const b = backend(clients['node-redis']!(), clock)
    const at = clock.seconds
    const directory = b.store.sessions!
    await b.store.revoke({ sessionId: 'r1', subject: 'user-42', expiresAt: at + 100 })
    await directory.record({ sessionId: 's1', subject: 'user-42', createdAt: at, expiresAt: at + 200, label: 'Firefox, on Linux' }, {})
    await directory.record({ sessionId: 's2', subject: 'user-42', createdAt: at, expiresAt: at + 300 }, {})
    await directory.confirm({ subject: 'user-42', sessionId: 's2' })
    const base = `${b.prefix}{user-42}`
    expect((await nodeRedis.keys(`${b.prefix}*`)).sort()).toEqual([base, `${base}:o`, `${base}:p`, `${base}:x`])
    expect(await nodeRedis.hGetAll(base)).toEqual({
      q: '2',
      'r:r1': String(at + 100),
      's:s1': `${at},${at + 200},1,,${at + 60},Firefox, on Linux`,
      's:s2': `${at},${at + 300},2,,,`,
    })
    expect(await nodeRedis.zRangeWithScores(`${base}:x`, 0, -1)).toEqual([
      { value: 's:s1', score: at + 60 },
      { value: 'r:r1', score: at + 100 },
      { value: 's:s2', score: at + 300 },
    ])
    expect(await nodeRedis.zRange(`${base}:o`, 0, -1)).toEqual(['s2'])
    expect(await nodeRedis.zRange(`${base}:p`, 0, -1)).toEqual(['s1'])

    // Past 256 bytes a subject is keyed by its SHA-256, in a space no plain subject reaches.
    const long = 'u'.repeat(600)
    const [hashed] = await keysOf(b.prefix, long)
    const lookalike = hashed!.slice(b.prefix.length + 1, -1)
    expect(lookalike).toMatch(/^#[0-9a-f]{64}$/)
    expect((await keysOf(b.prefix, lookalike))[0]).toBe(`${b.prefix}{~${lookalike}}`)
    await b.store.revokeSubject(long, at + 31, at + 1000)
    expect(await b.store.isRevoked({ sessionId: 'x', subject: lookalike, createdAt: at })).toBe(false)
    expect(await b.store.isRevoked({ sessionId: 'x', subject: long, createdAt: at })).toBe(true)
    expect(await nodeRedis.hGetAll(hashed!)).toEqual({ n: String(at + 31), e: String(at + 1000) })
    // A leading "}" would make an empty hash tag (the keys spread over slots): escaped.
    expect(await keysOf(b.prefix, '}x')).toEqual([`${b.prefix}{~}x}`, `${b.prefix}{~}x}:x`, `${b.prefix}{~}x}:o`, `${b.prefix}{~}x}:p`])
  })

  it(`forgets the oldest pending sign-in beyond ${MAX_SESSIONS_PER_SUBJECT}, and each write drops what has expired`, async () => {
    const clock = new Clock(Date.now())
    const b = backend(clients.ioredis!(), clock)
    const directory = b.store.sessions!
    const at = clock.seconds
    const [hash, expiries, listed, pending] = await keysOf(b.prefix, 'ada')
    for (let i = 0; i <= MAX_SESSIONS_PER_SUBJECT; i++) {
      await directory.record({ sessionId: `p${i}`, subject: 'ada', createdAt: at, expiresAt: at + 3600 }, {})
    }
    expect(await nodeRedis.zCard(pending!)).toBe(MAX_SESSIONS_PER_SUBJECT)
    expect(await directory.confirm({ subject: 'ada', sessionId: 'p0' }), 'the oldest was forgotten').toEqual({ confirmed: false, evicted: [] })
    expect(await directory.confirm({ subject: 'ada', sessionId: 'p1' })).toEqual({ confirmed: true, evicted: [] })
    await b.store.revoke({ sessionId: 'short', subject: 'ada', expiresAt: at + 100 })
    expect(await nodeRedis.hLen(hash!), `q, ${MAX_SESSIONS_PER_SUBJECT} sessions, one revoked id`).toBe(MAX_SESSIONS_PER_SUBJECT + 2)
    // The pending ones are forgotten after PENDING_SECONDS, the revoked id after its expiry: the next write drops them.
    clock.advance(101)
    await b.store.revoke({ sessionId: 'long', subject: 'ada', expiresAt: at + 3600 })
    expect(await nodeRedis.hGetAll(hash!)).toEqual({ q: String(MAX_SESSIONS_PER_SUBJECT + 1), 's:p1': `${at},${at + 3600},2,,,`, 'r:long': String(at + 3600) })
    expect(await nodeRedis.zRange(expiries!, 0, -1)).toEqual(['r:long', 's:p1'])
    expect(await nodeRedis.zRange(listed!, 0, -1)).toEqual(['p1'])
    expect(await nodeRedis.exists(pending!)).toBe(0)
  }, 30_000)

  it('keeps ids and labels that look like JSON intact through @upstash/redis-style decoding', async () => {
    const clock = new Clock(Date.now())
    const b = backend({ eval: async (script, keys, args) => upstashDecoded(await nodeRedis.eval(script, { keys, arguments: args })) }, clock)
    const directory = b.store.sessions!
    const at = clock.seconds
    for (const [sessionId, label] of [['678', 'null'], ['12345', '{"a": 1}'], ['true', '42']] as const) {
      await directory.record({ sessionId, subject: '7', createdAt: at, expiresAt: at + 60, label }, {})
      await directory.confirm({ subject: '7', sessionId, limit: 2 })
    }
    expect((await directory.list('7')).map((s) => [s.sessionId, s.label])).toEqual([['12345', '{"a": 1}'], ['true', '42']])
    await directory.record({ sessionId: '9', subject: '7', createdAt: at, expiresAt: at + 60 }, {})
    expect(await directory.confirm({ subject: '7', sessionId: '9', limit: 2 })).toEqual({ confirmed: true, evicted: ['12345'] })
  })

  it('refuses a prefix with a brace, naming the fix; prefixes that are prefixes of each other never collide', async () => {
    for (const prefix of ['app:{x}:', 'a{', 'b}']) {
      expect(() => redisRevocations(clients['node-redis']!(), { prefix })).toThrow(ConfigurationError)
      expect(() => redisRevocations(clients['node-redis']!(), { prefix })).toThrow(/without braces/)
    }
    const clock = new Clock(Date.now())
    const at = clock.seconds
    const run = `t${++tests}:`
    const app = redisRevocations(clients['node-redis']!(), { prefix: `${run}app:`, now: clock.now })
    const admin = redisRevocations(clients.ioredis!(), { prefix: `${run}app:admin:`, now: clock.now })
    // "admin:x" under "app:" and "x" under "app:admin:" were one key when prefix + subject was the key.
    await app.revoke({ sessionId: 's', subject: 'admin:x', expiresAt: at + 60 })
    await app.revokeSubject('admin:x', at + 10, at + 60)
    await admin.sessions!.record({ sessionId: 'l', subject: 'x', createdAt: at, expiresAt: at + 60 }, {})
    await admin.sessions!.confirm({ subject: 'x', sessionId: 'l' })
    expect(await admin.isRevoked({ sessionId: 's', subject: 'x', createdAt: at })).toBe(false)
    expect(await admin.notBefore!('x')).toBeUndefined()
    expect(await admin.sessions!.check({ sessionId: 'l', subject: 'x', createdAt: at })).toBe(false)
    expect(await app.isRevoked({ sessionId: 's', subject: 'admin:x', createdAt: at + 20 })).toBe(true)
    expect(await app.sessions!.list('admin:x')).toEqual([])
    expect((await admin.sessions!.list('x')).map((s) => s.sessionId)).toEqual(['l'])
  })

  it('refuses a corrupt record with an error, so the failure policy applies', async () => {
    const clock = new Clock(Date.now())
    const b = backend(clients.ioredis!(), clock)
    const [hash] = await keysOf(b.prefix, 'ada')
    await nodeRedis.set(hash!, 'not a hash')
    await expect(b.store.isRevoked({ sessionId: 'x', subject: 'ada', createdAt: 0 })).rejects.toThrow()
    await expect(b.store.revoke({ sessionId: 'x', subject: 'ada', expiresAt: clock.seconds + 10 })).rejects.toThrow()
    const sessions = createSessions({ secrets: SECRET_A, clock: { now: clock.now }, revocation: { store: b.store } })
    await expect(sessions.revokeSubject('ada')).rejects.toThrow(/could not record/)
    await nodeRedis.del(hash!)
    await nodeRedis.hSet(hash!, 's:x', 'garbage')
    await expect(b.store.sessions!.check({ sessionId: 'x', subject: 'ada', createdAt: 0 })).rejects.toThrow(/corrupt/)
  })

  // Issue 19, item 2: a check reads the same few fields after 10 or 3,000 sign-ins and revocations.
  it('a check and isRevoked() touch the same O(1) fields after thousands of sign-ins and revocations', async () => {
    // A server of its own: INFO commandstats counts every client's commands.
    const server = await startRedis()
    onTestFinished(() => server.stop())
    const own = createClient({ url: server.url })
    await own.connect()
    onTestFinished(() => own.close())
    const clock = new Clock(Date.now())
    const prefix = 'cost:'
    const store = redisRevocations({ eval: (script, keys, args) => own.eval(script, { keys, arguments: args }) }, { prefix, now: clock.now })
    const directory = store.sessions!
    const at = clock.seconds
    /** Redis's own count of the commands one call runs (INFO commandstats, reset first). */
    const commands = async (call: () => Promise<unknown>): Promise<Record<string, number>> => {
      await own.configResetStat()
      await call()
      const info = await own.info('commandstats')
      const counts: Record<string, number> = {}
      for (const [, name, calls] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (!/^(config|info)\b/.test(name!)) counts[name!] = Number(calls)
      return counts
    }
    const costs = async (subject: string, id: string) => ({
      check: await commands(() => directory.check({ sessionId: id, subject, createdAt: at })),
      isRevoked: await commands(() => store.isRevoked({ sessionId: 'nope', subject, createdAt: at })),
    })
    const signIn = async (subject: string, id: string) => {
      await directory.record({ sessionId: id, subject, createdAt: at, expiresAt: at + 3600, label: 'Firefox on Linux' }, {})
      await directory.confirm({ subject, sessionId: id })
    }
    await signIn('small', 'mine')
    await store.revoke({ sessionId: 'r0', subject: 'small', expiresAt: at + 3600 })
    await signIn('big', 'mine')
    for (let i = 0; i < 3000; i++) {
      await signIn('big', `held-${i}`)
      await store.revoke({ sessionId: `r-${i}`, subject: 'big', expiresAt: at + 3600 })
    }
    const small = await costs('small', 'mine')
    clock.advance(1) // a new second: the check writes last seen again
    const big = await costs('big', `held-2999`)
    expect(small.check).toEqual({ eval: 1, hget: 1, hset: 1 })
    expect(big.check).toEqual(small.check)
    expect(small.isRevoked).toEqual({ eval: 1, hmget: 1 })
    expect(big.isRevoked).toEqual(small.isRevoked)
    // And what the subject holds stays bounded: at most MAX listed and MAX revoked ids.
    expect((await directory.list('big')).length).toBe(MAX_SESSIONS_PER_SUBJECT)
    expect(await own.hLen((await keysOf(prefix, 'big'))[0]!)).toBeLessThanOrEqual(2 * MAX_SESSIONS_PER_SUBJECT + 3)
  }, 60_000)

  // Issue 19, item 4: a client that queues commands while Redis is away sends them later.
  it('ioredis re-sending its offline queue when Redis comes back changes nothing: the late confirm evicts nobody, the late record lists nothing', async () => {
    const dir = await tempDir()
    onTestFinished(() => removeDir(dir))
    // Persisted (AOF, fsync always), so what was there before the restart is there after it.
    const persist = ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir]
    let server = await startRedis({ extra: persist })
    onTestFinished(() => server.stop())
    // ioredis's defaults queue commands while disconnected; no retry limit: the queue waits for Redis.
    const io = new Redis(server.url, { maxRetriesPerRequest: null, retryStrategy: () => 20 })
    io.on('error', () => {}) // ECONNREFUSED while Redis is away: expected here
    onTestFinished(() => void io.disconnect())
    const clock = new Clock(Date.now())
    const store = redisRevocations({ eval: (script, keys, args) => io.eval(script, keys.length, ...keys, ...args) }, { prefix: 'queued:', now: clock.now })
    const directory = store.sessions!
    let outage = false
    const late: Promise<unknown>[] = []
    const watched = <A extends unknown[], R>(call: (...args: A) => Promise<R>) => (...args: A): Promise<R> => {
      const result = call(...args)
      if (outage) late.push(result.then(() => 'applied', (error: unknown) => (error instanceof LateWriteError ? 'refused late' : error)))
      return result
    }
    const sessions = createSessions({
      secrets: SECRET_A,
      clock: { now: clock.now },
      revocation: { store: { ...store, sessions: { ...directory, record: watched(directory.record), confirm: watched(directory.confirm) } }, revalidateAfter: 0, maxSessions: 1, timeout: 100 },
    })
    const laptopSession = await sessions.load(null)
    await laptopSession.login('ada')
    const laptop = cookieHeader(await sessions.commit(laptopSession))
    const phone = await sessions.load(null)
    await phone.login('ada') // recorded (pending) while Redis is up

    await server.stop()
    // Bounded: until ioredis has seen the connection go (at most 500 polls, 2 ms apart).
    for (let i = 0; i < 500 && io.status === 'ready'; i++) await new Promise((resolve) => setTimeout(resolve, 2))
    expect(io.status).not.toBe('ready')
    outage = true
    await expect(sessions.commit(phone), 'the confirm waits in the offline queue').rejects.toBeInstanceOf(RevocationUnavailableError)
    await expect((await sessions.load(null)).login('ada'), 'so does a new record').rejects.toBeInstanceOf(RevocationUnavailableError)
    outage = false
    server = await startRedis({ port: server.port, extra: persist })

    // ioredis reconnects and sends both; Redis's clock is past their deadlines.
    expect(await Promise.all(late)).toEqual(['refused late', 'refused late'])
    expect((await sessions.load(laptop)).subject, 'the laptop was not evicted').toBe('ada')
    expect((await sessions.listSessions('ada')).length).toBe(1)
    const base = (await keysOf('queued:', 'ada'))[0]!
    expect(await io.zcard(`${base}:p`), 'only the phone, pending from before the outage').toBe(1)
    expect(await io.hlen(base), 'q, the laptop, the pending phone').toBe(3)
  }, 30_000)

  for (const runtime of ['bun', 'deno'] as const) {
    it(`works through ${runtime === 'bun' ? "Bun's built-in RedisClient on Bun" : 'node-redis on Deno'}, with the documented wrapper`, async () => {
      const result = await runClient(runtime, url!)
      expect(result.code, result.stderr).toBe(0)
      const outcome = JSON.parse(result.stdout.trim().split('\n').at(-1)!)
      expect(outcome).toEqual({
        runtime: expect.stringMatching(new RegExp(`^${runtime} `)),
        revoked: true,
        other: false,
        raced: 20,
        notBefore: 31,
        none: null,
        evicted: ['d2'],
        checked: false,
        listed: [['d3', 'device, d3', 0, null], ['12345', '{"json": true}', 0, 0]],
        signedOut: 1,
        late: 'LateWriteError',
      })
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

// The DESIGN's rule for Redis Cluster and managed Redis: every script touches keys of one
// hash slot. A cluster node refuses a script whose keys span slots (CROSSSLOT), so the whole
// conformance suite on a one-node cluster (it serves all 16384 slots) proves it.
describe.skipIf(url === undefined)('redisRevocations() on a one-node Redis Cluster', () => {
  let server: RedisProcess
  let dir: string
  let cluster: ReturnType<typeof createClient>
  beforeAll(async () => {
    dir = await tempDir()
    server = await startRedis({ extra: ['--cluster-enabled', 'yes', '--cluster-config-file', `${dir}/nodes.conf`, '--dir', dir] })
    cluster = createClient({ url: server.url })
    await cluster.connect()
    await cluster.sendCommand(['CLUSTER', 'ADDSLOTSRANGE', '0', '16383'])
    // Bounded: until the node reports the cluster up (at most 500 polls, 10 ms apart).
    for (let i = 0; i < 500 && !(await cluster.sendCommand(['CLUSTER', 'INFO'])).toString().includes('cluster_state:ok'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }, 30_000)
  afterAll(async () => {
    await cluster?.close()
    await server?.stop()
    if (dir !== undefined) await removeDir(dir)
  })

  it('is a cluster node that refuses a script whose keys span two slots', async () => {
    await expect(cluster.eval('return 1', { keys: ['a', 'b'], arguments: [] })).rejects.toThrow(/CROSSSLOT/)
    expect(await cluster.eval('return 1', { keys: ['{a}', '{a}:x'], arguments: [] })).toBe(1)
  })

  revocationConformance('redis cluster node (node-redis)', (clock) =>
    backend({ eval: (script, keys, args) => cluster.eval(script, { keys, arguments: args }) }, clock, () => cluster),
  )
})
