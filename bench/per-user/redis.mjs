/**
 * Per-user cost of the Redis store (issue 19): for ONE subject, after 10, 1,000 and
 * 10,000 sign-ins, either held (record + confirm, no limit: MAX_SESSIONS_PER_SUBJECT caps
 * what is kept) or cycled (record + confirm, then sessions.revoke(subject, [id])), the
 * median latency of sessions.check() of a listed session and of isRevoked() (µs over 400
 * calls each, one round trip to a local redis-server), and the bytes Redis holds for the
 * subject (MEMORY USAGE of its keys, SAMPLES 0: every element counted).
 *
 *   npm run build && node bench/per-user/redis.mjs
 *
 * Starts its own redis-server on a free 127.0.0.1 port (test/redis/spawn.mjs) and stops
 * it by PID. Prints one JSON line per measurement. Not part of npm test.
 */
import { createClient } from 'redis'
import { redisRevocations } from '../../dist/redis.js'
import { startRedis } from '../../test/redis/spawn.mjs'

const COUNTS = [10, 1_000, 10_000]
const SAMPLES = 400

const server = await startRedis()
const client = createClient({ url: server.url })
client.on('error', () => {})
await client.connect()
try {
  const store = redisRevocations({ eval: (script, keys, args) => client.eval(script, { keys, arguments: args }) }, { prefix: 'bench:' })
  const directory = store.sessions
  let run = 0
  // Warm up the client, the JIT and Redis's script cache before the first measurement.
  await directory.record({ sessionId: 'warm', subject: 'warm', createdAt: Math.floor(Date.now() / 1000), expiresAt: Math.floor(Date.now() / 1000) + 60 }, {})
  await directory.confirm({ subject: 'warm', sessionId: 'warm' })
  await median(() => directory.check({ sessionId: 'warm', subject: 'warm', createdAt: 0 }))
  await median(() => store.isRevoked({ sessionId: 'warm', subject: 'warm', createdAt: 0 }))
  for (const scenario of ['held', 'cycled']) {
    for (const signIns of COUNTS) {
      const subject = `user-${++run}@example.com`
      const at = Math.floor(Date.now() / 1000)
      const signIn = async (sessionId) => {
        await directory.record({ sessionId, subject, createdAt: at, expiresAt: at + 86_400, label: 'Firefox on Linux' }, {})
        await directory.confirm({ subject, sessionId })
      }
      for (let i = 0; i < signIns; i++) {
        const id = `${scenario}-${i}`.padEnd(22, '0')
        await signIn(id)
        if (scenario === 'cycled') await directory.revoke(subject, [id])
      }
      // The session checked: listed (the newest one held; one more sign-in after the cycles).
      const current = 'current'.padEnd(22, '0')
      if (scenario === 'cycled') await signIn(current)
      const checked = scenario === 'held' ? `${scenario}-${signIns - 1}`.padEnd(22, '0') : current
      const query = { sessionId: checked, subject, createdAt: at }
      if (await directory.check(query)) throw new Error('the checked session is not listed')
      const checkUs = await median(() => directory.check(query))
      const isRevokedUs = await median(() => store.isRevoked({ sessionId: 'never-revoked'.padEnd(22, '0'), subject, createdAt: at }))
      let bytes = 0
      for (const key of await client.keys(`bench:{${subject}}*`)) bytes += (await client.memoryUsage(key, { SAMPLES: 0 })) ?? 0
      console.log(JSON.stringify({ store: 'redis', scenario, signIns, checkUs, isRevokedUs, bytes }))
    }
  }
} finally {
  await client.close()
  await server.stop()
}

/** Median wall time of `call`, in µs (rounded to 0.1), over SAMPLES sequential calls after 20 warm-up calls. */
async function median(call) {
  for (let i = 0; i < 20; i++) await call()
  const times = []
  for (let i = 0; i < SAMPLES; i++) {
    const start = process.hrtime.bigint()
    await call()
    times.push(Number(process.hrtime.bigint() - start) / 1000)
  }
  times.sort((a, b) => a - b)
  return Math.round(times[Math.floor(times.length / 2)] * 10) / 10
}
