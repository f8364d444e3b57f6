import { env, exports } from 'cloudflare:workers'
import { listDurableObjectIds, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createSessions, type SessionOptions } from 'sealed-session'
import { durableObjectRevocations, type SessionRevocations } from 'sealed-session/durable-object'
import { Clock, CookieJar, cookieHeader, SECRET_A } from '../support/index.js'

let objects = 0

/**
 * The store on the real namespace (Miniflare's Durable Objects, SQLite storage): the binding
 * as a Worker gets it, typed `DurableObjectNamespace<SessionRevocations>`. Storage lives for
 * the whole file, so each test names its objects with a prefix of its own.
 */
function setup(options: Partial<SessionOptions> = {}) {
  const clock = new Clock(Date.now())
  const prefix = `t${++objects}:`
  const store = durableObjectRevocations(env.REVOCATION_OBJECTS, { now: clock.now, prefix })
  const sessions = createSessions({ secrets: SECRET_A, now: clock.now, revocations: store, revalidateAfter: 0, ...options })
  /** The stub of `subject`'s object, for the plugin's helpers. */
  const stubOf = (subject: string) => env.REVOCATION_OBJECTS.get(env.REVOCATION_OBJECTS.idFromName(prefix + subject))
  return { clock, prefix, sessions, store, stubOf }
}

async function signIn(sessions: ReturnType<typeof createSessions>, subject = 'ada'): Promise<string> {
  const session = await sessions.load(null)
  await session.login(subject)
  return cookieHeader(await sessions.commit(session))
}

/** What the subject's object holds, read inside it. */
async function contents(stub: DurableObjectStub<SessionRevocations>) {
  return runInDurableObject(stub, async (_instance, state) => {
    const tables = state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf%' ESCAPE '\\'").toArray()
    const rows = (table: string) => (tables.some((t) => t.name === table) ? state.storage.sql.exec(`SELECT * FROM ${table}`).toArray() : [])
    return { tables: tables.map((t) => t.name).sort(), sessions: rows('revoked_sessions'), notBefore: rows('not_before'), alarm: await state.storage.getAlarm() }
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
    expect(await contents(stubOf('bob'))).toEqual({ tables: [], sessions: [], notBefore: [], alarm: null })
    const cookie = await signIn(sessions)
    expect((await sessions.load(cookie)).subject).toBe('ada')
    const held = await contents(stubOf('ada'))
    expect([held.sessions, held.notBefore, held.alarm]).toEqual([[], [], (clock.seconds + 7 * 86_400 + 30) * 1000])
    expect(await store.sessions!.list('ada')).toHaveLength(1)
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
    expect(await contents(stub)).toEqual({ tables: [], sessions: [], notBefore: [], alarm: null })
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
    expect(ids).toContain(String(env.REVOCATION_OBJECTS.idFromName(`${prefix}ada`)))
    expect(ids).toContain(String(env.REVOCATION_OBJECTS.idFromName(`${prefix}bob`)))
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
      return [await message(() => instance.isRevoked('s', 1.5, 0)), await message(() => instance.revokeSession('', 10, 0)), await message(() => instance.notBefore(Number.NaN))]
    })
    expect(errors).toEqual(['TypeError: SessionRevocations: invalid time', 'TypeError: SessionRevocations: invalid sessionId', 'TypeError: SessionRevocations: invalid time'])
  })
})
