import type { RevocationStore } from '../session/revocation.js'
import { keyOf } from './kv.js'

/**
 * The one thing this store needs from a Redis client: run a Lua script (`EVAL`), with its
 * keys and arguments, and resolve with the reply. Every client fits it in one line:
 *
 * - node-redis: `{ eval: (script, keys, args) => client.eval(script, { keys, arguments: args }) }`
 * - ioredis: `{ eval: (script, keys, args) => redis.eval(script, keys.length, ...keys, ...args) }`
 * - Bun: `{ eval: (script, keys, args) => client.send('EVAL', [script, String(keys.length), ...keys, ...args]) }`
 * - `@upstash/redis`: the `Redis` object itself (its `eval` has this signature).
 *
 * One method rather than `get`/`set`/`multi`: every operation is then one atomic round
 * trip, and replies are integers or nil, which every client returns alike.
 */
export interface RedisLike {
  /** `EVAL script numkeys ...keys ...args`: resolves with the script's reply, rejects on an error reply. */
  eval(script: string, keys: string[], args: string[]): Promise<unknown>
}

/** Options of `redisRevocations()`. */
export interface RedisRevocationsOptions {
  /** Prefix of every key this store writes. @default 'revoked:' */
  readonly prefix?: string
  /** The clock, in milliseconds. @default Date.now */
  readonly now?: () => number
}

// The record is the KV store's JSON (src/stores/record.ts): {"n": not-before, "e": until
// when n matters, "s": {sessionId: expiry}}. Each script reads, changes and rewrites it
// inside Redis, so concurrent revocations of one subject serialize instead of racing.

/** KEYS[1] record; ARGV sessionId, createdAt → 1 revoked, 0 not. */
const CHECK = `local text = redis.call('GET', KEYS[1])
if not text then return 0 end
local record = cjson.decode(text)
if type(record.n) == 'number' and tonumber(ARGV[2]) < record.n then return 1 end
if type(record.s) == 'table' and record.s[ARGV[1]] ~= nil then return 1 end
return 0`

/** KEYS[1] record → the not-before time, or nil. */
const NOT_BEFORE = `local text = redis.call('GET', KEYS[1])
if not text then return false end
local n = cjson.decode(text).n
if type(n) == 'number' then return n end
return false`

/**
 * KEYS[1] record; ARGV now (ms), then 's' sessionId expiresAt, or 'n' notBefore expiresAt.
 * Adds the entry, drops what can no longer matter (as record.ts does), and sets the key to
 * expire when the last entry does; returns that time (0: nothing left, key deleted).
 */
const WRITE = `local nowMs = tonumber(ARGV[1])
local now = math.floor(nowMs / 1000)
local text = redis.call('GET', KEYS[1])
local old = {}
if text then old = cjson.decode(text) end
if type(old) ~= 'table' then return redis.error_reply('revocation record is not an object') end
local n, e = old.n, old.e
if ARGV[2] == 'n' then
  n = math.max(tonumber(n) or 0, tonumber(ARGV[3]))
  e = math.max(tonumber(e) or 0, tonumber(ARGV[4]))
end
local record, latest = {}, 0
if type(n) == 'number' and type(e) == 'number' and e > now then
  record.n, record.e, latest = n, e, e
end
local s, kept = {}, false
local function keep(id, expiry)
  if type(expiry) == 'number' and expiry > now then
    s[id], kept, latest = expiry, true, math.max(latest, expiry)
  end
end
if type(old.s) == 'table' then
  for id, expiry in pairs(old.s) do keep(id, expiry) end
end
if ARGV[2] == 's' then keep(ARGV[3], tonumber(ARGV[4])) end
if kept then record.s = s end
if latest <= now then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('SET', KEYS[1], cjson.encode(record), 'PX', string.format('%d', latest * 1000 - nowMs))
return latest`

/**
 * Revocations in Redis, for Node, Bun and Deno fleets: strongly consistent on a single
 * primary, so a revocation is seen by the next check on every server. One key per subject
 * (the KV store's key spaces and record), so a check is one round trip; every write is one
 * atomic script, so revocations racing for one subject all land; every key expires (to the
 * millisecond) when the last session it could revoke has, so the keys track live sessions,
 * not history. docs/REVOCATION.md has the wrapper for each client and the caveats
 * (replicas, failover).
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * const client = await createClient({ url: process.env.REDIS_URL }).connect()
 * const revocations = redisRevocations({ eval: (script, keys, args) => client.eval(script, { keys, arguments: args }) })
 * const sessions = createSessions({ secrets, revocations })
 * ```
 */
export function redisRevocations(client: RedisLike, options: RedisRevocationsOptions = {}): RevocationStore {
  const prefix = options.prefix ?? 'revoked:'
  const now = options.now ?? Date.now
  const write = async (subject: string, args: string[]): Promise<void> => {
    await client.eval(WRITE, [await keyOf(prefix, subject)], [String(Math.floor(now())), ...args])
  }
  return {
    isRevoked: async (query) =>
      integer(await client.eval(CHECK, [await keyOf(prefix, query.subject)], [query.sessionId, String(query.createdAt)])) === 1,
    notBefore: async (subject) => integer(await client.eval(NOT_BEFORE, [await keyOf(prefix, subject)], [])),
    revoke: (entry) => write(entry.subject, ['s', entry.sessionId, String(entry.expiresAt)]),
    revokeSubject: (subject, notBefore, expiresAt) => write(subject, ['n', String(notBefore), String(expiresAt)]),
  }
}

/** A script's integer reply (a number, or a numeric string from some clients); nil is undefined. */
function integer(reply: unknown): number | undefined {
  if (reply === null || reply === undefined) return undefined
  const value = typeof reply === 'string' && /^-?\d+$/.test(reply) ? Number(reply) : reply
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new TypeError('unexpected reply from Redis')
  return value
}
