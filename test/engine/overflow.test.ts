import { describe, expect, it } from 'vitest'
import { memoryRevocations, memorySessionData } from 'sealed-session/memory'
import {
  ConfigurationError,
  createSessions,
  LateWriteError,
  MAX_STORED_CHARS,
  OverflowTooLargeError,
  OverflowUnavailableError,
  SessionTooLargeError,
  type SessionDataStore,
  type SessionEvent,
  type SessionOptions,
} from 'sealed-session'
import { jweFormat } from 'sealed-session/jwe'
import { Clock, cookieHeader, SECRET_A, SECRET_B } from '../support/index.js'
import { factoryOf, v1 } from '../../src/session/format.js'
import { normalizeSecrets } from '../../src/keys/secrets.js'
import { makeCodec, sealString } from '../../src/keys/codec.js'
import type { SessionRecord } from '../../src/session/envelope.js'
import { bigData } from '../stores/overflow-conformance.js'
import { encodeBase64url } from '../../src/format/base64url.js'
import { withOptions, type OptionsPatch } from '../support/options.js'

/**
 * Sessions on a hand-moved clock that starts now: the stores below run on the wall clock
 * (their copies expire with the session, so a clock in the past would expire them at once).
 */
function setup(store: SessionDataStore = memorySessionData(), extra: OptionsPatch = {}) {
  const clock = new Clock(Date.now())
  const events: SessionEvent[] = []
  const sessions = createSessions(withOptions({ secrets: SECRET_A, clock: { now: clock.now }, onEvent: (e) => events.push(e), overflow: { store, timeout: 50 } }, extra))
  return { clock, events, sessions }
}

/** A session too large for its cookie, committed: its cookie and id. */
async function stored(sessions: ReturnType<typeof setup>['sessions'], seed = 'a') {
  const session = await sessions.load(null)
  session.set('profile', bigData(seed).profile)
  return { cookie: cookieHeader(await sessions.commit(session)), id: session.id }
}

/** The real memory store with one method replaced. */
function faulty(store: SessionDataStore, fault: Partial<SessionDataStore>): SessionDataStore {
  return { get: fault.get ?? store.get, put: fault.put ?? store.put, delete: fault.delete ?? store.delete }
}

const never = <T>(): Promise<T> => new Promise<T>(() => {})

describe('overflow: configuration', () => {
  it('refuses a store without get/put/delete, a small budget and unknown keys, naming the fix', () => {
    const bad = (overflow: unknown) => () => createSessions({ secrets: SECRET_A, overflow: overflow as SessionOptions['overflow'] })
    expect(bad({ store: {} })).toThrow(/overflow.store must implement get\(\), put\(\) and delete\(\)/)
    expect(bad({ store: memorySessionData(), budget: 100 })).toThrow(/overflow.budget must be a whole number of bytes, at least 512/)
    expect(bad({ store: memorySessionData(), ttl: 5 })).toThrow(ConfigurationError)
    for (const maxBlob of [0, 1.5, '1000', MAX_STORED_CHARS + 1]) {
      expect(bad({ store: { ...memorySessionData(), maxBlob } }), String(maxBlob)).toThrow(/overflow.store.maxBlob must be a whole number of characters from 1 to 1048576/)
    }
  })

  it("refuses a copy past the store's own maxBlob with OverflowTooLargeError before any store call", async () => {
    const memory = memorySessionData()
    const calls: string[] = []
    const store: SessionDataStore = {
      maxBlob: 2000,
      get: (id) => (calls.push('get'), memory.get(id)),
      put: (id, copy, write) => (calls.push('put'), memory.put(id, copy, write)),
      delete: (id, options) => (calls.push('delete'), memory.delete(id, options)),
    }
    const { sessions, events } = setup(store, { overflow: { store, budget: 1024, timeout: 50 } })
    const session = await sessions.load(null)
    session.set('notes', 'x'.repeat(4000))
    const error = await sessions.commit(session).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OverflowTooLargeError)
    expect(error).toMatchObject({ code: 'ERR_SESSION_OVERFLOW_TOO_LARGE', limit: 2000 })
    expect(calls).toEqual([])
    expect(events.filter((e) => e.type === 'too-large')).toMatchObject([{ limit: 2000, size: (error as OverflowTooLargeError).size }])
    // Past the budget and under the cap, it is stored as before.
    session.set('notes', 'x'.repeat(1200))
    expect((await sessions.commit(session)).setCookie).toHaveLength(1)
    expect(calls).toEqual(['put'])
    expect((await memory.get(session.id))?.blob.length).toBeLessThanOrEqual(2000)
  })

  it('moves data to the store past a configured budget smaller than the cookie limit', async () => {
    const store = memorySessionData()
    const { sessions } = setup(store, { overflow: { store, budget: 1024 } })
    const session = await sessions.load(null)
    session.set('notes', 'x'.repeat(1000))
    const cookie = cookieHeader(await sessions.commit(session))
    expect((await store.get(session.id))?.version).toBe(1)
    expect(cookie.length).toBeLessThan(600)
    expect((await sessions.load(cookie)).get('notes')).toBe('x'.repeat(1000))
  })
})

describe('overflow: the store cannot swap, forge or replay data', () => {
  it("refuses a cookie whose store holds another session's copy (swapped under its id)", async () => {
    const store = memorySessionData()
    const { sessions, events } = setup(store)
    const a = await stored(sessions, 'a')
    const b = await stored(sessions, 'b')
    const copy = (await store.get(b.id))!
    await store.delete(a.id)
    await store.put(a.id, copy, { expected: 0, expiresAt: 2 ** 31 })
    const loaded = await sessions.load(a.cookie)
    expect(loaded.isNew).toBe(true)
    expect(loaded.data).toEqual({})
    expect(events).toContainEqual({ type: 'invalid', reason: 'overflow' })
  })

  it('refuses a copy changed by one character, and one of the right version sealed under other secrets', async () => {
    const store = memorySessionData()
    const { sessions } = setup(store)
    const a = await stored(sessions)
    const copy = (await store.get(a.id))!
    const flipped = copy.blob.slice(0, 100) + (copy.blob[100] === 'A' ? 'B' : 'A') + copy.blob.slice(101)
    await store.delete(a.id)
    await store.put(a.id, { version: 1, blob: flipped }, { expected: 0, expiresAt: 2 ** 31 })
    expect((await sessions.load(a.cookie)).isNew).toBe(true)
    // Another deployment's blob for the same id and version: its digest differs from the cookie's.
    const other = setup(store, { secrets: SECRET_B })
    await store.delete(a.id)
    const foreign = (await stored(other.sessions, 'z')).id
    await store.put(a.id, (await store.get(foreign))!, { expected: 0, expiresAt: 2 ** 31 })
    expect((await sessions.load(a.cookie)).isNew).toBe(true)
  })

  it('never throws at the request for garbage from the store, and clears the cookie of a copy that is gone', async () => {
    const real = memorySessionData()
    for (const garbage of [null, 42, 'text', { version: 1 }, { version: '1', blob: 'x' }, { version: 1, blob: 'x'.repeat(MAX_STORED_CHARS + 1) }, { version: 1, blob: 'not-a-token' }]) {
      let handing = false
      const store = faulty(real, { get: async (id) => (handing ? (garbage as never) : real.get(id)) })
      const { sessions } = setup(store)
      const a = await stored(sessions)
      handing = true
      const loaded = await sessions.load(a.cookie)
      expect(loaded.isNew).toBe(true)
    }
    const { sessions } = setup(real)
    const a = await stored(sessions)
    await real.delete(a.id)
    const gone = await sessions.load(a.cookie)
    expect(gone.isNew).toBe(true)
    expect((await sessions.commit(gone)).setCookie.join()).toMatch(/Max-Age=0/)
  })
})

describe('overflow: hostile references', () => {
  /** A cookie sealed with the test secret around a record of our choosing: what only a key holder could make. */
  async function forged(clock: Clock, record: Record<string, unknown>): Promise<string> {
    const format = factoryOf(v1())!({ secrets: normalizeSecrets(SECRET_A), purpose: '__Host-session', maxAgeLimit: 604800, clockSkew: 30 })
    const now = clock.seconds
    const base = { id: 'AAAAAAAAAAAAAAAAAAAAAA', createdAt: now, absoluteExpiry: now + 3600, lastSealed: now, data: {} }
    return `__Host-session=${await format.seal({ ...base, ...record } as unknown as SessionRecord, now + 3600, now)}`
  }

  it('refuses a reference of the wrong shape as a bad payload, and one naming a copy that is not there as overflow, never throwing', async () => {
    const store = memorySessionData()
    const { sessions, events, clock } = setup(store)
    for (const stored of [{ version: 0, digest: 'A'.repeat(43) }, { version: 1, digest: 'short' }, { version: 1.5, digest: 'A'.repeat(43) }]) {
      const loaded = await sessions.load(await forged(clock, { stored }))
      expect(loaded.isNew).toBe(true)
    }
    expect(events.filter((e) => e.type === 'invalid' && e.reason === 'payload')).toHaveLength(3)
    const missing = await sessions.load(await forged(clock, { stored: { version: 7, digest: 'A'.repeat(43) } }))
    expect(missing.isNew).toBe(true)
    expect(events).toContainEqual({ type: 'invalid', reason: 'overflow' })
  })

  it("never serves data a reference's cookie carries itself: the store's copy replaces it", async () => {
    const store = memorySessionData()
    const { sessions, clock } = setup(store)
    const a = await stored(sessions)
    const copy = (await store.get(a.id))!
    // A reference cookie carrying data of its own, naming the real copy by its digest.
    const digest = encodeBase64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(copy.blob))))
    const cookie = await forged(clock, { id: a.id, data: { injected: true }, stored: { version: 1, digest } })
    const loaded = await sessions.load(cookie)
    expect(loaded.get('injected')).toBeUndefined()
    expect(loaded.get('profile') === bigData().profile).toBe(true)
  })
})

describe('overflow: the blob names its session and version', () => {
  it('refuses a blob sealed under the right keys for another id or version, even when the cookie names its digest', async () => {
    const store = memorySessionData()
    const { sessions, events, clock } = setup(store)
    const codec = makeCodec(normalizeSecrets(SECRET_A), 'overflow:__Host-session', 3600, 604800, 30, 'auto', false)
    const format = factoryOf(v1())!({ secrets: normalizeSecrets(SECRET_A), purpose: '__Host-session', maxAgeLimit: 604800, clockSkew: 30 })
    const now = clock.seconds
    const id = 'BBBBBBBBBBBBBBBBBBBBBB'
    for (const [i, v] of [['CCCCCCCCCCCCCCCCCCCCCC', 1], [id, 2]] as const) {
      const blob = await sealString(codec, new TextEncoder().encode(JSON.stringify({ i, v, d: { stolen: true } })), now + 3600, now)
      await store.delete(id)
      await store.put(id, { version: 1, blob }, { expected: 0, expiresAt: 2 ** 31 })
      const digest = encodeBase64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(blob))))
      const record = { id, createdAt: now, absoluteExpiry: now + 3600, lastSealed: now, data: {}, stored: { version: 1, digest } }
      const cookie = `__Host-session=${await format.seal(record as SessionRecord, now + 3600, now)}`
      const loaded = await sessions.load(cookie)
      expect(loaded.isNew).toBe(true)
      expect(loaded.get('stolen')).toBeUndefined()
    }
    expect(events.filter((e) => e.type === 'invalid' && e.reason === 'overflow')).toHaveLength(2)
  })
})

describe('overflow: formats and transports', () => {
  it('works with the JWE format and with the bearer transport (its own purpose)', async () => {
    for (const extra of [{ format: jweFormat() }, { bearer: {} }]) {
      const store = memorySessionData()
      const { sessions } = setup(store, extra)
      const session = await sessions.load(null)
      session.set('profile', bigData().profile)
      const commit = await sessions.commit(session)
      expect((await store.get(session.id))?.version).toBe(1)
      const source = commit.token === undefined ? cookieHeader(commit) : new Headers({ authorization: `Bearer ${commit.token}` })
      expect((commit.token ?? cookieHeader(commit)).length).toBeLessThan(1000)
      expect((await sessions.load(source)).get('profile') === bigData().profile).toBe(true)
    }
  })
})

describe('overflow: a store that fails or answers late', () => {
  it('signs a request out when the read fails or hangs, keeps the cookie, and reports overflow-error', async () => {
    const real = memorySessionData()
    let mode: 'ok' | 'throw' | 'hang' = 'ok'
    const store = faulty(real, { get: (id) => (mode === 'throw' ? Promise.reject(new Error('down')) : mode === 'hang' ? never() : real.get(id)) })
    const { sessions, events } = setup(store)
    const a = await stored(sessions)
    for (const m of ['throw', 'hang'] as const) {
      mode = m
      const loaded = await sessions.load(a.cookie)
      expect(loaded.isNew).toBe(true)
      loaded.set('x', 1)
      expect((await sessions.commit(loaded)).setCookie).toEqual([])
    }
    expect(events.filter((e) => e.type === 'overflow-error' && e.operation === 'read')).toHaveLength(2)
    mode = 'ok'
    expect((await sessions.load(a.cookie)).get('profile') === bigData().profile).toBe(true)
  })

  it('throws OverflowUnavailableError from commit when the write fails or hangs, with no header, the old session intact', async () => {
    const real = memorySessionData()
    let mode: 'ok' | 'throw' | 'hang' = 'ok'
    const store = faulty(real, { put: (id, s, w) => (mode === 'throw' ? Promise.reject(new Error('down')) : mode === 'hang' ? never() : real.put(id, s, w)) })
    const { sessions, events } = setup(store)
    const a = await stored(sessions)
    for (const m of ['throw', 'hang'] as const) {
      mode = m
      const loaded = await sessions.load(a.cookie)
      loaded.set('profile', 'changed')
      loaded.set('more', bigData('m').profile)
      await expect(sessions.commit(loaded)).rejects.toBeInstanceOf(OverflowUnavailableError)
    }
    expect(events.filter((e) => e.type === 'overflow-error' && e.operation === 'write')).toHaveLength(2)
    mode = 'ok'
    expect((await sessions.load(a.cookie)).get('profile') === bigData().profile).toBe(true)
  })

  it('lets no write land after the engine gave up on it (the memory store refuses a late write)', async () => {
    const store = memorySessionData()
    await expect(store.put('id', { version: 1, blob: 'b' }, { expected: 0, expiresAt: 2 ** 31, deadline: Date.now() - 1 })).rejects.toBeInstanceOf(LateWriteError)
    expect(await store.get('id')).toBeUndefined()
  })

  it('still clears the cookie on logout when the store cannot delete (failing halfway), and reports it', async () => {
    const real = memorySessionData()
    const store = faulty(real, { delete: () => Promise.reject(new Error('down')) })
    const { sessions, events } = setup(store)
    const a = await stored(sessions)
    const loaded = await sessions.load(a.cookie)
    await loaded.logout()
    const commit = await sessions.commit(loaded)
    expect(commit.setCookie.join()).toMatch(/Max-Age=0/)
    expect(events.some((e) => e.type === 'overflow-error' && e.operation === 'delete')).toBe(true)
  })
})

describe('overflow: bounds and revocation', () => {
  it('refuses a session past 1 MiB of sealed data loudly, storing nothing', async () => {
    const store = memorySessionData()
    const { sessions, events } = setup(store)
    const session = await sessions.load(null)
    session.set('huge', 'y'.repeat(MAX_STORED_CHARS))
    const error = await sessions.commit(session).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OverflowTooLargeError)
    expect(error).toBeInstanceOf(SessionTooLargeError)
    expect((error as OverflowTooLargeError).limit).toBe(MAX_STORED_CHARS)
    expect(store.size).toBe(0)
    expect(events.some((e) => e.type === 'too-large')).toBe(true)
  })

  it('removes the data of a session found revoked, and of one logged out', async () => {
    const clock = new Clock()
    const store = memorySessionData({ now: clock.now })
    const revocations = memoryRevocations({ now: clock.now })
    const sessions = createSessions({ secrets: SECRET_A, clock: { now: clock.now }, revocation: { store: revocations, revalidateAfter: 0 }, overflow: { store } })
    const session = await sessions.load(null)
    await session.login('ada')
    session.set('profile', bigData().profile)
    const cookie = cookieHeader(await sessions.commit(session))
    expect(store.size).toBe(1)
    await sessions.revokeSubject('ada')
    clock.advance(1)
    expect((await sessions.load(cookie)).isNew).toBe(true)
    expect(store.size).toBe(0)

    const other = await sessions.load(null)
    await other.login('bob')
    other.set('profile', bigData().profile)
    const second = cookieHeader(await sessions.commit(other))
    const loaded = await sessions.load(second)
    await loaded.logout()
    await sessions.commit(loaded)
    expect(store.size).toBe(0)
  })

  it('expires the copy with the session: gone from the store after the absolute expiry', async () => {
    const clock = new Clock()
    const store = memorySessionData({ now: clock.now })
    const sessions = createSessions({ secrets: SECRET_A, clock: { now: clock.now }, overflow: { store } })
    const a = await stored(sessions)
    clock.advance(7 * 86400 + 31)
    expect(await store.get(a.id)).toBeUndefined()
  })

  it('commits the same session twice in one request: a refresh, then a change, each from the version the client holds', async () => {
    const store = memorySessionData()
    const { sessions, clock } = setup(store)
    const a = await stored(sessions)
    clock.advance(86400 / 4 + 1)
    const loaded = await sessions.load(a.cookie)
    let cookie = cookieHeader(await sessions.commit(loaded), a.cookie)
    loaded.set('more', 'after the refresh')
    cookie = cookieHeader(await sessions.commit(loaded), cookie)
    expect((await store.get(a.id))?.version).toBe(2)
    expect((await sessions.load(cookie)).get('more')).toBe('after the refresh')
  })

  it('keeps flash values of a stored session in the store, read once', async () => {
    const store = memorySessionData()
    const { sessions } = setup(store)
    const a = await stored(sessions)
    const first = await sessions.load(a.cookie)
    first.flash('notice', 'saved')
    let cookie = cookieHeader(await sessions.commit(first), a.cookie)
    expect(cookie).not.toContain('saved')
    const second = await sessions.load(cookie)
    expect(second.getFlash('notice')).toBe('saved')
    cookie = cookieHeader(await sessions.commit(second), cookie)
    expect((await sessions.load(cookie)).getFlash('notice')).toBeUndefined()
    expect((await store.get(a.id))?.version).toBe(3)
  })

  it('re-seals a refresh without writing to the store', async () => {
    let puts = 0
    const real = memorySessionData()
    const store = faulty(real, { put: (id, s, w) => (puts++, real.put(id, s, w)) })
    const { sessions, clock } = setup(store)
    const a = await stored(sessions)
    clock.advance(86400 / 4 + 1)
    const loaded = await sessions.load(a.cookie)
    const refreshed = await sessions.commit(loaded)
    expect(refreshed.setCookie).toHaveLength(1)
    expect(puts).toBe(1)
    expect((await sessions.load(cookieHeader(refreshed, a.cookie))).get('profile') === bigData().profile).toBe(true)
  })
})
