// The Deno KV store on real Deno (`--unstable-kv`), against a KV file at argv[0]: the cases
// of test/stores/conformance.ts (which runs on vitest, so not on Deno) ported one by one,
// driven through createSessions() from the package sources, plus what is Deno KV's own:
// the key layout and its expiry read back from the database file, the atomic-operation
// limits, prefixes that extend one another. Run by test/deno-kv/run.mjs, which makes the
// temp dir and removes it afterwards:
//
//   deno run --unstable-kv --no-lock --allow-read --allow-write=<dir> test/deno-kv/suite.mjs <dir>/kv.sqlite3
//
// Plain JavaScript, like test/deno/smoke.mjs: `npm run typecheck` (tsc) knows no Deno.
import { DatabaseSync } from 'node:sqlite'
import {
  ConfigurationError,
  createSessions,
  LateWriteError,
  MAX_SESSIONS_PER_SUBJECT,
  PENDING_SECONDS,
  RevocationUnavailableError,
  SessionLimitError,
  SessionRevokedError,
  SessionTooLargeError,
} from '../../src/index.ts'
import { DenoKvContentionError, denoKvRevocations } from '../../src/deno-kv.ts'
import { baseOf } from '../../src/stores/deno-kv.ts'
import { cookieHeader } from '../support/jar.mjs'
import { encodeKey } from './key.mjs'
import { withOptions } from '../support/options.ts'
import { assert, createSuite, deepEqual, equal, finish } from '../support/runner.mjs'

const SECRET = 'k3Jz0q2p9QmV8uYc1tXwE4rB7nL5sH6dF0gA2iK9oPz'
const SKEW = 30
const path = Deno.args[0]
if (path === undefined) throw new Error('usage: suite.mjs <kv file>')

const kv = await Deno.openKv(path)
const database = new DatabaseSync(path, { readOnly: true })
const suite = createSuite({ label: `[deno ${Deno.version.deno} kv]`, timeoutMs: 60_000 })
const test = suite.test

/** A clock moved by hand, starting at real time: Deno KV's expiry runs on the real clock. */
function clock() {
  const c = { ms: Date.now(), now: () => c.ms, advance: (s) => void (c.ms += s * 1000), get seconds() { return Math.floor(c.ms / 1000) } }
  return c
}

let tests = 0
/**
 * A store on its own key prefix (one per test), on `handle` (the suite's connection unless
 * given), its backend round trips counted (a get, a getMany, a list, a commit; `commits`
 * alone too) and every `expireIn` it set recorded.
 */
function backend(time, handle = kv, prefix = ['sealed-session-test', `t${++tests}`]) {
  const b = { prefix, calls: 0, commits: 0, conflicts: 0, expireIns: [], deletes: [] }
  const counted = {
    get: (key) => (b.calls++, handle.get(key)),
    getMany: (keys) => (b.calls++, handle.getMany(keys)),
    list: (selector, options) => (b.calls++, handle.list(selector, options)),
    atomic: () => {
      const operation = handle.atomic()
      let deletes = 0
      const wrapped = {
        check: (...checks) => (operation.check(...checks), wrapped),
        set: (key, value, options) => (b.expireIns.push(options?.expireIn), operation.set(key, value, options), wrapped),
        delete: (key) => (deletes++, operation.delete(key), wrapped),
        commit: async () => {
          b.calls++
          b.commits++
          b.deletes.push(deletes)
          const result = await operation.commit()
          if (!result.ok) b.conflicts++
          return result
        },
      }
      return wrapped
    },
  }
  b.store = denoKvRevocations(counted, { prefix, now: time.now })
  return b
}


/** Deno KV's own expiry of a key, read from the database file (seconds), or undefined when it holds none. */
function storedExpiry(key) {
  const row = database.prepare('SELECT expiration_ms FROM kv WHERE k = ?').get(encodeKey(key))
  if (row === undefined) return undefined
  return row.expiration_ms < 0 ? Infinity : Number(row.expiration_ms) / 1000
}

/** The rows the database holds under a subject (every key of `[...prefix, true, subject]`): count and key + value bytes. */
async function held(b, subject) {
  const base = encodeKey(await baseOf(b.prefix, subject))
  const row = database
    .prepare('SELECT count(*) AS n, coalesce(sum(length(k) + length(v)), 0) AS bytes FROM kv WHERE substr(k, 1, ?) = ?')
    .get(base.length, base)
  return { keys: Number(row.n), bytes: Number(row.bytes) }
}

function near(actual, expected, what) {
  assert(typeof actual === 'number' && Math.abs(actual - expected) <= 1, `${what}: expected ${expected} ± 1, got ${actual}`)
}

async function rejects(promise, type, what) {
  let error
  try {
    await promise
  } catch (e) {
    error = e
  }
  assert(error instanceof type, `${what}: expected a ${type.name}, got ${error}`)
  return error
}

/** The store without its directory: the deny list alone, as Workers KV and custom stores are. */
function denyOnly(store) {
  const { sessions: _directory, ...rest } = store
  return rest
}

function engine(time, store, extra = {}) {
  const events = []
  const sessions = createSessions(withOptions({ secrets: SECRET, clock: { now: time.now, skew: SKEW }, revocation: { store, revalidateAfter: 0 }, onEvent: (e) => events.push(e) }, extra))
  return { sessions, events }
}

/** A sign-in from a client with these headers: its cookie, and its raw id (to prove no handle shows it). */
async function signInAs(sessions, subject = 'ada', headers = {}) {
  const session = await sessions.load(new Headers(headers))
  await session.login(subject)
  return { cookie: cookieHeader(await sessions.commit(session)), id: session.id }
}

async function signIn(sessions, subject = 'ada') {
  return (await signInAs(sessions, subject)).cookie
}

/** Puts a fault in front of the real store: it answers, throws, or never answers. */
function faulty(store) {
  const fault = { mode: 'ok' }
  const call = (real) => (fault.mode === 'ok' ? real() : fault.mode === 'throw' ? Promise.reject(new Error('store down')) : new Promise(() => {}))
  const directory = store.sessions
  fault.store = {
    isRevoked: (query) => call(() => store.isRevoked(query)),
    revoke: (entry) => call(() => store.revoke(entry)),
    revokeSubject: (subject, notBefore, expiresAt) => call(() => store.revokeSubject(subject, notBefore, expiresAt)),
    notBefore: (subject) => call(() => store.notBefore(subject)),
    ...(directory === undefined
      ? {}
      : {
          sessions: {
            record: (entry, options) => call(() => directory.record(entry, options)),
            confirm: (confirmation) => call(() => directory.confirm(confirmation)),
            check: (query) => call(() => directory.check(query)),
            rename: (change) => call(() => directory.rename(change)),
            revoke: (subject, ids) => call(() => directory.revoke(subject, ids)),
            list: (subject) => call(() => directory.list(subject)),
          },
        }),
  }
  return fault
}

/**
 * Holds one directory method's calls until `release()`: the engine gives up on them after
 * `revocationTimeout`, then they reach the real store late. `release` resolves with what
 * the late calls did.
 */
function gated(store, method) {
  let open
  const opened = new Promise((resolve) => (open = resolve))
  const late = []
  const directory = store.sessions
  const held = (...args) => {
    const result = opened.then(() => directory[method](...args))
    late.push(result.then(() => 'applied', (error) => (error instanceof LateWriteError ? 'refused late' : error)))
    return result
  }
  return {
    store: { ...store, sessions: { ...directory, [method]: held } },
    release: async (deadlineMs) => {
      // The deadline is wall-clock time by design: wait, bounded, until it has passed.
      for (let i = 0; i < 200 && Date.now() <= deadlineMs + 1; i++) await new Promise((resolve) => setTimeout(resolve, 5))
      open()
      return Promise.all(late)
    },
  }
}

// ------------------------------------------------------------------ the deny list

test('revokes one session until its absolute expiry + skew, and its keys expire then', async () => {
  const time = clock()
  const b = backend(time)
  const { sessions } = engine(time, denyOnly(b.store), { lifetime: { maxAge: 3600, idleTimeout: 3600 } })
  const session = await sessions.load(await signIn(sessions))
  const cookie = cookieHeader(await sessions.commit(session))
  const id = session.id
  await session.logout()
  const revokedUntil = time.seconds + 3600 + SKEW
  equal((await sessions.load(cookie)).isNew, true, 'revoked at once')
  const base = await baseOf(b.prefix, 'ada')
  near(storedExpiry([...base, 'r', id]), revokedUntil, "Deno KV's expiry of the revoked id")
  near(storedExpiry([...base, 'n']), revokedUntil, "Deno KV's expiry of the deny list's head")
  time.advance(3600 + SKEW - 1) // past the expiry, inside the skew: the engine would still accept the token
  equal((await sessions.load(cookie)).isNew, true, 'still revoked inside the skew')
})

test('signs a subject out everywhere, including a sign-in in the same second', async () => {
  const time = clock()
  const { sessions } = engine(time, denyOnly(backend(time).store))
  time.ms = Math.floor(time.ms / 1000) * 1000 + 100
  const first = await signIn(sessions)
  time.ms += 300
  const second = await signIn(sessions)
  time.ms += 300 // still the same second
  await sessions.revokeSubject('ada')
  equal((await sessions.load(first)).isNew, true, 'first')
  equal((await sessions.load(second)).isNew, true, 'second')
})

test('signs out at once a session sealed by a server whose clock runs ahead (its check time in our future is due)', async () => {
  const time = clock()
  const b = backend(time)
  const { sessions } = engine(time, denyOnly(b.store))
  const ahead = createSessions({ secrets: SECRET, clock: { now: () => time.ms + 20_000, skew: SKEW }, revocation: { store: denyOnly(b.store), revalidateAfter: 60 } })
  const cookie = await signIn(ahead)
  time.advance(1)
  await sessions.revokeSubject('ada')
  // Not a second later: a check time ahead of our clock is not trusted to mean "checked".
  equal((await sessions.load(cookie)).isNew, true, 'signed out')
})

test('lets a sign-in after sign-out-everywhere survive it, even in the same second (notBefore())', async () => {
  const time = clock()
  const { sessions } = engine(time, denyOnly(backend(time).store))
  const before = await signIn(sessions)
  await sessions.revokeSubject('ada')
  const after = await signIn(sessions)
  for (const seconds of [0, 1, SKEW, 120]) {
    time.advance(seconds)
    equal((await sessions.load(before)).isNew, true, `before, +${seconds}`)
    equal((await sessions.load(after)).subject, 'ada', `after, +${seconds}`)
  }
})

test('keeps the larger not-before time and the later expiry', async () => {
  const time = clock()
  const b = backend(time)
  const now = time.seconds
  await b.store.revokeSubject('ada', now + 100, now + 1000)
  await b.store.revokeSubject('ada', now + 10, now + 500)
  equal(await b.store.notBefore('ada'), now + 100, 'notBefore')
  equal(await b.store.isRevoked({ sessionId: 's', subject: 'ada', createdAt: now + 99 }), true, 'created before')
  equal(await b.store.isRevoked({ sessionId: 's', subject: 'ada', createdAt: now + 100 }), false, 'created at')
  equal(await b.store.notBefore('bob'), undefined, 'another subject')
  near(storedExpiry([...(await baseOf(b.prefix, 'ada')), 'n']), now + 1000, "Deno KV's expiry of the head")
})

const RACERS = 20
test(`keeps every one of ${RACERS + 1} revocations of one subject made at the same moment: atomic check, retried`, async () => {
  const time = clock()
  const b = backend(time)
  const expiresAt = time.seconds + 3600
  const ids = Array.from({ length: RACERS }, (_, i) => `session-${i}`)
  await Promise.all([
    ...ids.map((sessionId) => b.store.revoke({ sessionId, subject: 'ada', expiresAt })),
    b.store.revokeSubject('ada', time.seconds - 100, expiresAt),
  ])
  const revoked = await Promise.all(ids.map((sessionId) => b.store.isRevoked({ sessionId, subject: 'ada', createdAt: time.seconds })))
  equal(revoked.filter(Boolean).length, RACERS, 'revoked sessions')
  equal(await b.store.notBefore('ada'), time.seconds - 100, 'notBefore')
  assert(b.conflicts > 0, 'the race happened: some commits failed their check and were retried')
  console.log(`    ${b.conflicts} commits lost the race and were retried`)
})

test('two connections to one KV file: a write through one is read through the other at once; racing writes land or reject, none is lost silently', async () => {
  const time = clock()
  const second = await Deno.openKv(path)
  try {
    const a = backend(time)
    const b = backend(time, second, a.prefix)
    await a.store.revoke({ sessionId: 'first', subject: 'ada', expiresAt: time.seconds + 60 })
    equal(await b.store.isRevoked({ sessionId: 'first', subject: 'ada', createdAt: time.seconds }), true, 'read through the other connection')
    const ids = Array.from({ length: RACERS }, (_, i) => `session-${i}`)
    const outcomes = await Promise.allSettled(ids.map((sessionId, i) => (i % 2 === 0 ? a : b).store.revoke({ sessionId, subject: 'ada', expiresAt: time.seconds + 60 })))
    const landed = []
    for (const [i, outcome] of outcomes.entries()) {
      const revoked = await a.store.isRevoked({ sessionId: ids[i], subject: 'ada', createdAt: time.seconds })
      if (outcome.status === 'fulfilled') equal(revoked, true, `${ids[i]} resolved, so it is revoked`)
      else assert(/locked|busy/i.test(String(outcome.reason)), `${ids[i]} rejected with ${outcome.reason}`)
      if (revoked) landed.push(ids[i])
    }
    console.log(`    ${landed.length} of ${RACERS} landed; ${outcomes.filter((o) => o.status === 'rejected').length} rejected with SQLite's "database is locked" (then revocation.failure applies)`)
  } finally {
    second.close()
  }
})

test('fails closed when the store throws, and recovers with it', async () => {
  const time = clock()
  const fault = faulty(denyOnly(backend(time).store))
  const { sessions, events } = engine(time, fault.store)
  const cookie = await signIn(sessions)
  fault.mode = 'throw'
  const session = await sessions.load(cookie)
  equal(session.subject, undefined, 'subject while failing')
  equal(events.filter((e) => e.type === 'revocation-error').length, 1, 'revocation-error events')
  deepEqual(await sessions.commit(session), { cookies: [], setCookie: [], headers: [] }, 'commit')
  await rejects(session.logout(), RevocationUnavailableError, 'logout()')
  fault.mode = 'ok'
  equal((await sessions.load(cookie)).subject, 'ada', 'subject once it answers')
})

test('counts a store that hangs as failing after revocationTimeout, for checks and writes', async () => {
  const time = clock()
  const fault = faulty(denyOnly(backend(time).store))
  // 50 ms, not the conformance suite's 5: a real KV read on a busy machine may take longer.
  const { sessions, events } = engine(time, fault.store, { revocation: { timeout: 50 } })
  const cookie = await signIn(sessions)
  fault.mode = 'hang'
  equal((await sessions.load(cookie)).subject, undefined, 'subject while hanging')
  assert(events.some((e) => e.type === 'revocation-error'), 'a revocation-error event')
  await rejects(sessions.revokeSubject('ada'), RevocationUnavailableError, 'revokeSubject()')
  fault.mode = 'ok'
  equal((await sessions.load(cookie)).subject, 'ada', 'subject once it answers')
})

test('deny list: one KV call per check (a getMany of the head and the id), none between checks, none for anonymous sessions; a write is a read and a commit', async () => {
  const time = clock()
  const b = backend(time)
  const { sessions } = engine(time, denyOnly(b.store), { revocation: { revalidateAfter: 60 } })
  const anonymous = await sessions.load(null)
  anonymous.set('cart', ['x'])
  const visitor = cookieHeader(await sessions.commit(anonymous))
  let calls = b.calls
  await sessions.load(visitor)
  equal(b.calls - calls, 0, 'anonymous request')
  calls = b.calls
  let cookie = await signIn(sessions)
  equal(b.calls - calls, 1, 'login reads the not-before time')
  time.advance(61)
  calls = b.calls
  let session = await sessions.load(cookie)
  equal(session.subject, 'ada', 'subject')
  equal(b.calls - calls, 1, 'a due check')
  cookie = cookieHeader(await sessions.commit(session), cookie)
  calls = b.calls
  for (let i = 0; i < 10; i++) {
    time.advance(5)
    equal((await sessions.load(cookie)).subject, 'ada', `request ${i}`)
  }
  equal(b.calls - calls, 0, 'ten requests inside one window')
  time.advance(10)
  session = await sessions.load(cookie)
  calls = b.calls
  await session.logout()
  equal(b.calls - calls, 2, 'logout')
  calls = b.calls
  await sessions.revokeSubject('ada')
  equal(b.calls - calls, 2, 'sign-out everywhere (no directory entries: no clean-up)')
})

test('forgets what nothing can still need: each key expires by itself, reads ignore what has expired by its own time', async () => {
  const time = clock()
  const b = backend(time)
  const now = time.seconds
  const base = await baseOf(b.prefix, 'ada')
  await b.store.revoke({ sessionId: 'short', subject: 'ada', expiresAt: now + 100 })
  await b.store.revokeSubject('ada', now + 31, now + 200)
  await b.store.revoke({ sessionId: 'long', subject: 'ada', expiresAt: now + 300 })
  near(storedExpiry([...base, 'r', 'short']), now + 100, 'short')
  near(storedExpiry([...base, 'r', 'long']), now + 300, 'long')
  near(storedExpiry([...base, 'n']), now + 300, 'the head lasts as long as the longest id it counts')
  time.advance(250) // Deno KV deletes on the real clock: the keys are still there, read as expired
  await b.store.revoke({ sessionId: 'later', subject: 'ada', expiresAt: now + 280 })
  equal(await b.store.isRevoked({ sessionId: 'short', subject: 'ada', createdAt: now + 100 }), false, 'short, expired')
  equal(await b.store.isRevoked({ sessionId: 'long', subject: 'ada', createdAt: now + 100 }), true, 'long, kept')
  equal(await b.store.notBefore('ada'), undefined, 'not-before, expired')
  near(time.seconds + b.expireIns.at(-1) / 1000, now + 300, 'the expireIn of the head set by the last write')
  const calls = b.calls
  await b.store.revoke({ sessionId: 'gone', subject: 'bob', expiresAt: time.seconds })
  equal(b.calls - calls, 1, 'nothing to keep: one read, no commit')
  equal((await held(b, 'bob')).keys, 0, 'bob holds nothing')
})

test(`keeps at most ${MAX_SESSIONS_PER_SUBJECT} revoked ids per user, folding the rest into the not-before time (never forgetting one)`, async () => {
  const time = clock()
  const b = backend(time)
  const at = time.seconds
  const ids = Array.from({ length: MAX_SESSIONS_PER_SUBJECT + 1 }, (_, i) => `r${String(i).padStart(21, '0')}`)
  for (const sessionId of ids) await b.store.revoke({ sessionId, subject: 'ada', expiresAt: at + 3600 })
  for (const sessionId of [ids[0], ids[500], ids.at(-1)]) equal(await b.store.isRevoked({ sessionId, subject: 'ada', createdAt: at }), true, sessionId)
  assert((await b.store.notBefore('ada')) > at, 'the not-before time moved past now')
  const { keys } = await held(b, 'ada')
  assert(keys <= 2, `the folded ids are deleted: ${keys} keys left`)
  // The test clock stood still while the writes took real time: Deno KV's expiry is later by as much.
  const drift = (Date.now() - time.ms) / 1000
  const expiry = storedExpiry([...(await baseOf(b.prefix, 'ada')), 'n'])
  assert(expiry >= at + 3600 - 1 && expiry <= at + 3600 + drift + 1, `the not-before time lasts as long as the ids it replaced: ${expiry - at} s`)
  // A session signed in after the fold is not caught by it.
  time.advance(2)
  equal(await b.store.isRevoked({ sessionId: 'new', subject: 'ada', createdAt: time.seconds }), false, 'a later session')
})

test('keys: [...prefix, true, subject, …], long subjects by their SHA-256 as bytes, no escaping', async () => {
  const time = clock()
  const b = backend(time)
  const long = 'u'.repeat(600)
  const hashed = await baseOf(b.prefix, long)
  assert(hashed.at(-1) instanceof Uint8Array && hashed.at(-1).length === 32, 'a long subject is keyed by 32 bytes')
  const hex = Array.from(hashed.at(-1), (byte) => byte.toString(16).padStart(2, '0')).join('')
  await b.store.revokeSubject(long, time.seconds + 31, time.seconds + 1000)
  for (const lookalike of [hex, `sha256:${hex}`, '~', 'n', 's', 'revoked']) {
    equal(await b.store.isRevoked({ sessionId: 'x', subject: lookalike, createdAt: time.seconds }), false, `subject ${lookalike.slice(0, 12)}`)
  }
  equal(await b.store.isRevoked({ sessionId: 'x', subject: long, createdAt: time.seconds }), true, 'the long subject')
  await b.store.revoke({ sessionId: 's1', subject: 'user-42', expiresAt: time.seconds + 100 })
  equal((await kv.get([...b.prefix, true, 'user-42', 'r', 's1'])).value, time.seconds + 100, 'the stored revoked id: its expiry')
  deepEqual((await kv.get([...b.prefix, true, 'user-42', 'n'])).value, { c: 1, v: time.seconds + 100 }, 'the stored head: one id, until when')
})

test("prefixes that extend one another never meet: ['app'] + 'admin' and ['app', 'admin'] + 's'", async () => {
  const time = clock()
  const root = ['sealed-session-test', `t${++tests}`]
  const outer = backend(time, kv, [...root, 'app'])
  const inner = backend(time, kv, [...root, 'app', 'admin'])
  const o = engine(time, outer.store)
  const i = engine(time, inner.store)
  // Every kind of key on both sides, for the subjects that would line up without the separator.
  const outerDevice = await signInAs(o.sessions, 'admin')
  await outer.store.revoke({ sessionId: 'n', subject: 'admin', expiresAt: time.seconds + 600 })
  await outer.store.revoke({ sessionId: 's', subject: 'admin', expiresAt: time.seconds + 600 })
  for (const subject of ['s', 'r', 'n', 'admin']) await signInAs(i.sessions, subject)
  await inner.store.revokeSubject('s', time.seconds + SKEW + 1, time.seconds + 600)
  await inner.store.revoke({ sessionId: 'x', subject: 'r', expiresAt: time.seconds + 600 })
  equal((await o.sessions.listSessions('admin')).length, 1, "the outer store's admin: one session")
  equal((await o.sessions.load(outerDevice.cookie)).subject, 'admin', "the outer store's admin is still signed in")
  equal(await outer.store.notBefore('admin'), undefined, "the outer store's admin has no not-before time")
  for (const subject of ['r', 'n', 'admin']) equal((await i.sessions.listSessions(subject)).length, 1, `the inner store's ${subject}`)
  equal((await i.sessions.listSessions('s')).length, 0, "the inner store's s, signed out everywhere")
  equal(await inner.store.isRevoked({ sessionId: 'n', subject: 's', createdAt: time.seconds + SKEW + 1 }), false, "the outer store's revoked id 'n' is not the inner s's")
})

test('refuses prefixes that could not stay apart, with a ConfigurationError naming the fix', async () => {
  for (const prefix of [['app', true], [false], ['x'.repeat(300)]]) {
    let error
    try {
      denoKvRevocations(kv, { prefix })
    } catch (e) {
      error = e
    }
    assert(error instanceof ConfigurationError && /prefix/.test(error.message), `prefix ${JSON.stringify(prefix).slice(0, 30)}: ${error}`)
  }
  denoKvRevocations(kv, { prefix: [] })
  denoKvRevocations(kv, { prefix: ['a', 1, 2n, new Uint8Array([0, 1])] })
})

test('refuses a corrupt value with an error, so the failure policy applies', async () => {
  const time = clock()
  const b = backend(time)
  const base = await baseOf(b.prefix, 'ada')
  for (const value of ['not an object', { n: 'soon' }]) {
    await kv.set([...base, 'n'], value)
    await rejects(b.store.isRevoked({ sessionId: 'x', subject: 'ada', createdAt: 0 }), TypeError, `isRevoked() on ${JSON.stringify(value)}`)
  }
  await rejects(engine(time, b.store).sessions.revokeSubject('ada'), RevocationUnavailableError, 'revokeSubject()')
  await kv.set([...base, 's', 'x'], { c: 1 })
  await rejects(b.store.sessions.list('ada'), TypeError, 'list() of a malformed entry')
  await kv.delete([...base, 's', 'x'])
  await kv.set([...base, 's', 'x', 'deeper'], 1)
  await rejects(b.store.sessions.list('ada'), TypeError, 'list() of a key of another shape')
})

test('gives up after `attempts` commits that lost their atomic check, with DenoKvContentionError', async () => {
  const time = clock()
  const prefix = ['sealed-session-test', `t${++tests}`]
  let commits = 0
  const losing = {
    get: (key) => kv.get(key),
    getMany: (keys) => kv.getMany(keys),
    list: (selector, options) => kv.list(selector, options),
    atomic: () => ({ check() { return this }, set() { return this }, delete() { return this }, commit: async () => (commits++, { ok: false }) }),
  }
  const error = await rejects(denoKvRevocations(losing, { prefix, now: time.now, attempts: 3 }).revoke({ sessionId: 'a', subject: 'ada', expiresAt: time.seconds + 60 }), DenoKvContentionError, 'revoke()')
  assert(/3 attempts/.test(error.message), error.message)
  equal(commits, 3, 'commits tried')
})

// ------------------------------------------------------------------ sessions of a user (the directory)

const device = (label) => ({ 'user-agent': label })
const labelled = { revocation: { label: (headers) => headers.get('user-agent') ?? undefined } }

test("lists a user's sessions with their labels, the current one marked, handles never the raw ids", async () => {
  const time = clock()
  const { sessions } = engine(time, backend(time).store, labelled)
  const phone = await signInAs(sessions, 'ada', device('Phone'))
  time.advance(10)
  const laptop = await signInAs(sessions, 'ada', device('Laptop'))
  await signInAs(sessions, 'bob', device('Other user'))
  const listed = await sessions.listSessions(await sessions.load(laptop.cookie))
  deepEqual(listed.map((s) => [s.label, s.current]), [['Laptop', true], ['Phone', false]], 'listed, newest first')
  equal(listed[1].createdAt.getTime(), (time.seconds - 10) * 1000, 'the phone signed in 10 s ago')
  for (const info of listed) {
    for (const id of [phone.id, laptop.id]) assert(!info.handle.includes(id) && !id.includes(info.handle), 'a handle is not an id')
    assert(!JSON.stringify(info).includes(phone.id), 'no raw id in the listing')
  }
  assert((await sessions.listSessions('ada')).every((s) => !s.current), 'none current when listed by subject')
  deepEqual(await sessions.listSessions('nobody'), [], 'nobody')
})

test('signs out one device by handle: refused at its next check, the other still in', async () => {
  const time = clock()
  const { sessions } = engine(time, backend(time).store, { revocation: { revalidateAfter: 60 } })
  const phone = await signInAs(sessions, 'ada')
  const laptop = await signInAs(sessions, 'ada')
  const target = (await sessions.listSessions(await sessions.load(laptop.cookie))).find((s) => !s.current)
  equal(await sessions.revokeSession('ada', target.handle), true, 'signed out')
  equal(await sessions.revokeSession('ada', target.handle), false, 'a second time: not found')
  equal((await sessions.load(phone.cookie)).subject, 'ada', 'not checked yet: revalidateAfter')
  time.advance(60)
  equal((await sessions.load(phone.cookie)).isNew, true, 'refused at its check')
  equal((await sessions.load(laptop.cookie)).subject, 'ada', 'the laptop stays')
  equal((await sessions.listSessions('ada')).length, 1, 'one listed')
})

test('signs out every other device, keeping this one', async () => {
  const time = clock()
  const { sessions } = engine(time, backend(time).store)
  const others = [await signInAs(sessions, 'ada'), await signInAs(sessions, 'ada')]
  const mine = await signInAs(sessions, 'ada')
  equal(await sessions.revokeOtherSessions(await sessions.load(mine.cookie)), 2, 'signed out')
  for (const other of others) equal((await sessions.load(other.cookie)).isNew, true, 'another device')
  equal((await sessions.load(mine.cookie)).subject, 'ada', 'this device')
  deepEqual((await sessions.listSessions('ada')).map((s) => s.current), [false], 'listed')
})

test('maxSessions 2: the oldest is signed out, and three sign-ins racing leave exactly two', async () => {
  const time = clock()
  const b = backend(time)
  const { sessions, events } = engine(time, b.store, { revocation: { maxSessions: 2 } })
  const first = await signInAs(sessions, 'ada')
  time.advance(1)
  const second = await signInAs(sessions, 'ada')
  time.advance(1)
  const third = await signInAs(sessions, 'ada')
  equal((await sessions.load(first.cookie)).isNew, true, 'first, evicted')
  equal((await sessions.load(second.cookie)).subject, 'ada', 'second')
  equal((await sessions.load(third.cookie)).subject, 'ada', 'third')
  const racers = await Promise.all([0, 1, 2].map(() => signInAs(sessions, 'eve')))
  const alive = await Promise.all(racers.map(async (r) => (await sessions.load(r.cookie)).subject === 'eve'))
  equal(alive.filter(Boolean).length, 2, 'racing sign-ins still in')
  equal((await sessions.listSessions('eve')).length, 2, 'listed')
  equal(events.filter((e) => e.type === 'evicted').length, 2, 'evicted events')
})

test("maxSessionsPolicy 'refuse': the third sign-in throws SessionLimitError and signs nobody out; racing, exactly two get in", async () => {
  const time = clock()
  const { sessions } = engine(time, backend(time).store, { revocation: { maxSessions: 2, atLimit: 'refuse' } })
  const first = await signInAs(sessions, 'ada')
  time.advance(1)
  const second = await signInAs(sessions, 'ada')
  time.advance(1)
  const error = await rejects(signInAs(sessions, 'ada'), SessionLimitError, 'the third sign-in')
  equal(error.code, 'ERR_SESSION_LIMIT', 'code')
  equal(error.limit, 2, 'limit')
  equal((await sessions.load(first.cookie)).subject, 'ada', 'first')
  equal((await sessions.load(second.cookie)).subject, 'ada', 'second')
  equal((await sessions.listSessions('ada')).length, 2, 'listed')
  await sessions.revokeSession('ada', (await sessions.listSessions('ada'))[0].handle)
  assert((await signInAs(sessions, 'ada')).cookie.includes('='), 'signing one device out makes room again')
  const racers = await Promise.allSettled([0, 1, 2].map(() => signInAs(sessions, 'eve')))
  equal(racers.filter((r) => r.status === 'fulfilled').length, 2, 'racing sign-ins that got in')
  equal(racers.filter((r) => r.status === 'rejected' && r.reason instanceof SessionLimitError).length, 1, 'refused')
  equal((await sessions.listSessions('eve')).length, 2, 'listed')
})

test('a check of a listed session is one getMany (its entry and the counter); "last seen" is written at most once a minute, not waited for', async () => {
  const time = clock()
  const b = backend(time)
  const { sessions } = engine(time, b.store, { revocation: { revalidateAfter: 60 } })
  let { cookie } = await signInAs(sessions, 'ada')
  equal((await sessions.listSessions('ada'))[0].lastSeenAt, undefined, 'never seen')
  time.advance(61)
  let calls = b.calls
  const commits = b.commits
  const session = await sessions.load(cookie)
  equal(session.subject, 'ada', 'checked, signed in')
  equal(b.calls - calls, 2, 'the read, and the "last seen" commit sent')
  equal(b.commits - commits, 1, 'one of them a commit')
  cookie = cookieHeader(await sessions.commit(session), cookie)
  const seen = time.seconds
  time.advance(30)
  await sessions.load(cookie) // inside revalidateAfter: no check
  equal((await sessions.listSessions('ada'))[0].lastSeenAt?.getTime(), seen * 1000, 'last seen at the check')
  // Checked again within the minute (revalidateAfter 0 here): one read, nothing written.
  const eager = engine(time, b.store)
  calls = b.calls
  equal((await eager.sessions.load(cookie)).subject, 'ada', 'checked again')
  equal(b.calls - calls, 1, 'a check within a minute of the last: one call')
})

test('keeps a regenerated session listed under its new id, dated at its sign-in; the old id is out', async () => {
  const time = clock()
  const { sessions } = engine(time, backend(time).store)
  const { cookie } = await signInAs(sessions, 'ada')
  const signedIn = time.seconds
  time.advance(5)
  const session = await sessions.load(cookie)
  await session.regenerate()
  const regenerated = cookieHeader(await sessions.commit(session), cookie)
  const listed = await sessions.listSessions(await sessions.load(regenerated))
  deepEqual(listed.map((s) => [s.current, s.createdAt.getTime()]), [[true, signedIn * 1000]], 'listed')
  equal((await sessions.load(cookie)).isNew, true, 'the old id is revoked')
})

test('forgets a recorded session by itself once it has expired: read as gone at once, Deno KV deletes it then', async () => {
  const time = clock()
  const b = backend(time)
  const { sessions } = engine(time, b.store, { lifetime: { maxAge: 3600, idleTimeout: 3600 } })
  const { id } = await signInAs(sessions, 'ada')
  const base = await baseOf(b.prefix, 'ada')
  near(storedExpiry([...base, 's', id]), time.seconds + 3600 + SKEW, "Deno KV's expiry of the entry")
  near(storedExpiry([...base, 's']), time.seconds + 3600 + SKEW, "Deno KV's expiry of the counter")
  time.advance(3600 + SKEW - 1)
  equal((await sessions.listSessions('ada')).length, 1, 'still listed')
  time.advance(1)
  deepEqual(await sessions.listSessions('ada'), [], 'expired')
})

// Issue 19, item 1: a cookie signed out must not mint itself a fresh id.
test('regenerate() of a device signed out by id (not yet checked) throws SessionRevokedError and clears it; maxSessions 1 keeps one', async () => {
  const time = clock()
  const { sessions } = engine(time, backend(time).store, { revocation: { revalidateAfter: 60, maxSessions: 1 } })
  const laptop = await signInAs(sessions, 'ada')
  time.advance(1)
  const phone = await signInAs(sessions, 'ada') // maxSessions 1: the laptop is signed out
  const stale = await sessions.load(laptop.cookie)
  equal(stale.subject, 'ada', 'not checked yet: revalidateAfter')
  await rejects(stale.regenerate(), SessionRevokedError, 'regenerate()')
  equal(stale.subject, undefined, 'signed out')
  assert(/Max-Age=0/.test((await sessions.commit(stale)).setCookie.join()), 'the cookie is cleared')
  equal((await sessions.listSessions('ada')).length, 1, 'one listed')
  time.advance(60)
  equal((await sessions.load(phone.cookie)).subject, 'ada', 'the phone')
  equal((await sessions.load(laptop.cookie)).isNew, true, 'the laptop')
})

test('regenerate() of a device signed out by handle, or of a copy of a cookie that logged out, throws SessionRevokedError', async () => {
  const time = clock()
  const { sessions } = engine(time, backend(time).store, { revocation: { revalidateAfter: 60 } })
  const tablet = await signInAs(sessions, 'bob')
  const desk = await signInAs(sessions, 'bob')
  const handle = (await sessions.listSessions(await sessions.load(desk.cookie))).find((s) => !s.current).handle
  equal(await sessions.revokeSession('bob', handle), true, 'the tablet signed out')
  await rejects((await sessions.load(tablet.cookie)).regenerate(), SessionRevokedError, "the tablet's regenerate()")
  await (await sessions.load(desk.cookie)).logout()
  await rejects((await sessions.load(desk.cookie)).regenerate(), SessionRevokedError, "a copy of the desk's cookie")
  deepEqual(await sessions.listSessions('bob'), [], 'nothing listed')
})

test('regenerate() outside a directory asks the deny list whatever revalidateAfter says', async () => {
  const time = clock()
  const { sessions } = engine(time, denyOnly(backend(time).store), { revocation: { revalidateAfter: 3600 } })
  const cookie = await signIn(sessions)
  await (await sessions.load(cookie)).logout()
  const copy = await sessions.load(cookie)
  equal(copy.subject, 'ada', 'not checked yet')
  await rejects(copy.regenerate(), SessionRevokedError, 'regenerate() of the copy')
  const fresh = await sessions.load(await signIn(sessions))
  await fresh.regenerate()
  equal(fresh.subject, 'ada', 'a live one regenerates')
})

// Issue 19, item 2: what one user stores is bounded, and a check costs the same whatever their history.
test('a sign-out leaves nothing behind: 200 sign-ins and sign-outs of one user leave no key in the database', async () => {
  const time = clock()
  const b = backend(time)
  const { sessions } = engine(time, b.store)
  for (let i = 0; i < 200; i++) await (await sessions.load(await signIn(sessions))).logout()
  deepEqual(await sessions.listSessions('ada'), [], 'nothing listed')
  deepEqual(await held(b, 'ada'), { keys: 0, bytes: 0 }, 'rows under the subject')
})

test(`holds at most ${MAX_SESSIONS_PER_SUBJECT} sessions of one user, signing out the oldest beyond; one call per check throughout; the ${MAX_SESSIONS_PER_SUBJECT} signed out in one commit`, async () => {
  const time = clock()
  const b = backend(time)
  const directory = b.store.sessions
  const at = time.seconds
  const ids = Array.from({ length: MAX_SESSIONS_PER_SUBJECT + 5 }, (_, i) => `s${String(i).padStart(21, '0')}`)
  for (const [i, id] of ids.entries()) {
    await directory.record({ sessionId: id, subject: 'ada', createdAt: at, expiresAt: at + 3600 }, {})
    await directory.confirm({ subject: 'ada', sessionId: id })
    if (i === 0 || i === ids.length - 1) {
      const calls = b.calls
      equal(await directory.check({ sessionId: ids[0], subject: 'ada', createdAt: at }), i !== 0, `the first session checked after sign-in ${i + 1}`)
      equal(b.calls - calls, i === 0 ? 2 : 1, 'a check: one read (and, the first time, the "last seen" commit)')
    }
  }
  const listed = await directory.list('ada')
  equal(listed.length, MAX_SESSIONS_PER_SUBJECT, 'listed')
  equal(listed[0].sessionId, ids[5], 'the oldest five were signed out')
  const calls = b.calls
  equal(await directory.check({ sessionId: ids.at(-1), subject: 'ada', createdAt: at }), false, 'the newest is in')
  equal(b.calls - calls, 2, 'its check: one read, and its "last seen" commit')
  const { keys, bytes } = await held(b, 'ada')
  equal(keys, MAX_SESSIONS_PER_SUBJECT + 1, 'keys: the entries and the counter')
  console.log(`    ${MAX_SESSIONS_PER_SUBJECT} sessions held: ${bytes} bytes of keys and values`)
  const commits = b.commits
  equal(await directory.revoke('ada', listed.map((s) => s.sessionId)), MAX_SESSIONS_PER_SUBJECT, 'all signed out')
  deepEqual(b.deletes.slice(commits), [MAX_SESSIONS_PER_SUBJECT, 1], `${MAX_SESSIONS_PER_SUBJECT} deletions in one atomic commit (Deno KV's limit: 1000 mutations), then the counter`)
  deepEqual(await directory.list('ada'), [], 'nothing listed')
  deepEqual(await held(b, 'ada'), { keys: 0, bytes: 0 }, 'nothing stored')
})

test('maxSessions lowered under a full directory: a confirm evicts 1000 at once, 998 in its own commit and the rest right after', async () => {
  const time = clock()
  const b = backend(time)
  const directory = b.store.sessions
  const at = time.seconds
  const ids = Array.from({ length: MAX_SESSIONS_PER_SUBJECT + 1 }, (_, i) => `m${String(i).padStart(21, '0')}`)
  for (const id of ids.slice(0, -1)) {
    await directory.record({ sessionId: id, subject: 'ada', createdAt: at, expiresAt: at + 3600 }, {})
    await directory.confirm({ subject: 'ada', sessionId: id })
  }
  await directory.record({ sessionId: ids.at(-1), subject: 'ada', createdAt: at, expiresAt: at + 3600 }, { limit: 1 })
  const commits = b.commits
  const { confirmed, evicted } = await directory.confirm({ subject: 'ada', sessionId: ids.at(-1), limit: 1 })
  equal(confirmed, true, 'confirmed')
  deepEqual(evicted, ids.slice(0, -1), 'every other one evicted, oldest first')
  deepEqual(b.deletes.slice(commits), [MAX_SESSIONS_PER_SUBJECT - 2, 2], 'deletions per commit')
  deepEqual((await directory.list('ada')).map((s) => s.sessionId), [ids.at(-1)], 'listed')
  equal(await directory.check({ sessionId: ids[999], subject: 'ada', createdAt: at }), true, 'the last evicted is out')
})

test(`holds at most ${MAX_SESSIONS_PER_SUBJECT} pending sign-ins of one user, forgetting the oldest beyond`, async () => {
  const time = clock()
  const b = backend(time)
  const directory = b.store.sessions
  const at = time.seconds
  const ids = Array.from({ length: MAX_SESSIONS_PER_SUBJECT + 2 }, (_, i) => `q${String(i).padStart(21, '0')}`)
  for (const id of ids) await directory.record({ sessionId: id, subject: 'ada', createdAt: at, expiresAt: at + 3600 }, {})
  equal((await held(b, 'ada')).keys, MAX_SESSIONS_PER_SUBJECT + 1, 'keys: the pending entries and the counter')
  for (const id of ids.slice(0, 2)) deepEqual(await directory.confirm({ subject: 'ada', sessionId: id }), { confirmed: false, evicted: [] }, `${id}, forgotten`)
  deepEqual(await directory.confirm({ subject: 'ada', sessionId: ids[2] }), { confirmed: true, evicted: [] }, 'the oldest kept')
})

// Issue 19, item 4: a sign-in the app was told failed, or whose cookie never went out, takes no effect.
test('a login() the store answered too late changes nothing: not listed, nobody evicted', async () => {
  const time = clock()
  const b = backend(time)
  const gate = gated(b.store, 'record')
  const { sessions } = engine(time, gate.store, { revocation: { maxSessions: 1, timeout: 20 } })
  const session = await sessions.load(null)
  const started = Date.now()
  await rejects(session.login('ada'), RevocationUnavailableError, 'login()')
  deepEqual(await gate.release(started + 20), ['refused late'], 'the late record')
  // Listed through an engine without the 20 ms timeout: this machine may be busy.
  deepEqual(await engine(time, b.store).sessions.listSessions('ada'), [], 'nothing listed')
  deepEqual(await held(b, 'ada'), { keys: 0, bytes: 0 }, 'nothing stored')
})

test('a confirm the store answered too late evicts nobody; the commit threw, no cookie went out', async () => {
  const time = clock()
  const b = backend(time)
  const gate = gated(b.store, 'confirm')
  const { sessions } = engine(time, gate.store, { revocation: { maxSessions: 1, timeout: 20 } })
  const direct = engine(time, b.store, { revocation: { maxSessions: 1 } }).sessions
  const laptop = await signInAs(direct, 'ada')
  const session = await sessions.load(null)
  await session.login('ada')
  const started = Date.now()
  await rejects(sessions.commit(session), RevocationUnavailableError, 'commit()')
  deepEqual(await gate.release(started + 20), ['refused late'], 'the late confirm')
  equal((await direct.load(laptop.cookie)).subject, 'ada', 'the laptop stays')
  equal((await direct.listSessions('ada')).length, 1, 'one listed')
})

test('a regenerate() the store answered too late changes nothing: the old id stays listed, the new one never is', async () => {
  const time = clock()
  const b = backend(time)
  const gate = gated(b.store, 'rename')
  const { sessions } = engine(time, gate.store, { revocation: { timeout: 20 } })
  const direct = engine(time, b.store).sessions
  const laptop = await signInAs(direct, 'ada')
  const session = await sessions.load(laptop.cookie)
  const started = Date.now()
  await rejects(session.regenerate(), RevocationUnavailableError, 'regenerate()')
  deepEqual(await gate.release(started + 20), ['refused late'], 'the late rename')
  equal((await direct.load(laptop.cookie)).subject, 'ada', 'the old id still signed in')
  equal((await direct.listSessions('ada')).length, 1, 'one listed')
  equal((await held(b, 'ada')).keys, 2, 'its entry and the counter, nothing more')
})

test('the deadline is checked before every commit, retries included: a write that lost its check and is now late commits nothing', async () => {
  const time = clock()
  const prefix = ['sealed-session-test', `t${++tests}`]
  let commits = 0
  // The first commit loses its check and returns only after the deadline: the retry must not commit.
  const slow = {
    get: (key) => kv.get(key),
    getMany: (keys) => kv.getMany(keys),
    list: (selector, options) => kv.list(selector, options),
    atomic: () => {
      const operation = kv.atomic()
      const wrapped = {
        check: (...checks) => (operation.check(...checks), wrapped),
        set: (key, value, options) => (operation.set(key, value, options), wrapped),
        delete: (key) => (operation.delete(key), wrapped),
        commit: async () => {
          if (++commits > 1) return operation.commit()
          await new Promise((resolve) => setTimeout(resolve, 30))
          return { ok: false }
        },
      }
      return wrapped
    },
  }
  const store = denoKvRevocations(slow, { prefix, now: time.now })
  const at = time.seconds
  await rejects(store.sessions.record({ sessionId: 'late-sign-in', subject: 'ada', createdAt: at, expiresAt: at + 60 }, { deadline: Date.now() + 10 }), LateWriteError, 'record()')
  equal(commits, 1, 'no second commit')
  deepEqual(await store.sessions.list('ada'), [], 'nothing listed')
  equal((await kv.get([...prefix, true, 'ada', 's', 'late-sign-in'])).versionstamp, null, 'nothing stored')
})

test('a sign-in whose response never went out (handler threw, session too large) signs nobody out and is forgotten', async () => {
  const time = clock()
  const b = backend(time)
  const { sessions } = engine(time, b.store, { revocation: { maxSessions: 1 } })
  const laptop = await signInAs(sessions, 'ada')
  const thrown = await sessions.load(null)
  await thrown.login('ada') // the handler throws after this: no commit
  const large = await sessions.load(null)
  await large.login('ada')
  large.set('blob', 'x'.repeat(8000))
  await rejects(sessions.commit(large), SessionTooLargeError, 'commit() of a session too large')
  equal((await sessions.load(laptop.cookie)).subject, 'ada', 'the laptop stays')
  deepEqual((await sessions.listSessions('ada')).map((s) => s.current), [false], 'one listed')
  const base = await baseOf(b.prefix, 'ada')
  near(storedExpiry([...base, 's', thrown.id]), time.seconds + PENDING_SECONDS, "Deno KV's expiry of a pending sign-in")
  time.advance(PENDING_SECONDS)
  equal((await sessions.load(laptop.cookie)).subject, 'ada', 'still in once the pending sign-ins are forgotten')
  deepEqual(await b.store.sessions.confirm({ subject: 'ada', sessionId: thrown.id, limit: 1 }), { confirmed: false, evicted: [] }, 'a confirm after PENDING_SECONDS lists nothing')
})

test("'refuse' counts a pending sign-in until it is confirmed or forgotten after PENDING_SECONDS", async () => {
  const time = clock()
  const { sessions } = engine(time, backend(time).store, { revocation: { maxSessions: 1, atLimit: 'refuse' } })
  await (await sessions.load(null)).login('ada') // never committed
  await rejects(signInAs(sessions, 'ada'), SessionLimitError, 'a second sign-in while the first is pending')
  time.advance(PENDING_SECONDS)
  const { cookie } = await signInAs(sessions, 'ada')
  equal((await sessions.load(cookie)).subject, 'ada', 'in once the pending one is forgotten')
})

test('a sign-out everywhere between login() and its commit signs that sign-in out too: the commit throws', async () => {
  const time = clock()
  const { sessions } = engine(time, backend(time).store)
  const session = await sessions.load(null)
  await session.login('ada')
  await sessions.revokeSubject('ada')
  await rejects(sessions.commit(session), RevocationUnavailableError, 'commit()')
  deepEqual(await sessions.listSessions('ada'), [], 'nothing listed')
})

test('a sign-out everywhere signs out every listed and pending session in one commit, then deletes them; the user holds only the not-before time', async () => {
  const time = clock()
  const b = backend(time)
  const { sessions } = engine(time, b.store)
  const devices = []
  for (let i = 0; i < 5; i++) devices.push(await signInAs(sessions, 'ada'))
  const pending = await sessions.load(null)
  await pending.login('ada')
  const commits = b.commits
  await sessions.revokeSubject('ada')
  equal(b.commits - commits, 2, 'the sign-out (head and counter) and the clean-up')
  for (const d of devices) equal((await sessions.load(d.cookie)).isNew, true, 'signed out')
  deepEqual(await sessions.listSessions('ada'), [], 'nothing listed')
  equal((await held(b, 'ada')).keys, 1, 'the head alone is left')
})

// Issue 19, item 5: one store operation signs out every other device.
test('signs out 79 other devices in one atomic commit, every one of them; racing single sign-outs all land', async () => {
  const time = clock()
  const b = backend(time)
  const { sessions } = engine(time, b.store)
  const others = []
  for (let i = 0; i < 79; i++) others.push(await signInAs(sessions, 'ada'))
  const mine = await sessions.load((await signInAs(sessions, 'ada')).cookie)
  const calls = b.calls
  const commits = b.commits
  equal(await sessions.revokeOtherSessions(mine), 79, 'signed out')
  equal(b.commits - commits, 1, 'one commit')
  equal(b.calls - calls, 3, 'the engine lists, then one revoke: a list and the commit')
  const alive = await Promise.all(others.map(async (o) => (await sessions.load(o.cookie)).subject))
  deepEqual(alive.filter((s) => s !== undefined), [], 'none left signed in')
  equal((await sessions.listSessions('ada')).length, 1, 'this one listed')
  // The old failure: concurrent sign-outs of one user, each a read-modify-write of one key.
  const many = []
  for (let i = 0; i < 20; i++) many.push(await signInAs(sessions, 'eve'))
  const handles = (await sessions.listSessions('eve')).map((s) => s.handle)
  const outcomes = await Promise.all(handles.map((handle) => sessions.revokeSession('eve', handle)))
  equal(outcomes.filter(Boolean).length, 20, 'concurrent sign-outs that reported success')
  deepEqual(await sessions.listSessions('eve'), [], 'none listed')
  deepEqual(await held(b, 'eve'), { keys: 0, bytes: 0 }, 'nothing stored')
})

test('races on one session resolve as some order of the calls would: regenerate() against a sign-out, a confirm against a sign-out, a check against a sign-out', async () => {
  const time = clock()
  const b = backend(time)
  const directory = b.store.sessions
  const at = time.seconds
  const listed = async (id) => (await directory.list('ada')).some((s) => s.sessionId === id)
  const sign = async (id, confirm = true) => {
    await directory.record({ sessionId: id, subject: 'ada', createdAt: at, expiresAt: at + 3600 }, {})
    if (confirm) await directory.confirm({ subject: 'ada', sessionId: id })
  }
  const orders = { rename: new Set(), confirm: new Set() }
  for (let round = 0; round < 20; round++) {
    // rename(x → y) | revoke([x]): either x is signed out and y never exists, or y lives and nothing was signed out.
    const x = `x${round}`.padEnd(22, 'x')
    const y = `y${round}`.padEnd(22, 'y')
    await sign(x)
    const [renamed, revoked] = await Promise.all([directory.rename({ subject: 'ada', from: x, to: y }), directory.revoke('ada', [x])])
    equal(renamed, await listed(y), `round ${round}: y listed exactly when the rename won`)
    equal(revoked, renamed ? 0 : 1, `round ${round}: the sign-out counted x only when it came first`)
    equal(await listed(x), false, `round ${round}: x is gone either way`)
    orders.rename.add(renamed ? 'rename first' : 'sign-out first')
    await directory.revoke('ada', [y])
    // confirm(p) | revoke([p]) of a pending sign-in: p never stays listed after both.
    const p = `p${round}`.padEnd(22, 'p')
    await sign(p, false)
    const [confirmed, signedOut] = await Promise.all([directory.confirm({ subject: 'ada', sessionId: p }), directory.revoke('ada', [p])])
    equal(await listed(p), false, `round ${round}: p is not listed`)
    equal(signedOut, confirmed.confirmed ? 1 : 0, `round ${round}: the sign-out counted p as listed exactly when the confirm came first`)
    orders.confirm.add(confirmed.confirmed ? 'confirm first' : 'sign-out first')
    // check(z) (writing "last seen") | revoke([z]): z stays signed out.
    const z = `z${round}`.padEnd(22, 'z')
    await sign(z)
    time.advance(61) // "last seen" is due
    await Promise.all([directory.check({ sessionId: z, subject: 'ada', createdAt: at }), directory.revoke('ada', [z])])
    await kv.get(['flush']) // one more round trip on the connection, after the background commit
    equal(await directory.check({ sessionId: z, subject: 'ada', createdAt: at }), true, `round ${round}: z stays signed out`)
    equal((await kv.get([...(await baseOf(b.prefix, 'ada')), 's', z])).versionstamp, null, `round ${round}: no entry of z written back`)
  }
  console.log(`    orders seen: ${[...orders.rename, ...orders.confirm].join(', ')}`)
  deepEqual(await held(b, 'ada'), { keys: 0, bytes: 0 }, 'nothing stored at the end')
})

test('1000 sessions under the longest prefix and subject (keys of ~710 bytes) are signed out in one atomic operation, within Deno KV\'s limits', async () => {
  const time = clock()
  const prefix = ['sealed-session-test', `t${++tests}`, 'p'.repeat(220)]
  const b = backend(time, kv, prefix)
  const subject = 'ü'.repeat(126) // 252 UTF-8 bytes: the longest kept as a string part
  assert(typeof (await baseOf(prefix, subject)).at(-1) === 'string', 'the subject is a string part')
  const directory = b.store.sessions
  const at = time.seconds
  const ids = Array.from({ length: MAX_SESSIONS_PER_SUBJECT }, (_, i) => `${i}`.padEnd(64, 'é'))
  for (const id of ids) {
    await directory.record({ sessionId: id, subject, createdAt: at, expiresAt: at + 3600 }, {})
    await directory.confirm({ subject, sessionId: id })
  }
  const commits = b.commits
  equal(await directory.revoke(subject, ids), MAX_SESSIONS_PER_SUBJECT, 'signed out')
  equal(b.deletes[commits], MAX_SESSIONS_PER_SUBJECT, 'all in the first commit')
  deepEqual(await held(b, subject), { keys: 0, bytes: 0 }, 'nothing stored')
})

// Issue 19, item 6: UTF-8 turns a lone surrogate into U+FFFD, which is another user's name.
test('refuses subjects that are not well-formed Unicode, so "bob\\uD800" never reaches "bob\\uFFFD"\'s keys', async () => {
  const time = clock()
  const { sessions } = engine(time, backend(time).store)
  await signInAs(sessions, 'bob\uFFFD')
  for (const subject of ['bob\uD800', 'bob\uDC00', '\uDFFFbob']) {
    await rejects((await sessions.load(null)).login(subject), TypeError, `login(${JSON.stringify(subject)})`)
    await rejects(sessions.listSessions(subject), TypeError, 'listSessions()')
    await rejects(sessions.revokeSubject(subject), TypeError, 'revokeSubject()')
    await rejects(sessions.revokeSession(subject, 'x'), TypeError, 'revokeSession()')
  }
  equal((await sessions.listSessions('bob\uFFFD')).length, 1, 'bob\\uFFFD')
  deepEqual(await sessions.listSessions('😀'), [], 'another subject')
})

// Issue 19, item 10: the order of sign-ins is the store's, not a not-before date.
test('five sign-ins 1 s apart right after a sign-out everywhere, maxSessions 2: the two newest stay, listed newest first at their real times', async () => {
  const time = clock()
  const { sessions } = engine(time, backend(time).store, { revocation: { maxSessions: 2 } })
  await signInAs(sessions, 'ada')
  await sessions.revokeSubject('ada')
  const times = []
  const devices = []
  for (let i = 0; i < 5; i++) {
    time.advance(1)
    times.push(time.seconds)
    devices.push(await signInAs(sessions, 'ada', device(`device ${i}`)))
  }
  const alive = await Promise.all(devices.map(async (d) => (await sessions.load(d.cookie)).subject === 'ada'))
  deepEqual(alive, [false, false, false, true, true], 'signed in')
  deepEqual((await sessions.listSessions('ada')).map((s) => s.createdAt.getTime() / 1000), [times[4], times[3]], 'listed at their times')
})

test('orders sign-ins within one second by when they happened, not by id', async () => {
  const time = clock()
  const { sessions } = engine(time, backend(time).store, { revocation: { maxSessions: 3 } })
  const devices = []
  for (let i = 0; i < 6; i++) devices.push(await signInAs(sessions, 'ada'))
  const alive = await Promise.all(devices.map(async (d) => (await sessions.load(d.cookie)).subject === 'ada'))
  deepEqual(alive, [false, false, false, true, true, true], 'signed in')
})

test('revokeOtherSessions() of a session that loaded signed out because the store failed throws, and a malformed handle is simply not found', async () => {
  const time = clock()
  const fault = faulty(backend(time).store)
  const { sessions } = engine(time, fault.store)
  const { cookie } = await signInAs(sessions, 'ada')
  fault.mode = 'throw'
  const closed = await sessions.load(cookie)
  equal(closed.subject, undefined, 'signed out while failing')
  await rejects(sessions.revokeOtherSessions(closed), RevocationUnavailableError, 'revokeOtherSessions()')
  fault.mode = 'ok'
  for (const handle of ['', 'x', '../../etc', 'A'.repeat(10_000)]) equal(await sessions.revokeSession('ada', handle), false, `handle ${handle.slice(0, 10)}`)
  equal((await sessions.listSessions('ada')).length, 1, 'still listed')
})

test('the directory keys: [...prefix, true, subject, "s"] the counter, [..., "s", id] an entry, each with its expiry', async () => {
  const time = clock()
  const b = backend(time)
  const { sessions } = engine(time, b.store, { revocation: { ...labelled.revocation }, lifetime: { maxAge: 3600, idleTimeout: 3600 } })
  const { id } = await signInAs(sessions, 'user-7', device('Phone'))
  const base = [...b.prefix, true, 'user-7']
  const entry = (await kv.get([...base, 's', id])).value
  deepEqual(Object.keys(entry).sort(), ['c', 'e', 'g', 'l', 'o'], 'the entry, confirmed (no pending time): created, expires, generation, label, order')
  equal(entry.l, 'Phone', 'its label')
  equal(entry.e, time.seconds + 3600 + SKEW, 'its expiry')
  deepEqual((await kv.get([...base, 's'])).value, { o: 1, g: 0, u: time.seconds + 3600 + SKEW, k: 1, q: 0 }, 'the counter: order, generation, until, entries, pending')
})

const tally = await suite.run()
database.close()
kv.close()
finish(tally)
