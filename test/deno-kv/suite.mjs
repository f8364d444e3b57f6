// The Deno KV store on real Deno (`--unstable-kv`), against a KV file at argv[0]: the checks
// of test/stores/conformance.ts that apply, driven through createSessions() from the
// package sources, plus Deno KV's own expiry read back from the database file. Run by
// test/deno-kv/run.mjs, which makes the temp dir and removes it afterwards:
//
//   deno run --unstable-kv --no-lock --allow-read --allow-write=<dir> test/deno-kv/suite.mjs <dir>/kv.sqlite3
//
// Plain JavaScript, like test/deno/smoke.mjs: `npm run typecheck` (tsc) knows no Deno.
import { DatabaseSync } from 'node:sqlite'
import { createSessions, RevocationUnavailableError, SessionLimitError } from '../../src/index.ts'
import { denoKvRevocations } from '../../src/deno-kv.ts'
import { keyOf } from '../../src/stores/deno-kv.ts'
import { cookieHeader } from '../support/jar.mjs'
import { assert, createSuite, deepEqual, equal, finish } from '../support/runner.mjs'

const SECRET = 'k3Jz0q2p9QmV8uYc1tXwE4rB7nL5sH6dF0gA2iK9oPz'
const SKEW = 30
const path = Deno.args[0]
if (path === undefined) throw new Error('usage: suite.mjs <kv file>')

const kv = await Deno.openKv(path)
const database = new DatabaseSync(path, { readOnly: true })
const suite = createSuite({ label: `[deno ${Deno.version.deno} kv]`, timeoutMs: 30_000 })
const test = suite.test

/** A clock moved by hand, starting at real time: Deno KV's expiry runs on the real clock. */
function clock() {
  const c = { ms: Date.now(), now: () => c.ms, advance: (s) => void (c.ms += s * 1000), get seconds() { return Math.floor(c.ms / 1000) } }
  return c
}

let tests = 0
/**
 * A store on its own key prefix (one per test), on `handle` (the suite's connection unless
 * given), its backend calls counted (a get or a commit) and every `expireIn` it set recorded.
 */
function backend(time, handle = kv, prefix = ['sealed-session-test', `t${++tests}`, 'revoked']) {
  const b = { prefix, calls: 0, conflicts: 0, expireIns: [] }
  const counted = {
    get: (key) => {
      b.calls++
      return handle.get(key)
    },
    atomic: () => {
      const operation = handle.atomic()
      const wrapped = {
        check: (...checks) => (operation.check(...checks), wrapped),
        set: (key, value, options) => (b.expireIns.push(options?.expireIn), operation.set(key, value, options), wrapped),
        delete: (key) => (operation.delete(key), wrapped),
        commit: async () => {
          b.calls++
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

/** Deno KV's own expiry of the subject's key, read from the database file (seconds), or undefined. */
async function storedExpiry(b, subject) {
  const row = database.prepare('SELECT expiration_ms FROM kv WHERE k = ?').get(encodeKey(await keyOf(b.prefix, subject)))
  if (row === undefined) return undefined
  return row.expiration_ms < 0 ? Infinity : Number(row.expiration_ms) / 1000
}

/** Deno KV's key encoding (FoundationDB's tuple layer) for string and byte parts. */
function encodeKey(key) {
  const out = []
  for (const part of key) {
    const bytes = typeof part === 'string' ? new TextEncoder().encode(part) : part
    out.push(typeof part === 'string' ? 0x02 : 0x01)
    for (const byte of bytes) out.push(...(byte === 0 ? [0, 0xff] : [byte]))
    out.push(0)
  }
  return new Uint8Array(out)
}

function near(actual, expected, what) {
  assert(typeof actual === 'number' && Math.abs(actual - expected) <= 1, `${what}: expected ${expected} ± 1, got ${actual}`)
}

function engine(time, store, extra = {}) {
  const events = []
  const sessions = createSessions({ secrets: SECRET, now: time.now, revocations: store, revalidateAfter: 0, clockSkew: SKEW, onEvent: (e) => events.push(e), ...extra })
  return { sessions, events }
}

async function signIn(sessions, subject = 'ada') {
  const session = await sessions.load(null)
  await session.login(subject)
  return cookieHeader(await sessions.commit(session))
}

test('revokes one session until its absolute expiry + skew, and the key expires then', async () => {
  const time = clock()
  const b = backend(time)
  const { sessions } = engine(time, b.store, { maxAge: 3600, idleTimeout: 3600 })
  const cookie = await signIn(sessions)
  await (await sessions.load(cookie)).logout()
  const revokedUntil = time.seconds + 3600 + SKEW
  equal((await sessions.load(cookie)).isNew, true, 'revoked at once')
  near(await storedExpiry(b, 'ada'), revokedUntil, "Deno KV's expiry of the key")
  near(time.seconds + b.expireIns.at(-1) / 1000, revokedUntil, 'the expireIn set')
  time.advance(3600 + SKEW - 1) // past the expiry, inside the skew: the engine would still accept the token
  equal((await sessions.load(cookie)).isNew, true, 'still revoked inside the skew')
})

test('signs a subject out everywhere, including a sign-in in the same second', async () => {
  const time = clock()
  const { sessions } = engine(time, backend(time).store)
  time.ms = Math.floor(time.ms / 1000) * 1000 + 100
  const first = await signIn(sessions)
  time.ms += 300
  const second = await signIn(sessions)
  time.ms += 300 // still the same second
  await sessions.revokeSubject('ada')
  equal((await sessions.load(first)).isNew, true, 'first')
  equal((await sessions.load(second)).isNew, true, 'second')
})

test('signs out a session sealed by a server whose clock runs ahead within the skew', async () => {
  const time = clock()
  const b = backend(time)
  const { sessions } = engine(time, b.store)
  const ahead = createSessions({ secrets: SECRET, now: () => time.ms + (SKEW - 1) * 1000, revocations: b.store, revalidateAfter: 0, clockSkew: SKEW })
  const cookie = await signIn(ahead)
  time.advance(1)
  await sessions.revokeSubject('ada')
  time.advance(SKEW)
  equal((await sessions.load(cookie)).isNew, true, 'signed out')
})

test('lets a sign-in after sign-out-everywhere survive it, even in the same second (notBefore())', async () => {
  const time = clock()
  const { sessions } = engine(time, backend(time).store)
  const before = await signIn(sessions)
  await sessions.revokeSubject('ada')
  const after = await signIn(sessions)
  for (const seconds of [0, 1, SKEW, 120]) {
    time.advance(seconds)
    equal((await sessions.load(before)).isNew, true, `before, +${seconds}`)
    equal((await sessions.load(after)).subject, 'ada', `after, +${seconds}`)
  }
})

test('keeps the larger not-before time and the later record expiry', async () => {
  const time = clock()
  const b = backend(time)
  const now = time.seconds
  await b.store.revokeSubject('ada', now + 100, now + 1000)
  await b.store.revokeSubject('ada', now + 10, now + 500)
  equal(await b.store.notBefore('ada'), now + 100, 'notBefore')
  equal(await b.store.isRevoked({ sessionId: 's', subject: 'ada', createdAt: now + 99 }), true, 'created before')
  equal(await b.store.isRevoked({ sessionId: 's', subject: 'ada', createdAt: now + 100 }), false, 'created at')
  equal(await b.store.notBefore('bob'), undefined, 'another subject')
  near(await storedExpiry(b, 'ada'), now + 1000, "Deno KV's expiry of the key")
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
    console.log(`    ${landed.length} of ${RACERS} landed; ${outcomes.filter((o) => o.status === 'rejected').length} rejected with SQLite's "database is locked" (then revocationFailure applies)`)
  } finally {
    second.close()
  }
})

test('sessions of a user: lists sign-ins with labels and the current one, signs out one device and the others', async () => {
  const time = clock()
  const b = backend(time)
  const { sessions } = engine(time, b.store, { sessionLabel: (headers) => headers.get('user-agent') ?? undefined })
  const signInAs = async (agent) => {
    const session = await sessions.load(new Headers({ 'user-agent': agent }))
    await session.login('ada')
    return { session, cookie: cookieHeader(await sessions.commit(session)) }
  }
  const phone = await signInAs('Phone')
  time.advance(1)
  const laptop = await signInAs('Laptop')
  time.advance(1)
  const tablet = await signInAs('Tablet')
  const listed = await sessions.listSessions(await sessions.load(new Headers({ cookie: laptop.cookie })))
  equal(listed.length, 3, 'three sessions listed')
  equal(listed.filter((s) => s.current).map((s) => s.label).join(), 'Laptop', 'the current one is marked')
  assert(listed.every((s) => s.handle !== phone.session.id && s.handle !== laptop.session.id), 'handles are not the ids')
  const phoneHandle = listed.find((s) => s.label === 'Phone').handle
  await sessions.revokeSession('ada', phoneHandle)
  equal((await sessions.load(phone.cookie)).isNew, true, 'the signed-out device is refused at its next check')
  equal((await sessions.load(laptop.cookie)).subject, 'ada', 'the others stay signed in')
  await sessions.revokeOtherSessions(await sessions.load(new Headers({ cookie: laptop.cookie })))
  equal((await sessions.load(tablet.cookie)).isNew, true, 'others signed out')
  equal((await sessions.load(laptop.cookie)).subject, 'ada', 'this device stays signed in')
})

test("maxSessionsPolicy 'refuse': at the limit login() throws SessionLimitError and signs nobody out; racing, exactly two get in", async () => {
  const time = clock()
  const b = backend(time)
  const { sessions } = engine(time, b.store, { maxSessions: 2, maxSessionsPolicy: 'refuse' })
  const kept = [await signIn(sessions), await signIn(sessions)]
  let refused
  try {
    await signIn(sessions)
  } catch (error) {
    refused = error
  }
  equal(refused instanceof SessionLimitError, true, 'the third sign-in is refused with SessionLimitError')
  for (const cookie of kept) equal((await sessions.load(cookie)).subject, 'ada', 'the first two stay signed in')
  const racers = await Promise.allSettled([0, 1, 2].map(() => signIn(sessions, 'eve')))
  equal(racers.filter((r) => r.status === 'fulfilled').length, 2, 'racing sign-ins that got in')
  equal((await sessions.listSessions('eve')).length, 2, 'sessions listed')
})

test('maxSessions 2: three sign-ins racing leave exactly two, atomically', async () => {
  const time = clock()
  const b = backend(time)
  const { sessions, events } = engine(time, b.store, { maxSessions: 2 })
  const cookies = await Promise.all([signIn(sessions), signIn(sessions), signIn(sessions)])
  const alive = []
  for (const cookie of cookies) if (!(await sessions.load(cookie)).isNew) alive.push(cookie)
  equal(alive.length, 2, 'sessions still signed in')
  equal((await sessions.listSessions('ada')).length, 2, 'sessions listed')
  equal(events.filter((e) => e.type === 'evicted').length, 1, 'evicted events')
})

/** Puts a fault in front of the real store: it answers, throws, or never answers. */
function faulty(store) {
  const fault = { mode: 'ok' }
  const call = (real) => (fault.mode === 'ok' ? real() : fault.mode === 'throw' ? Promise.reject(new Error('store down')) : new Promise(() => {}))
  fault.store = {
    isRevoked: (query) => call(() => store.isRevoked(query)),
    revoke: (entry) => call(() => store.revoke(entry)),
    revokeSubject: (subject, notBefore, expiresAt) => call(() => store.revokeSubject(subject, notBefore, expiresAt)),
    notBefore: (subject) => call(() => store.notBefore(subject)),
  }
  return fault
}

test('fails closed when the store throws, and recovers with it', async () => {
  const time = clock()
  const fault = faulty(backend(time).store)
  const { sessions, events } = engine(time, fault.store)
  const cookie = await signIn(sessions)
  fault.mode = 'throw'
  const session = await sessions.load(cookie)
  equal(session.subject, undefined, 'subject while failing')
  equal(events.filter((e) => e.type === 'revocation-error').length, 1, 'revocation-error events')
  deepEqual(await sessions.commit(session), { cookies: [], setCookie: [], headers: [] }, 'commit')
  let error
  await session.logout().catch((e) => (error = e))
  assert(error instanceof RevocationUnavailableError, `logout() rejects with RevocationUnavailableError, got ${error}`)
  fault.mode = 'ok'
  equal((await sessions.load(cookie)).subject, 'ada', 'subject once it answers')
})

test('counts a store that hangs as failing after revocationTimeout, for checks and writes', async () => {
  const time = clock()
  const fault = faulty(backend(time).store)
  const { sessions, events } = engine(time, fault.store, { revocationTimeout: 5 })
  const cookie = await signIn(sessions)
  fault.mode = 'hang'
  equal((await sessions.load(cookie)).subject, undefined, 'subject while hanging')
  assert(events.some((e) => e.type === 'revocation-error'), 'a revocation-error event')
  let error
  await sessions.revokeSubject('ada').catch((e) => (error = e))
  assert(error instanceof RevocationUnavailableError, `revokeSubject() rejects with RevocationUnavailableError, got ${error}`)
  fault.mode = 'ok'
  equal((await sessions.load(cookie)).subject, 'ada', 'subject once it answers')
})

test('costs one KV read per check (and a commit when it records "last seen"), none between checks, none for anonymous sessions; a write is a read and a commit', async () => {
  const time = clock()
  const b = backend(time)
  const { sessions } = engine(time, b.store, { revalidateAfter: 60 })
  const anonymous = await sessions.load(null)
  anonymous.set('cart', ['x'])
  const visitor = cookieHeader(await sessions.commit(anonymous))
  let calls = b.calls
  await sessions.load(visitor)
  equal(b.calls - calls, 0, 'anonymous request')
  calls = b.calls
  let cookie = await signIn(sessions)
  equal(b.calls - calls, 2, 'login records the sign-in (a read and a commit; it also dates it after any not-before time)')
  time.advance(61)
  calls = b.calls
  let session = await sessions.load(cookie)
  equal(session.subject, 'ada', 'subject')
  equal(b.calls - calls, 2, 'a due check: the read, and "last seen" committed (at most once per window)')
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
  equal(b.calls - calls, 2, 'sign-out everywhere')
})

test('forgets a record once nothing it revokes can still be alive: expireIn follows what is left', async () => {
  const time = clock()
  const b = backend(time)
  const now = time.seconds
  await b.store.revoke({ sessionId: 'short', subject: 'ada', expiresAt: now + 100 })
  await b.store.revokeSubject('ada', now + 31, now + 200)
  await b.store.revoke({ sessionId: 'long', subject: 'ada', expiresAt: now + 300 })
  near(await storedExpiry(b, 'ada'), now + 300, "Deno KV's expiry after three writes")
  time.advance(250)
  await b.store.revoke({ sessionId: 'later', subject: 'ada', expiresAt: now + 280 })
  equal(await b.store.isRevoked({ sessionId: 'short', subject: 'ada', createdAt: now + 100 }), false, 'short, dropped')
  equal(await b.store.isRevoked({ sessionId: 'long', subject: 'ada', createdAt: now + 100 }), true, 'long, kept')
  equal(await b.store.notBefore('ada'), undefined, 'not-before, dropped')
  near(time.seconds + b.expireIns.at(-1) / 1000, now + 300, 'the expireIn set by the last write')
  // The test clock now runs 250 s ahead of Deno KV's: the key expires 50 s from now in KV's time.
  near(await storedExpiry(b, 'ada'), now + 300 - 250, "Deno KV's expiry after the last write")
  // Once nothing is left, a write deletes the key instead of keeping an empty record.
  time.advance(51)
  await b.store.revoke({ sessionId: 'gone', subject: 'ada', expiresAt: time.seconds })
  equal((await kv.get(await keyOf(b.prefix, 'ada'))).versionstamp, null, 'key deleted')
  equal(await storedExpiry(b, 'ada'), undefined, 'no row in the database')
  const calls = b.calls
  await b.store.revoke({ sessionId: 'gone-too', subject: 'bob', expiresAt: time.seconds })
  equal(b.calls - calls, 1, 'nothing to keep and nothing stored: one read, no commit')
})

test('keys subjects as array parts: no escaping, long subjects by their SHA-256 as bytes', async () => {
  const time = clock()
  const b = backend(time)
  const long = 'u'.repeat(600)
  const hashed = await keyOf(b.prefix, long)
  assert(hashed.at(-1) instanceof Uint8Array && hashed.at(-1).length === 32, 'a long subject is keyed by 32 bytes')
  const hex = Array.from(hashed.at(-1), (byte) => byte.toString(16).padStart(2, '0')).join('')
  await b.store.revokeSubject(long, time.seconds + 31, time.seconds + 1000)
  for (const lookalike of [hex, `sha256:${hex}`, '~', 'revoked']) {
    equal(await b.store.isRevoked({ sessionId: 'x', subject: lookalike, createdAt: time.seconds }), false, `subject ${lookalike.slice(0, 12)}`)
  }
  equal(await b.store.isRevoked({ sessionId: 'x', subject: long, createdAt: time.seconds }), true, 'the long subject')
  await b.store.revoke({ sessionId: 's1', subject: 'user-42', expiresAt: time.seconds + 100 })
  deepEqual(JSON.parse((await kv.get([...b.prefix, 'user-42'])).value), { s: { s1: time.seconds + 100 } }, 'the stored record')
})

test('refuses a corrupt record with an error, so the failure policy applies', async () => {
  const time = clock()
  const b = backend(time)
  for (const value of ['not json', { n: 1 }]) {
    await kv.set([...b.prefix, 'ada'], value)
    let error
    await b.store.isRevoked({ sessionId: 'x', subject: 'ada', createdAt: 0 }).catch((e) => (error = e))
    assert(error instanceof Error, `isRevoked() rejects on ${JSON.stringify(value)}`)
  }
  let error
  await engine(time, b.store).sessions.revokeSubject('ada').catch((e) => (error = e))
  assert(error instanceof RevocationUnavailableError, `revokeSubject() rejects with RevocationUnavailableError, got ${error}`)
})

test('gives up after `attempts` commits that lost their atomic check', async () => {
  const time = clock()
  const prefix = ['sealed-session-test', `t${++tests}`, 'revoked']
  let commits = 0
  const losing = { get: (key) => kv.get(key), atomic: () => ({ check() { return this }, set() { return this }, delete() { return this }, commit: async () => (commits++, { ok: false }) }) }
  let error
  await denoKvRevocations(losing, { prefix, now: time.now, attempts: 3 }).revoke({ sessionId: 'a', subject: 'ada', expiresAt: time.seconds + 60 }).catch((e) => (error = e))
  assert(error instanceof Error && /3 attempts/.test(error.message), `rejects, got ${error}`)
  equal(commits, 3, 'commits tried')
})

const tally = await suite.run()
database.close()
kv.close()
finish(tally)
