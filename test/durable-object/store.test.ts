import { env, exports } from 'cloudflare:workers'
import { listDurableObjectIds, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ConfigurationError, createSessions, LateWriteError, MAX_SESSIONS_PER_SUBJECT, PENDING_SECONDS, type SessionOptions } from 'sealed-session'
import { durableObjectRevocations, type SessionRevocations, type SessionRevocationsNamespace } from 'sealed-session/durable-object'
import { objectName } from '../../src/stores/durable-object.js'
import { Clock, CookieJar, cookieHeader, SECRET_A } from '../support/index.js'
import { withOptions, type OptionsPatch } from '../support/options.js'

let objects = 0

/** What an object holds once its storage is deleted. */
const EMPTY = { tables: [], sessions: [], notBefore: [], directory: [], alarm: null }

/**
 * The store on the real namespace (Miniflare's Durable Objects, SQLite storage): the binding
 * as a Worker gets it, typed `DurableObjectNamespace<SessionRevocations>`. Storage lives for
 * the whole file, so each test names its objects with a prefix of its own.
 */
function setup(options: OptionsPatch = {}) {
  const clock = new Clock(Date.now())
  const prefix = `t${++objects}:`
  const store = durableObjectRevocations(env.REVOCATION_OBJECTS, { now: clock.now, prefix })
  const sessions = createSessions(withOptions({ secrets: SECRET_A, clock: { now: clock.now }, revocation: { store, revalidateAfter: 0 } }, options))
  return { clock, prefix, sessions, store, stubOf: (subject: string) => stubOf(prefix, subject) }
}

async function signIn(sessions: ReturnType<typeof createSessions>, subject = 'ada'): Promise<string> {
  const session = await sessions.load(null)
  await session.login(subject)
  return cookieHeader(await sessions.commit(session))
}

/** The stub of the object of `subject` under `prefix`. */
function stubOf(prefix: string, subject: string): DurableObjectStub<SessionRevocations> {
  return env.REVOCATION_OBJECTS.get(env.REVOCATION_OBJECTS.idFromName(objectName(prefix, subject)))
}

/** What the subject's object holds, read inside it. */
async function contents(stub: DurableObjectStub<SessionRevocations>) {
  return runInDurableObject(stub, async (_instance, state) => {
    const tables = state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf%' ESCAPE '\\'").toArray()
    const rows = (table: string) => (tables.some((t) => t.name === table) ? state.storage.sql.exec(`SELECT * FROM ${table}`).toArray() : [])
    return {
      tables: tables.map((t) => t.name).sort(),
      sessions: rows('revoked_sessions'),
      notBefore: rows('not_before'),
      directory: rows('sessions'),
      alarm: await state.storage.getAlarm(),
    }
  })
}

afterEach(() => {
  vi.useRealTimers()
})

describe('durableObjectRevocations on Durable Objects (workerd, SQLite storage)', () => {
  it('refuses a signed-out session at its next request through the Worker, with no propagation delay', async () => {
    const worker = exports.default
    const jar = new CookieJar()
    const copy = new CookieJar()
    const login = await worker.fetch('http://w/login/grace', { method: 'POST' })
    jar.update(login)
    copy.update(login)
    expect(await (await worker.fetch('http://w/', { headers: { cookie: jar.header() } })).text()).toBe('grace')
    jar.update(await worker.fetch('http://w/logout', { method: 'POST', headers: { cookie: jar.header() } }))
    // A copy of the cookie, taken before the sign-out, is refused at once.
    expect(await (await worker.fetch('http://w/', { headers: { cookie: copy.header() } })).text()).toBe('anonymous')
  })

  it('signs a user out everywhere through the Worker; a later sign-in stands', async () => {
    const worker = exports.default
    const phone = new CookieJar()
    const laptop = new CookieJar()
    phone.update(await worker.fetch('http://w/login/hopper', { method: 'POST' }))
    laptop.update(await worker.fetch('http://w/login/hopper', { method: 'POST' }))
    await worker.fetch('http://w/logout-everywhere/hopper', { method: 'POST' })
    expect(await (await worker.fetch('http://w/', { headers: { cookie: phone.header() } })).text()).toBe('anonymous')
    expect(await (await worker.fetch('http://w/', { headers: { cookie: laptop.header() } })).text()).toBe('anonymous')
    const again = new CookieJar()
    again.update(await worker.fetch('http://w/login/hopper', { method: 'POST' }))
    expect(await (await worker.fetch('http://w/', { headers: { cookie: again.header() } })).text()).toBe('hopper')
  })

  it('keeps every one of 50 revocations of one user made at the same moment, and the larger not-before', async () => {
    const { clock, store, stubOf } = setup()
    const now = clock.seconds
    const ids = Array.from({ length: 50 }, (_, i) => `session-${i}`)
    await Promise.all([
      ...ids.map((sessionId, i) => store.revoke({ sessionId, subject: 'ada', expiresAt: now + 3600 + i })),
      store.revokeSubject('ada', now - 100, now + 3600),
      store.revokeSubject('ada', now - 200, now + 7200),
    ])
    const revoked = await Promise.all(ids.map((sessionId) => store.isRevoked({ sessionId, subject: 'ada', createdAt: now })))
    expect(revoked.filter(Boolean)).toHaveLength(50)
    expect(await store.notBefore?.('ada')).toBe(now - 100)
    const held = await contents(stubOf('ada'))
    expect(held.sessions).toHaveLength(50)
    expect(held.notBefore).toEqual([{ one: 1, n: now - 100, e: now + 7200 }])
    expect(held.alarm).toBe((now + 7200) * 1000)
  })

  it('keeps a revocation that races the cleanup of an emptied object', async () => {
    const { clock, store, stubOf } = setup()
    const now = clock.seconds
    // An entry already expired empties the object (deleteAll) while the live ones arrive.
    for (let round = 0; round < 5; round++) {
      await Promise.all([
        store.revoke({ sessionId: 'gone', subject: `ada-${round}`, expiresAt: now }),
        store.revoke({ sessionId: 'live', subject: `ada-${round}`, expiresAt: now + 100 }),
        store.revoke({ sessionId: 'gone-too', subject: `ada-${round}`, expiresAt: now - 1 }),
      ])
      expect(await store.isRevoked({ sessionId: 'live', subject: `ada-${round}`, createdAt: now }), `round ${round}`).toBe(true)
      expect((await contents(stubOf(`ada-${round}`))).sessions).toEqual([{ id: 'live', expires_at: now + 100 }])
    }
  })

  it('stores nothing for a user who is only checked; a sign-in stores one row, gone with its session', async () => {
    const { clock, sessions, store, stubOf } = setup()
    expect(await store.isRevoked({ sessionId: 'x', subject: 'bob', createdAt: clock.seconds })).toBe(false)
    expect(await contents(stubOf('bob'))).toEqual(EMPTY)
    const cookie = await signIn(sessions)
    expect((await sessions.load(cookie)).subject).toBe('ada')
    const held = await contents(stubOf('ada'))
    const expiresAt = clock.seconds + 7 * 86_400 + 30
    expect([held.sessions, held.notBefore, held.alarm]).toEqual([[], [], expiresAt * 1000])
    expect(held.directory).toEqual([expect.objectContaining({ created_at: clock.seconds, expires_at: expiresAt, pending_until: null })])
    expect(await store.sessions!.list('ada')).toHaveLength(1)
    // Its sign-out deletes the row and adds none: the storage goes.
    await (await sessions.load(cookie)).logout()
    expect(await contents(stubOf('ada'))).toEqual(EMPTY)
  })

  it('sets an alarm at the latest expiry it holds; the alarm deletes the object storage once nothing matters', async () => {
    const { clock, store, stubOf } = setup()
    const now = clock.seconds
    await store.revoke({ sessionId: 'short', subject: 'ada', expiresAt: now + 100 })
    await store.revokeSubject('ada', now + 31, now + 200)
    await store.revoke({ sessionId: 'long', subject: 'ada', expiresAt: now + 300 })
    const stub = stubOf('ada')
    expect((await contents(stub)).alarm).toBe((now + 300) * 1000)

    // Run early (the object's clock is before every expiry): it keeps everything and re-arms.
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect((await contents(stub)).sessions).toHaveLength(2)
    expect((await contents(stub)).alarm).toBe((now + 300) * 1000)

    // The object's clock (Date, faked in this isolate, where the object runs) between expiries: only the live ones stay.
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime((now + 250) * 1000)
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    const between = await contents(stub)
    expect(between.sessions).toEqual([{ id: 'long', expires_at: now + 300 }])
    expect(between.notBefore).toEqual([])
    expect(between.alarm).toBe((now + 300) * 1000)

    // At the latest expiry: the whole storage goes, tables and alarm.
    vi.setSystemTime((now + 300) * 1000)
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await contents(stub)).toEqual(EMPTY)
    vi.useRealTimers()

    // And the object works again afterwards.
    await store.revoke({ sessionId: 'again', subject: 'ada', expiresAt: now + 400 })
    expect(await store.isRevoked({ sessionId: 'again', subject: 'ada', createdAt: now })).toBe(true)
  })

  it('puts each subject in an object of its own', async () => {
    const { prefix, store } = setup()
    const before = (await listDurableObjectIds(env.REVOCATION_OBJECTS)).length
    const now = Math.floor(Date.now() / 1000)
    await store.revoke({ sessionId: 's', subject: 'ada', expiresAt: now + 60 })
    await store.revoke({ sessionId: 's', subject: 'bob', expiresAt: now + 60 })
    const ids = (await listDurableObjectIds(env.REVOCATION_OBJECTS)).map(String)
    expect(ids.length - before).toBe(2)
    expect(ids).toContain(String(env.REVOCATION_OBJECTS.idFromName(objectName(prefix, 'ada'))))
    expect(ids).toContain(String(env.REVOCATION_OBJECTS.idFromName(objectName(prefix, 'bob'))))
    expect(await store.isRevoked({ sessionId: 's', subject: 'carol', createdAt: now })).toBe(false)
  })

  it('refuses malformed calls inside the object (a failure, not a silent answer)', async () => {
    const { stubOf } = setup()
    const errors = await runInDurableObject(stubOf('ada'), async (instance: SessionRevocations) => {
      const message = async (call: () => unknown): Promise<string> => {
        try {
          await call()
          return 'no error'
        } catch (error) {
          return String(error)
        }
      }
      const entry = { sessionId: 's', createdAt: 1, expiresAt: 10 }
      return [
        await message(() => instance.isRevoked('s', 1.5, 0)),
        await message(() => instance.revokeSession('', 10, 0)),
        await message(() => instance.notBefore(Number.NaN)),
        await message(() => instance.record({ ...entry, expiresAt: 2 ** 60 }, {}, 0)),
        await message(() => instance.record({ ...entry, label: 5 as unknown as string }, {}, 0)),
        await message(() => instance.record(entry, { limit: 0 }, 0)),
        await message(() => instance.record(entry, { policy: 'drop' as 'refuse' }, 0)),
        await message(() => instance.confirm('s', null as unknown as object, 0)),
        await message(() => instance.rename('s', 't', { deadline: Number.POSITIVE_INFINITY }, 0)),
        await message(() => instance.revokeSessions('s' as unknown as string[], 0)),
        await message(() => instance.revokeSessions([1] as unknown as string[], 0)),
        await message(() => instance.check('s', 1e300)),
      ]
    })
    expect(errors).toEqual([
      'TypeError: SessionRevocations: invalid time',
      'TypeError: SessionRevocations: invalid sessionId',
      'TypeError: SessionRevocations: invalid time',
      'TypeError: SessionRevocations: invalid time',
      'TypeError: SessionRevocations: invalid label',
      'TypeError: SessionRevocations: invalid limit',
      'TypeError: SessionRevocations: invalid policy',
      'TypeError: SessionRevocations: invalid options',
      'TypeError: SessionRevocations: invalid deadline',
      'TypeError: SessionRevocations: invalid sessionIds',
      'TypeError: SessionRevocations: invalid sessionIds',
      'TypeError: SessionRevocations: invalid time',
    ])
    expect(await contents(stubOf('ada'))).toEqual(EMPTY)
  })

  it('keeps prefixes and subjects apart: "app:" + "admin:bob" and "app:admin:" + "bob" are two objects', async () => {
    const now = Math.floor(Date.now() / 1000)
    const run = `p${++objects}`
    const outer = durableObjectRevocations(env.REVOCATION_OBJECTS, { prefix: `${run}app:` })
    const inner = durableObjectRevocations(env.REVOCATION_OBJECTS, { prefix: `${run}app:admin:` })
    expect(objectName(`${run}app:`, 'admin:bob')).not.toBe(objectName(`${run}app:admin:`, 'bob'))
    await outer.revokeSubject('admin:bob', now + 10, now + 60)
    expect(await outer.notBefore?.('admin:bob')).toBe(now + 10)
    expect(await inner.notBefore?.('bob')).toBeUndefined()
    // Quotes, brackets and very long subjects stay apart too (the runtime hashes the name itself).
    const long = 'x'.repeat(100_000)
    await outer.revoke({ sessionId: 's', subject: long, expiresAt: now + 60 })
    expect(await outer.isRevoked({ sessionId: 's', subject: long, createdAt: now })).toBe(true)
    expect(await outer.isRevoked({ sessionId: 's', subject: `${long}x`, createdAt: now })).toBe(false)
    expect(await outer.isRevoked({ sessionId: 's', subject: '","', createdAt: now })).toBe(false)
  })

  it('refuses a prefix that is not a string with a ConfigurationError naming the fix', () => {
    expect(() => durableObjectRevocations(env.REVOCATION_OBJECTS, { prefix: 5 as unknown as string })).toThrow(/prefix must be a string/)
    expect(() => durableObjectRevocations(env.REVOCATION_OBJECTS, { prefix: 5 as unknown as string })).toThrow(ConfigurationError)
  })

  it('a write reaching the object after its deadline changes nothing and rejects with LateWriteError', async () => {
    const { clock, prefix } = setup()
    /** A network that delivers each call once the caller's deadline has passed (wall clock, by design). */
    const slow: SessionRevocationsNamespace<DurableObjectId> = {
      idFromName: (name) => env.REVOCATION_OBJECTS.idFromName(name),
      get: (id) => {
        const stub = env.REVOCATION_OBJECTS.get(id)
        const late = async (deadline: number | undefined): Promise<void> => {
          for (let i = 0; i < 100 && Date.now() <= (deadline ?? 0); i++) await new Promise((resolve) => setTimeout(resolve, 5))
        }
        return {
          isRevoked: (...args) => stub.isRevoked(...args),
          revokeSession: (...args) => stub.revokeSession(...args),
          revokeSubject: (...args) => stub.revokeSubject(...args),
          notBefore: (...args) => stub.notBefore(...args),
          record: async (...args) => (await late(args[1].deadline), stub.record(...args)),
          confirm: async (...args) => (await late(args[1].deadline), stub.confirm(...args)),
          check: (...args) => stub.check(...args),
          rename: async (...args) => (await late(args[2].deadline), stub.rename(...args)),
          revokeSessions: (...args) => stub.revokeSessions(...args),
          list: (...args) => stub.list(...args),
        }
      },
    }
    const store = durableObjectRevocations(slow, { now: clock.now, prefix })
    const prompt = durableObjectRevocations(env.REVOCATION_OBJECTS, { now: clock.now, prefix })
    const entry = { subject: 'ada', createdAt: clock.seconds, expiresAt: clock.seconds + 3600 }
    await expect(store.sessions!.record({ ...entry, sessionId: 'late' }, { deadline: Date.now() + 10 })).rejects.toBeInstanceOf(LateWriteError)
    expect(await contents(stubOf(prefix, 'ada'))).toEqual(EMPTY)

    await prompt.sessions!.record({ ...entry, sessionId: 'first' }, {})
    await prompt.sessions!.confirm({ subject: 'ada', sessionId: 'first' })
    await prompt.sessions!.record({ ...entry, sessionId: 'second' }, {})
    const before = await contents(stubOf(prefix, 'ada'))
    await expect(store.sessions!.confirm({ subject: 'ada', sessionId: 'second', limit: 1, deadline: Date.now() + 10 })).rejects.toBeInstanceOf(LateWriteError)
    await expect(store.sessions!.rename({ subject: 'ada', from: 'first', to: 'renamed', deadline: Date.now() + 10 })).rejects.toBeInstanceOf(LateWriteError)
    expect(await contents(stubOf(prefix, 'ada'))).toEqual(before)
    expect((await prompt.sessions!.list('ada')).map((s) => s.sessionId)).toEqual(['first'])
    // A deadline already past when the adapter is called: refused before any RPC.
    await expect(prompt.sessions!.record({ ...entry, sessionId: 'third' }, { deadline: Date.now() - 1 })).rejects.toBeInstanceOf(LateWriteError)
  })

  it(`forgets the oldest pending sign-ins beyond ${MAX_SESSIONS_PER_SUBJECT}, and an unconfirmed sign-in's storage goes with its confirmation time`, async () => {
    const { clock, prefix, store } = setup()
    const directory = store.sessions!
    const entry = { subject: 'ada', createdAt: clock.seconds, expiresAt: clock.seconds + 3600 }
    for (let i = 0; i <= MAX_SESSIONS_PER_SUBJECT; i++) await directory.record({ ...entry, sessionId: `p${i}` }, {})
    const held = await contents(stubOf(prefix, 'ada'))
    expect(held.directory).toHaveLength(MAX_SESSIONS_PER_SUBJECT)
    expect(held.alarm, 'a pending sign-in matters until its confirmation is due').toBe((clock.seconds + PENDING_SECONDS) * 1000)
    expect(await directory.confirm({ subject: 'ada', sessionId: 'p0' })).toEqual({ confirmed: false, evicted: [] })
    expect(await directory.confirm({ subject: 'ada', sessionId: `p${MAX_SESSIONS_PER_SUBJECT}` })).toEqual({ confirmed: true, evicted: [] })

    // One that is never confirmed: the alarm deletes the storage once it is forgotten.
    await directory.record({ ...entry, subject: 'bob', sessionId: 'lost' }, {})
    expect((await contents(stubOf(prefix, 'bob'))).alarm).toBe((clock.seconds + PENDING_SECONDS) * 1000)
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime((clock.seconds + PENDING_SECONDS) * 1000)
    expect(await runDurableObjectAlarm(stubOf(prefix, 'bob'))).toBe(true)
    vi.useRealTimers()
    expect(await contents(stubOf(prefix, 'bob'))).toEqual(EMPTY)
  })

  it('migrates an object written by 0.1 (live_sessions) at its next call, keeping its deny list', async () => {
    const { clock, prefix, store } = setup()
    const now = clock.seconds
    await runInDurableObject(stubOf(prefix, 'ada'), (_instance, state) => {
      state.storage.sql.exec(`CREATE TABLE revoked_sessions (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE not_before (one INTEGER PRIMARY KEY CHECK (one = 1), n INTEGER NOT NULL, e INTEGER NOT NULL);
CREATE TABLE live_sessions (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, last_seen_at INTEGER, label TEXT) WITHOUT ROWID;`)
      state.storage.sql.exec('INSERT INTO revoked_sessions VALUES (?, ?)', 'old', now + 600)
      state.storage.sql.exec('INSERT INTO not_before VALUES (1, ?, ?)', now - 100, now + 600)
      state.storage.sql.exec('INSERT INTO live_sessions VALUES (?, ?, ?, NULL, NULL)', 'listed-before', now - 50, now + 600)
    })
    // Reads work on the old object (and migrate it); its sessions were checked against the deny list, which still covers them.
    expect(await store.sessions!.list('ada')).toEqual([])
    expect(await store.isRevoked({ sessionId: 'old', subject: 'ada', createdAt: now })).toBe(true)
    expect(await store.isRevoked({ sessionId: 'listed-before', subject: 'ada', createdAt: now - 50 })).toBe(false)
    expect(await store.sessions!.check({ sessionId: 'listed-before', subject: 'ada', createdAt: now - 50 })).toBe(true)
    await store.sessions!.record({ sessionId: 'new', subject: 'ada', createdAt: now, expiresAt: now + 600 }, {})
    await store.sessions!.confirm({ subject: 'ada', sessionId: 'new' })
    const held = await contents(stubOf(prefix, 'ada'))
    expect(held.tables).toEqual(['not_before', 'revoked_sessions', 'sessions'])
    expect(held.sessions).toEqual([{ id: 'old', expires_at: now + 600 }])
    expect(held.directory.map((row) => row.id)).toEqual(['new'])

    // An old object that is only reached by its alarm (its name changed in 0.2): cleaned up all the same.
    await runInDurableObject(stubOf(prefix, 'orphan'), async (_instance, state) => {
      state.storage.sql.exec(`CREATE TABLE revoked_sessions (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE not_before (one INTEGER PRIMARY KEY CHECK (one = 1), n INTEGER NOT NULL, e INTEGER NOT NULL);
CREATE TABLE live_sessions (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, last_seen_at INTEGER, label TEXT) WITHOUT ROWID;`)
      state.storage.sql.exec('INSERT INTO live_sessions VALUES (?, ?, ?, NULL, NULL)', 'x', now - 50, now - 1)
      await state.storage.setAlarm(Date.now())
    })
    expect(await runDurableObjectAlarm(stubOf(prefix, 'orphan'))).toBe(true)
    expect(await contents(stubOf(prefix, 'orphan'))).toEqual(EMPTY)
  })
})
