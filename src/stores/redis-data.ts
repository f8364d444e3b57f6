import { checkOptions } from '../strict.js'
import { LateWriteError } from '../session/revocation.js'
import type { SessionDataStore } from '../session/overflow.js'
import { array, hashTagPrefix, integer, LATE_WRITES, type RedisLike } from './redis.js'

/** Options of `redisSessionData()`. */
export interface RedisSessionDataOptions {
  /** Prefix of every key this store writes; without `{` or `}` (each id is a `{…}` hash tag). @default 'session-data:' */
  readonly prefix?: string
  /** The clock, in milliseconds: copies expire `expiresAt` minus now from the write, on Redis's clock. @default Date.now */
  readonly now?: () => number
}

/*
 * One hash per session, `prefix{id}`: v (the version) and b (the sealed blob), with a TTL
 * to the session's expiry. Each call is one script on one key (one hash slot: Redis
 * Cluster and managed Redis work), so put's compare-and-set is atomic.
 */

/** KEYS[1] → {version, 'b:' .. blob}, or nil. The prefix keeps the blob from looking like JSON to Upstash's client. */
const GET = `local v = redis.call('HMGET', KEYS[1], 'v', 'b')
if not v[1] or not v[2] then return false end
return { tonumber(v[1]), 'b:' .. v[2] }`

/**
 * KEYS[1]; ARGV expected, version, blob, ttlSeconds, deadline → 1 stored, 0 another version
 * is there, -1 late (Redis's own clock, TIME, past the caller's deadline: nothing written).
 */
const PUT = `${LATE_WRITES}
if late(ARGV[5]) then return -1 end
local current = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if current ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'b', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1`

/** KEYS[1]; ARGV expected ('' for any) → 1 removed or none there, 0 another version is there. */
const DELETE = `if ARGV[1] ~= '' then
  local current = redis.call('HGET', KEYS[1], 'v')
  if current and tonumber(current) ~= tonumber(ARGV[1]) then return 0 end
end
redis.call('DEL', KEYS[1])
return 1`

/**
 * Session data (`overflow`) on Redis, through the same one-method client as
 * `redisRevocations()`. Every put is an atomic compare-and-set on the version, refused
 * when it arrives after the engine's deadline; copies expire with their session.
 *
 * @example
 * ```ts
 * const client = createClient({ url: process.env.REDIS_URL })
 * await client.connect()
 * const redis = { eval: (script: string, keys: string[], args: string[]) => client.eval(script, { keys, arguments: args }) }
 * const sessions = createSessions({ secrets, overflow: { store: redisSessionData(redis) } })
 * ```
 */
export function redisSessionData(client: RedisLike, options: RedisSessionDataOptions = {}): SessionDataStore {
  checkOptions('redisSessionData()', options, ['prefix', 'now'])
  const prefix = hashTagPrefix('redisSessionData()', options.prefix ?? 'session-data:', 'session id')
  const clock = options.now ?? Date.now
  const key = (id: string): string[] => [`${prefix}{${id}}`]
  return {
    get: async (id) => {
      const reply = await client.eval(GET, key(id), [])
      if (reply === null || reply === undefined) return undefined
      const [version, blob] = array(reply)
      if (typeof blob !== 'string' || !blob.startsWith('b:')) throw new TypeError('unexpected reply from Redis')
      return { version: integer(version)!, blob: blob.slice(2) }
    },
    put: async (id, { version, blob }, { expected, expiresAt, deadline }) => {
      const ttl = Math.max(1, expiresAt - Math.floor(clock() / 1000))
      const args = [String(expected), String(version), blob, String(ttl), deadline === undefined ? '' : String(Math.floor(deadline))]
      const status = integer(await client.eval(PUT, key(id), args))
      if (status === -1) throw new LateWriteError()
      return status === 1
    },
    delete: async (id, { expected } = {}) => integer(await client.eval(DELETE, key(id), [expected === undefined ? '' : String(expected)])) === 1,
  }
}
