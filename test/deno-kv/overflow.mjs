// The Deno KV session data store (`overflow`) on real Deno (`--unstable-kv`), against a KV
// file at argv[0]: the cases of test/stores/overflow-conformance.ts (which runs on vitest,
// so not on Deno) ported, driven through createSessions() and a cookie jar, plus what is
// Deno KV's own (chunks under 64 KiB, the atomic-operation cap). Run by test/deno-kv/run.mjs.
//
// Plain JavaScript, like suite.mjs: `npm run typecheck` (tsc) knows no Deno.
import { createSessions, LateWriteError, MAX_STORED_CHARS, OverflowConflictError, OverflowTooLargeError } from '../../src/index.ts'
import { DENO_KV_MAX_BLOB, denoKvSessionData } from '../../src/deno-kv.ts'
import { cookieHeader } from '../support/jar.mjs'
import { assert, createSuite, deepEqual, equal, finish } from '../support/runner.mjs'

const SECRET = 'k3Jz0q2p9QmV8uYc1tXwE4rB7nL5sH6dF0gA2iK9oPz'
const path = Deno.args[0]
if (path === undefined) throw new Error('usage: overflow.mjs <kv file>')
const kv = await Deno.openKv(path)
const suite = createSuite({ label: `[deno ${Deno.version.deno} kv overflow]`, timeoutMs: 60_000 })
const test = suite.test

let stores = 0
function setup() {
  const time = { ms: Date.now(), now: () => time.ms }
  const prefix = ['overflow', ++stores]
  const store = denoKvSessionData(kv, { prefix, now: time.now })
  const events = []
  const sessions = createSessions({ secrets: SECRET, clock: { now: time.now }, onEvent: (e) => events.push(e), overflow: { store } })
  return { time, prefix, store, sessions, events }
}

/** 64 KiB of data that no cookie could carry: the same as bigData() in overflow-conformance.ts. */
function bigData(seed = 'a') {
  const items = Array.from({ length: 512 }, (_, i) => `${seed}-item-${i}-`.padEnd(112, String.fromCharCode(97 + (i % 26))))
  return { profile: seed.repeat(8 * 1024), items }
}

test('carries a 64 KB session through a real request cycle with a cookie under 4 KB, in chunks under 64 KiB', async () => {
  const { sessions, store, prefix } = setup()
  const data = bigData()
  const first = await sessions.load(null)
  first.set('profile', data.profile)
  first.set('items', data.items)
  const commit = await sessions.commit(first)
  equal(commit.setCookie.length, 1, 'one cookie')
  assert(new TextEncoder().encode(commit.setCookie[0].split(';')[0]).length < 4096, 'under 4096 bytes')
  let cookie = cookieHeader(commit)
  const head = (await kv.get([...prefix, first.id])).value
  deepEqual(head, { v: 1, n: 2 }, 'the head: version 1, two chunks')
  const blob = (await store.get(first.id)).blob
  assert(!blob.includes('item-1'), 'the store holds no plaintext')
  const second = await sessions.load(cookie)
  deepEqual(second.data, data, 'the data back')
  second.set('items', [...data.items, 'one more'])
  cookie = cookieHeader(await sessions.commit(second), cookie)
  equal((await store.get(second.id)).version, 2, 'version 2')
  const third = await sessions.load(cookie)
  equal(third.get('items').length, 513, 'the change read back')
  third.destroy()
  cookie = cookieHeader(await sessions.commit(third), cookie)
  equal(cookie, '', 'the cookie removed')
  equal(await store.get(first.id), undefined, 'the copy removed')
  equal((await kv.get([...prefix, first.id, 0])).versionstamp, null, 'its chunks removed')
})

test('refuses the slower of two requests committing from the same version, leaving the faster write', async () => {
  const { sessions, store, events } = setup()
  const start = await sessions.load(null)
  start.set('profile', bigData('s').profile)
  const cookie = cookieHeader(await sessions.commit(start))
  const fast = await sessions.load(cookie)
  const slow = await sessions.load(cookie)
  fast.set('winner', 'fast')
  slow.set('winner', 'slow')
  const fastCookie = cookieHeader(await sessions.commit(fast), cookie)
  const stored = await store.get(start.id)
  let error
  try {
    await sessions.commit(slow)
  } catch (e) {
    error = e
  }
  assert(error instanceof OverflowConflictError, 'OverflowConflictError')
  assert(events.some((e) => e.type === 'overflow-conflict'), 'the overflow-conflict event')
  deepEqual(await store.get(start.id), stored, 'the store unchanged')
  equal((await sessions.load(fastCookie)).get('winner'), 'fast', 'the faster write stands')
})

test('gives a stale copy of the cookie no data written after it, and keeps its cookie', async () => {
  const { sessions } = setup()
  const start = await sessions.load(null)
  start.set('profile', bigData('s').profile)
  const stale = cookieHeader(await sessions.commit(start))
  const next = await sessions.load(stale)
  next.set('secret', 'written later')
  const current = cookieHeader(await sessions.commit(next), stale)
  const old = await sessions.load(stale)
  assert(old.isNew, 'signed out for this request')
  deepEqual(old.data, {}, 'no data')
  deepEqual((await sessions.commit(old)).setCookie, [], 'the cookie kept')
  equal((await sessions.load(current)).get('secret'), 'written later', 'the current cookie reads the write')
})

test('moves the data on regenerate(), removing the old id', async () => {
  const { sessions, store } = setup()
  const start = await sessions.load(null)
  start.set('profile', bigData().profile)
  let cookie = cookieHeader(await sessions.commit(start))
  const again = await sessions.load(cookie)
  await again.regenerate()
  cookie = cookieHeader(await sessions.commit(again), cookie)
  equal(await store.get(start.id), undefined, 'the old id is gone')
  equal((await sessions.load(cookie)).get('profile'), bigData().profile, 'the new id reads it')
})

test('puts by compare-and-set and deletes by version; shrinking removes stale chunks; a late or too large write is refused', async () => {
  const { store, prefix, time } = setup()
  const expiresAt = Math.floor(time.ms / 1000) + 3600
  equal(await store.put('id', { version: 1, blob: 'x'.repeat(130_000) }, { expected: 0, expiresAt }), true, 'first put')
  equal(await store.put('id', { version: 1, blob: 'other' }, { expected: 0, expiresAt }), false, 'a second put from none')
  equal(await store.put('id', { version: 2, blob: 'small' }, { expected: 1, expiresAt }), true, 'a put from version 1')
  deepEqual(await store.get('id'), { version: 2, blob: 'small' }, 'read back')
  equal((await kv.get([...prefix, 'id', 1])).versionstamp, null, 'the chunks past the new count deleted')
  equal(await store.delete('id', { expected: 1 }), false, 'delete of another version')
  equal(await store.delete('id', { expected: 2 }), true, 'delete of this version')
  equal(await store.get('id'), undefined, 'gone')
  let late
  try {
    await store.put('late', { version: 1, blob: 'x' }, { expected: 0, expiresAt, deadline: Date.now() - 1 })
  } catch (e) {
    late = e
  }
  assert(late instanceof LateWriteError, 'a late write throws LateWriteError')
  let large
  try {
    await store.put('large', { version: 1, blob: 'x'.repeat(DENO_KV_MAX_BLOB + 1) }, { expected: 0, expiresAt })
  } catch (e) {
    large = e
  }
  assert(large instanceof RangeError, 'a copy past one atomic operation is refused')
})

test('refuses a session past its 720,000-character cap with OverflowTooLargeError before any Deno KV call', async () => {
  const time = { ms: Date.now(), now: () => time.ms }
  const calls = []
  // The real KV, every call counted: get(), getMany(), atomic().
  const counted = {
    get: (...args) => (calls.push('get'), kv.get(...args)),
    getMany: (...args) => (calls.push('getMany'), kv.getMany(...args)),
    atomic: () => (calls.push('atomic'), kv.atomic()),
  }
  const store = denoKvSessionData(counted, { prefix: ['overflow', 'cap'], now: time.now })
  equal(store.maxBlob, DENO_KV_MAX_BLOB, 'the store names its cap')
  const events = []
  const sessions = createSessions({ secrets: SECRET, clock: { now: time.now }, onEvent: (e) => events.push(e), overflow: { store } })
  const session = await sessions.load(null)
  // About 747,000 sealed characters: past Deno KV's 720,000, under MAX_STORED_CHARS (1 MiB).
  session.set('profile', 'x'.repeat(560_000))
  let error
  try {
    await sessions.commit(session)
  } catch (e) {
    error = e
  }
  assert(error instanceof OverflowTooLargeError, `OverflowTooLargeError, not ${error?.name}`)
  equal(error.code, 'ERR_SESSION_OVERFLOW_TOO_LARGE', 'its code')
  equal(error.limit, DENO_KV_MAX_BLOB, "the limit is Deno KV's cap")
  assert(error.size > DENO_KV_MAX_BLOB && error.size <= MAX_STORED_CHARS, `a size between the caps (${error.size})`)
  equal(error.cause, undefined, 'no store error behind it')
  deepEqual(calls, [], 'no call reached Deno KV')
  deepEqual(events.filter((e) => e.type === 'too-large').map((e) => [e.size, e.limit]), [[error.size, DENO_KV_MAX_BLOB]], 'the too-large event, with the same sizes')
  assert(!events.some((e) => e.type === 'overflow-error'), 'no overflow-error event')
  equal(await store.get(session.id), undefined, 'nothing stored')
  // Just under the cap is stored: the cap is the store's, not a lower one.
  const fits = await sessions.load(null)
  fits.set('profile', 'x'.repeat(530_000))
  const cookie = cookieHeader(await sessions.commit(fits))
  const blob = (await store.get(fits.id)).blob
  assert(blob.length > 700_000 && blob.length <= DENO_KV_MAX_BLOB, `stored just under the cap (${blob.length})`)
  equal((await sessions.load(cookie)).get('profile').length, 530_000, 'and read back')
})

test('lets exactly one of many writes racing from the same version win', async () => {
  const { store, time } = setup()
  const expiresAt = Math.floor(time.ms / 1000) + 3600
  await store.put('race', { version: 1, blob: 'v1' }, { expected: 0, expiresAt })
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.put('race', { version: 2, blob: `w${i}` }, { expected: 1, expiresAt })))
  equal(results.filter(Boolean).length, 1, 'one winner')
  equal((await store.get('race')).blob, `w${results.indexOf(true)}`, "the winner's copy")
})

const tally = await suite.run()
kv.close()
finish(tally)
