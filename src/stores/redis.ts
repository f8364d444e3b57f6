import { nowSeconds } from '../limits.js'
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
 * KEYS[1] record; ARGV now (ms), then 's' sessionId expiresAt, 'n' notBefore expiresAt, or
 * 'r' sessionId createdAt expiresAt limit label refuse (limit and label '' when none,
 * refuse '1' for the 'refuse' policy).
 * Applies the change, drops what can no longer matter (as record.ts does: a revoked or
 * expired session is no longer listed), and sets the key to expire when the last entry
 * does. Returns that time (0: nothing left, key deleted); for 'r', the array
 * {createdAt, ...evicted ids}: the sign-in dated no earlier than the not-before time, and
 * the oldest other listed sessions beyond the limit revoked, in this one atomic script.
 */
const WRITE = `local nowMs = tonumber(ARGV[1])
local now = math.floor(nowMs / 1000)
local op = ARGV[2]
local text = redis.call('GET', KEYS[1])
local old = {}
if text then old = cjson.decode(text) end
if type(old) ~= 'table' then return redis.error_reply('revocation record is not an object') end
local n, e = old.n, old.e
if op == 'n' then
  n = math.max(tonumber(n) or 0, tonumber(ARGV[3]))
  e = math.max(tonumber(e) or 0, tonumber(ARGV[4]))
end
local record, latest = {}, 0
local hasN = type(n) == 'number' and type(e) == 'number' and e > now
if hasN then
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
if op == 's' then keep(ARGV[3], tonumber(ARGV[4])) end
local l = {}
if type(old.l) == 'table' then
  for id, live in pairs(old.l) do
    if type(live) == 'table' and type(live.c) == 'number' and type(live.x) == 'number' and live.x > now and s[id] == nil and not (hasN and live.c < n) then
      l[id] = live
    end
  end
end
local reply = nil
if op == 'r' then
  local id = ARGV[3]
  local created = tonumber(ARGV[4])
  if hasN and n > created then created = n end
  reply = { created }
  local limit = tonumber(ARGV[6])
  if limit then
    local others = {}
    for other in pairs(l) do
      if other ~= id then others[#others + 1] = other end
    end
    table.sort(others, function(a, b)
      if l[a].c ~= l[b].c then return l[a].c < l[b].c end
      return a < b
    end)
    -- The 'refuse' policy: at the limit, write nothing; -1 says refused.
    if ARGV[8] == '1' and #others >= limit then return { -1 } end
    for i = 1, #others + 1 - limit do
      local gone = others[i]
      keep(gone, l[gone].x)
      l[gone] = nil
      reply[#reply + 1] = gone
    end
  end
  local live = { c = created, x = tonumber(ARGV[5]) }
  if ARGV[7] ~= '' then live.u = ARGV[7] end
  l[id] = live
end
if kept then record.s = s end
for _, live in pairs(l) do
  record.l = l
  latest = math.max(latest, live.x)
end
if latest <= now then
  redis.call('DEL', KEYS[1])
  return reply or 0
end
redis.call('SET', KEYS[1], cjson.encode(record), 'PX', string.format('%d', latest * 1000 - nowMs))
return reply or latest`

/**
 * KEYS[1] record; ARGV sessionId, createdAt, now (s) → 1 revoked, 0 not: CHECK, and a
 * listed session's last-seen time set to now in the same script (the key keeps its TTL).
 */
const TOUCH = `local text = redis.call('GET', KEYS[1])
if not text then return 0 end
local record = cjson.decode(text)
if type(record.n) == 'number' and tonumber(ARGV[2]) < record.n then return 1 end
if type(record.s) == 'table' and record.s[ARGV[1]] ~= nil then return 1 end
local live = type(record.l) == 'table' and record.l[ARGV[1]]
local now = tonumber(ARGV[3])
if type(live) == 'table' and live.a ~= now then
  live.a = now
  redis.call('SET', KEYS[1], cjson.encode(record), 'KEEPTTL')
end
return 0`

/** KEYS[1] record → its JSON text, or nil. */
const READ = `return redis.call('GET', KEYS[1])`

/**
 * Revocations in Redis, for Node, Bun and Deno fleets: strongly consistent on a single
 * primary, so a revocation is seen by the next check on every server. One key per subject
 * (the KV store's key spaces and record), so a check is one round trip; every write is one
 * atomic script, so revocations racing for one subject all land; every key expires (to the
 * millisecond) when the last session it could revoke has, so the keys track live sessions,
 * not history. It records sessions too (list them, sign out one device or the others,
 * `maxSessions` applied atomically in the sign-in's script). docs/REVOCATION.md has the
 * wrapper for each client and the caveats (replicas, failover).
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * // No offline queue: a call while Redis is down rejects at once (then revocationFailure).
 * const client = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true })
 * // Without an 'error' listener node-redis ends the process when Redis goes away.
 * client.on('error', (error) => console.error('redis:', error.message))
 * await client.connect()
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
