import { ConfigurationError } from '../errors.js'
import { checkOptions } from '../strict.js'
import { sha256, toHex } from '../keys/digest.js'
import { LateWriteError, MAX_SESSIONS_PER_SUBJECT, PENDING_SECONDS, type ListedSession, type RevocationStore, type SessionDirectory } from '../session/revocation.js'

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
 * trip. Replies are integers, nil, or arrays of integers and strings that no JSON parser
 * accepts (`s:<id>`, `<created>,<expires>,…`), so every client, including Upstash's
 * automatic JSON deserialization and RESP3, returns them alike.
 */
export interface RedisLike {
  /** `EVAL script numkeys ...keys ...args`: resolves with the script's reply, rejects on an error reply. */
  eval(script: string, keys: string[], args: string[]): Promise<unknown>
}

/** Options of `redisRevocations()`. */
export interface RedisRevocationsOptions {
  /**
   * Prefix of every key this store writes; it may not contain `{` or `}` (the store puts
   * each subject in a `{…}` hash tag itself). @default 'revoked:'
   */
  readonly prefix?: string
  /** The clock, in milliseconds. @default Date.now */
  readonly now?: () => number
}

/*
 * The layout, per subject (every key of a subject shares the hash tag `{tag}`, so each
 * script touches ONE hash slot: Redis Cluster and managed Redis work):
 *
 *   prefix{tag}     hash   n, e        the not-before time, and until when it matters
 *                          q           the last sign-in order given (a counter, never a clock)
 *                          r:<id>      a revoked id → its expiry (the deny list)
 *                          s:<id>      a pending or listed session:
 *                                      "created,expires,order,lastSeen,pendingUntil,label"
 *                                      (lastSeen and pendingUntil empty when unset)
 *   prefix{tag}:x   zset   every r:/s: field → when it stops mattering (each write drops
 *                          what has expired: each entry once, so amortized O(1))
 *   prefix{tag}:o   zset   listed ids → sign-in order (eviction, listing)
 *   prefix{tag}:p   zset   pending ids → sign-in order (the oldest forgotten beyond the bound)
 *
 * A check reads one or three fields of the hash: its cost does not depend on how many
 * sessions or revocations the subject has had. Revoked ids number
 * ZCARD(x) − ZCARD(o) − ZCARD(p). Every write sets each key's TTL (PEXPIRE, to the
 * millisecond on the store's clock) to the latest expiry the subject holds.
 */

/** KEYS[1] hash; ARGV sessionId, createdAt, nowMs → 1 revoked, 0 not. Reads three fields. */
const IS_REVOKED = `local v = redis.call('HMGET', KEYS[1], 'n', 'e', 'r:' .. ARGV[1])
local now = math.floor(tonumber(ARGV[3]) / 1000)
local n, e, r = tonumber(v[1]), tonumber(v[2]), tonumber(v[3])
if n and e and e > now and tonumber(ARGV[2]) < n then return 1 end
if r and r > now then return 1 end
return 0`

/** KEYS[1] hash; ARGV nowMs → the not-before time, or nil. */
const NOT_BEFORE = `local v = redis.call('HMGET', KEYS[1], 'n', 'e')
local n, e = tonumber(v[1]), tonumber(v[2])
if n and e and e > math.floor(tonumber(ARGV[1]) / 1000) then return n end
return false`

/**
 * KEYS[1] hash; ARGV sessionId, nowMs → 1 revoked, 0 listed. A listed session's last-seen
 * time is set to now in the same script (one field written; the key keeps its TTL).
 */
const CHECK = `local field = 's:' .. ARGV[1]
local v = redis.call('HGET', KEYS[1], field)
if not v then return 1 end
local c, x, q, a, p, l = string.match(v, '^([^,]*),([^,]*),([^,]*),([^,]*),([^,]*),(.*)$')
if not c then return redis.error_reply('sealed-session: corrupt session entry') end
local now = math.floor(tonumber(ARGV[2]) / 1000)
if p ~= '' or tonumber(x) <= now then return 1 end
local seen = string.format('%d', now)
if a ~= seen then redis.call('HSET', KEYS[1], field, table.concat({ c, x, q, seen, p, l }, ',')) end
return 0`

/** KEYS[1] hash, KEYS[2] listed; ARGV nowMs → {field, value, …} of the unexpired listed sessions in sign-in order. */
const LIST = `local now = math.floor(tonumber(ARGV[1]) / 1000)
local ids = redis.call('ZRANGE', KEYS[2], 0, -1)
local reply = {}
for i = 1, #ids, 500 do
  local fields = {}
  for j = i, math.min(i + 499, #ids) do fields[#fields + 1] = 's:' .. ids[j] end
  local values = redis.call('HMGET', KEYS[1], unpack(fields))
  for j = 1, #fields do
    local v = values[j]
    local x = v and tonumber(string.match(v, '^[^,]*,([^,]*),'))
    if x and x > now then
      reply[#reply + 1] = fields[j]
      reply[#reply + 1] = v
    end
  end
end
return reply`

/**
 * What every write script of this package starts with (the revocation store's and the
 * session data store's): `late(deadline)` compares Redis's own clock (TIME, wall clock) with
 * the caller's deadline in ms ('' for none). Redis 5 and later replicate a script's
 * effects, not the script, so TIME before a write is allowed (replicate_commands switches
 * 4.x to that too).
 */
export const LATE_WRITES = `if redis.replicate_commands then redis.replicate_commands() end
local function late(deadline)
  if deadline == '' then return false end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) > tonumber(deadline)
end`

/** What every write script of the revocation store starts with: KEYS hash, expiries, listed, pending; ARGV[1] the store's clock (ms). */
const WRITE = `${LATE_WRITES}
local H, X, O, P = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local nowMs = tonumber(ARGV[1])
local now = math.floor(nowMs / 1000)
local MAX = ${MAX_SESSIONS_PER_SUBJECT}
local function int(n) return string.format('%d', n) end
local function unpackEntry(v)
  local c, x, q, a, p, l = string.match(v, '^([^,]*),([^,]*),([^,]*),([^,]*),([^,]*),(.*)$')
  if not c then error('sealed-session: corrupt session entry') end
  return c, x, q, a, p, l
end
-- Removes a session (pending or listed); true when it was listed.
local function drop(id)
  redis.call('HDEL', H, 's:' .. id)
  redis.call('ZREM', X, 's:' .. id)
  redis.call('ZREM', P, id)
  return redis.call('ZREM', O, id) == 1
end
-- Runs cmd on key with the items as arguments, 500 at a time (Lua's stack is bounded); the sum of the replies.
local function batch(cmd, key, items)
  local sum = 0
  for i = 1, #items, 500 do sum = sum + redis.call(cmd, key, unpack(items, i, math.min(i + 499, #items))) end
  return sum
end
-- Removes these sessions (pending or listed) in a few calls; how many were listed.
local function dropAll(ids)
  local fields = {}
  for i = 1, #ids do fields[i] = 's:' .. ids[i] end
  batch('HDEL', H, fields)
  batch('ZREM', X, fields)
  batch('ZREM', P, ids)
  return batch('ZREM', O, ids)
end
-- Drops every field that has stopped mattering (each entry once: amortized O(1) per write).
local function sweep()
  local gone = redis.call('ZRANGEBYSCORE', X, '-inf', now)
  if #gone > 0 then
    batch('HDEL', H, gone)
    local ids = {}
    for i = 1, #gone do
      if string.sub(gone[i], 1, 2) == 's:' then ids[#ids + 1] = string.sub(gone[i], 3) end
    end
    batch('ZREM', O, ids)
    batch('ZREM', P, ids)
    redis.call('ZREMRANGEBYSCORE', X, '-inf', now)
  end
  local e = tonumber(redis.call('HGET', H, 'e'))
  if e and e <= now then redis.call('HDEL', H, 'n', 'e') end
end
local function raiseNotBefore(n, e)
  local old = redis.call('HMGET', H, 'n', 'e')
  redis.call('HSET', H, 'n', int(math.max(tonumber(old[1]) or 0, n)), 'e', int(math.max(tonumber(old[2]) or 0, e)))
end
-- Every key expires when the last thing the subject holds stops mattering; nothing left: deleted.
local function expire()
  local latest = 0
  local top = redis.call('ZRANGE', X, -1, -1, 'WITHSCORES')
  if top[2] then latest = tonumber(top[2]) end
  local e = tonumber(redis.call('HGET', H, 'e'))
  if e and e > latest then latest = e end
  if latest <= now then
    redis.call('DEL', H, X, O, P)
    return
  end
  local ttl = int(latest * 1000 - nowMs)
  for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ttl) end
end
`

/** ARGV nowMs, sessionId, expiresAt: revokes one id (and drops it from the directory); past MAX ids, folds them into not-before. */
const REVOKE = `${WRITE}
sweep()
local id = ARGV[2]
drop(id)
local field = 'r:' .. id
local expires = math.max(tonumber(ARGV[3]), tonumber(redis.call('HGET', H, field)) or 0)
if expires > now then
  redis.call('HSET', H, field, int(expires))
  redis.call('ZADD', X, int(expires), field)
end
if redis.call('ZCARD', X) - redis.call('ZCARD', O) - redis.call('ZCARD', P) > MAX then
  -- Bounded: every session created until now (outside a directory) is signed out instead.
  local all = redis.call('ZRANGE', X, 0, -1, 'WITHSCORES')
  local revoked, untilAt = {}, 0
  for i = 1, #all, 2 do
    if string.sub(all[i], 1, 2) == 'r:' then
      revoked[#revoked + 1] = all[i]
      untilAt = math.max(untilAt, tonumber(all[i + 1]))
    end
  end
  batch('HDEL', H, revoked)
  batch('ZREM', X, revoked)
  raiseNotBefore(now + 1, untilAt)
end
expire()
return 0`

/** ARGV nowMs, notBefore, expiresAt: raises the not-before time; every listed and pending session goes. */
const REVOKE_SUBJECT = `${WRITE}
sweep()
raiseNotBefore(tonumber(ARGV[2]), tonumber(ARGV[3]))
dropAll(redis.call('ZRANGE', O, 0, -1))
dropAll(redis.call('ZRANGE', P, 0, -1))
expire()
return 0`

/**
 * ARGV nowMs, deadline, sessionId, createdAt, expiresAt, label, limit, refuse ('1') →
 * 0 recorded (pending), 1 refused, -1 late (nothing written).
 */
const RECORD = `${WRITE}
if late(ARGV[2]) then return -1 end
sweep()
local id = ARGV[3]
local limit = tonumber(ARGV[7])
if ARGV[8] == '1' and limit and redis.call('ZCARD', O) + redis.call('ZCARD', P) >= limit then return 1 end
drop(id)
local pending = redis.call('ZCARD', P)
if pending >= MAX then
  dropAll(redis.call('ZRANGE', P, 0, pending - MAX))
end
local order = redis.call('HINCRBY', H, 'q', 1)
local pendingUntil = now + ${PENDING_SECONDS}
redis.call('HSET', H, 's:' .. id, table.concat({ ARGV[4], ARGV[5], int(order), '', int(pendingUntil), ARGV[6] }, ','))
redis.call('ZADD', P, int(order), id)
redis.call('ZADD', X, int(math.min(tonumber(ARGV[5]), pendingUntil)), 's:' .. id)
expire()
return 0`

/**
 * ARGV nowMs, deadline, sessionId, limit → {1, 's:<evicted id>', …} confirmed (listed, the
 * oldest others beyond the limit signed out), {0} not pending, {-1} late (nothing written).
 */
const CONFIRM = `${WRITE}
if late(ARGV[2]) then return { -1 } end
sweep()
local id = ARGV[3]
local field = 's:' .. id
local v = redis.call('HGET', H, field)
if not v or not redis.call('ZSCORE', P, id) then return { 0 } end
local c, x, q, a, p, l = unpackEntry(v)
redis.call('HSET', H, field, table.concat({ c, x, q, a, '', l }, ','))
redis.call('ZREM', P, id)
redis.call('ZADD', O, q, id)
redis.call('ZADD', X, x, field)
local reply = { 1 }
local excess = redis.call('ZCARD', O) - math.min(tonumber(ARGV[4]) or MAX, MAX)
if excess > 0 then
  local oldest, evicted = redis.call('ZRANGE', O, 0, excess), {}
  for i = 1, #oldest do
    if oldest[i] ~= id and #evicted < excess then
      evicted[#evicted + 1] = oldest[i]
      reply[#reply + 1] = 's:' .. oldest[i]
    end
  end
  dropAll(evicted)
end
expire()
return reply`

/** ARGV nowMs, deadline, from, to → 1 renamed (same entry, order, expiry), 0 not pending or listed, -1 late. */
const RENAME = `${WRITE}
if late(ARGV[2]) then return -1 end
sweep()
local from, to = ARGV[3], ARGV[4]
local v = redis.call('HGET', H, 's:' .. from)
if not v then return 0 end
local score = redis.call('ZSCORE', X, 's:' .. from)
local listed = redis.call('ZSCORE', O, from)
local pending = redis.call('ZSCORE', P, from)
drop(from)
drop(to)
redis.call('HSET', H, 's:' .. to, v)
redis.call('ZADD', X, score, 's:' .. to)
if listed then redis.call('ZADD', O, listed, to) end
if pending then redis.call('ZADD', P, pending, to) end
expire()
return 1`

/** ARGV nowMs, sessionId… → how many of them were listed; all of them are gone. */
const SIGN_OUT = `${WRITE}
sweep()
local ids = {}
for i = 2, #ARGV do ids[i - 1] = ARGV[i] end
local listed = dropAll(ids)
expire()
return listed`

/** Subjects longer than this (UTF-8 bytes) are keyed by their SHA-256: every key carries the tag four times. */
const MAX_TAG_BYTES = 256
const encoder = new TextEncoder()

/**
 * Revocations and a session directory in Redis, for Node, Bun and Deno fleets: strongly
 * consistent on a single primary, so a sign-out is seen by the next check on every server.
 * Per subject one hash (not-before time, revoked ids, sessions as their own fields) and
 * three sorted sets, all under one `{subject}` hash tag, so every operation is ONE `EVAL`
 * on one hash slot (Redis Cluster, managed Redis): atomic, so racing sign-ins under
 * `maxSessions` and revocations racing for one user all land as they should. A check reads
 * at most three fields, whatever the user's history. What one user can make Redis hold is
 * bounded (`MAX_SESSIONS_PER_SUBJECT` sessions, as many revoked ids), and every key
 * expires, to the millisecond, when the last thing it holds stops mattering. A sign-in,
 * its confirmation or a regenerate() that reaches Redis after its caller's deadline (by
 * Redis's own clock) changes nothing. docs/REVOCATION.md has the wrapper for each client,
 * the layout and the caveats (replicas, failover, clocks).
 *
 * @throws ConfigurationError when `prefix` contains `{` or `}`.
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * // No offline queue: a call while Redis is down rejects at once (then revocation.failure).
 * const client = createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true })
 * // Without an 'error' listener node-redis ends the process when Redis goes away.
 * client.on('error', (error) => console.error('redis:', error.message))
 * await client.connect()
 * const revocations = redisRevocations({ eval: (script, keys, args) => client.eval(script, { keys, arguments: args }) })
 * const sessions = createSessions({ secrets, revocations })
 * ```
 */
export function redisRevocations(client: RedisLike, options: RedisRevocationsOptions = {}): RevocationStore {
  checkOptions('redisRevocations()', options, ['prefix', 'now'])
  const prefix = hashTagPrefix('redisRevocations()', options.prefix ?? 'revoked:', 'subject')
  const clock = options.now ?? Date.now
  const nowMs = (): string => String(Math.floor(clock()))
  const keys = (subject: string): Promise<string[]> => keysOf(prefix, subject)
  const run = async (script: string, subject: string, args: string[]): Promise<unknown> => client.eval(script, await keys(subject), args)

  const sessions: SessionDirectory = {
    record: async (entry, { limit, policy, deadline }) => {
      const args = [nowMs(), deadlineArg(deadline), entry.sessionId, String(entry.createdAt), String(entry.expiresAt), entry.label ?? '', limit === undefined ? '' : String(limit), policy === 'refuse' ? '1' : '']
      const status = integer(await run(RECORD, entry.subject, args))
      if (status === -1) throw new LateWriteError()
      return { refused: status === 1 }
    },
    confirm: async ({ subject, sessionId, limit, deadline }) => {
      const reply = array(await run(CONFIRM, subject, [nowMs(), deadlineArg(deadline), sessionId, limit === undefined ? '' : String(limit)]))
      const status = integer(reply[0])
      if (status === -1) throw new LateWriteError()
      return { confirmed: status === 1, evicted: reply.slice(1).map(idOf) }
    },
    check: async ({ subject, sessionId }) => integer(await client.eval(CHECK, [(await keys(subject))[0]!], [sessionId, nowMs()])) === 1,
    rename: async ({ subject, from, to, deadline }) => {
      const status = integer(await run(RENAME, subject, [nowMs(), deadlineArg(deadline), from, to]))
      if (status === -1) throw new LateWriteError()
      return status === 1
    },
    revoke: async (subject, ids) => integer(await run(SIGN_OUT, subject, [nowMs(), ...ids])) ?? 0,
    list: async (subject) => {
      const [hash, , listed] = await keys(subject)
      const reply = array(await client.eval(LIST, [hash!, listed!], [nowMs()]))
      const result: ListedSession[] = []
      for (let i = 0; i + 1 < reply.length; i += 2) result.push(listedOf(subject, idOf(reply[i]), reply[i + 1]))
      return result
    },
  }

  return {
    isRevoked: async (query) =>
      integer(await client.eval(IS_REVOKED, [(await keys(query.subject))[0]!], [query.sessionId, String(query.createdAt), nowMs()])) === 1,
    notBefore: async (subject) => integer(await client.eval(NOT_BEFORE, [(await keys(subject))[0]!], [nowMs()])),
    revoke: async (entry) => {
      await run(REVOKE, entry.subject, [nowMs(), entry.sessionId, String(entry.expiresAt)])
    },
    revokeSubject: async (subject, notBefore, expiresAt) => {
      await run(REVOKE_SUBJECT, subject, [nowMs(), String(notBefore), String(expiresAt)])
    },
    sessions,
  }
}

/**
 * The keys of one subject: `prefix{tag}` (hash) and `prefix{tag}:x`, `:o`, `:p` (sorted
 * sets), one hash slot. The tag is, in three disjoint spaces:
 * - the subject itself, when it is at most 256 UTF-8 bytes and starts with none of `~ # }`;
 * - `~` + the subject, when it fits but starts with one of them (so a subject "#…" is never
 *   the digest of a long one, and a leading "}" never makes an empty tag, which would
 *   scatter the subject's keys over several slots);
 * - `#` + hex SHA-256 of the subject, when it does not fit.
 * The prefix has no brace, so it ends at the first `{`: prefix and subject split one way only.
 */
/**
 * A key prefix for keys `prefix{tag}`. It ends where the first "{" is: a brace in it would
 * blur the split between prefix and tag (and move the hash tag), so 'app:' and
 * 'app:admin:' could collide.
 */
export function hashTagPrefix(store: string, prefix: unknown, tag: string): string {
  if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
    throw new ConfigurationError(`${store}: the prefix ${JSON.stringify(prefix)} contains "{" or "}"; the store wraps each ${tag} in a {…} hash tag itself. Use a prefix without braces, such as 'myapp:sessions:'.`)
  }
  return prefix
}

export async function keysOf(prefix: string, subject: string): Promise<string[]> {
  const escaped = /^[~#}]/.test(subject) || subject.length === 0 ? `~${subject}` : subject
  const tag = encoder.encode(escaped).length <= MAX_TAG_BYTES ? escaped : `#${toHex(await sha256(subject))}`
  const base = `${prefix}{${tag}}`
  return [base, `${base}:x`, `${base}:o`, `${base}:p`]
}

function deadlineArg(deadline: number | undefined): string {
  return deadline === undefined ? '' : String(Math.floor(deadline))
}

/** A script's integer reply (a number, or a numeric string from some clients); nil is undefined. */
export function integer(reply: unknown): number | undefined {
  if (reply === null || reply === undefined) return undefined
  const value = typeof reply === 'string' && /^-?\d+$/.test(reply) ? Number(reply) : reply
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new TypeError('unexpected reply from Redis')
  return value
}

export function array(reply: unknown): unknown[] {
  if (!Array.isArray(reply)) throw new TypeError('unexpected reply from Redis')
  return reply
}

/** A session id from its hash field name (`s:<id>`), as the scripts reply with it. */
function idOf(field: unknown): string {
  if (typeof field !== 'string' || !field.startsWith('s:')) throw new TypeError('unexpected reply from Redis')
  return field.slice(2)
}

/** A listed session from its packed entry: "created,expires,order,lastSeen,pendingUntil,label". */
function listedOf(subject: string, sessionId: string, value: unknown): ListedSession {
  const match = typeof value === 'string' ? /^(\d+),(\d+),\d*,(\d*),\d*,([\s\S]*)$/.exec(value) : null
  if (match === null) throw new TypeError('unexpected reply from Redis')
  const [, created, expires, seen, label] = match
  return {
    sessionId,
    subject,
    createdAt: Number(created),
    expiresAt: Number(expires),
    ...(seen === '' ? {} : { lastSeenAt: Number(seen) }),
    ...(label === '' ? {} : { label }),
  }
}
