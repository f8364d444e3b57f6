import { createCookie, createCookieSessionStorage, RouterContextProvider } from 'react-router'
import { describe, expect, it } from 'vitest'
import { ConfigurationError, createSessions, type LegacyReader, type SessionOptions } from '../../src/index.js'
import { memoryRevocations } from '../../src/memory.js'
import { reactRouterCookie } from '../../src/migrate/react-router.js'
import { createSealedSessionStorage } from '../../src/react-router/index.js'
import { Clock, CookieJar, harness, SECRET_A } from '../support/index.js'
import type { OptionsPatch } from '../support/options.js'

const OLD = 'react-router-secret-2024'
const OLDER = 'react-router-secret-2023'

type Old = { userId?: string; cart?: string[] }
const map = (old: Record<string, unknown>) => {
  const { userId, cart } = old as Old
  return { subject: userId, data: { cart: cart ?? [] } }
}

/** A cookie written by React Router's own cookie session storage. */
async function routerCookie(data: Old, secrets: string[] = [OLD], name = '__session'): Promise<string> {
  const storage = createCookieSessionStorage<Old>({ cookie: { name, secrets, path: '/', httpOnly: true, sameSite: 'lax' } })
  const session = await storage.getSession()
  for (const [key, value] of Object.entries(data)) session.set(key as keyof Old, value as never)
  return CookieJar.from().update([await storage.commitSession(session)]).header()
}

function setup(options: OptionsPatch = {}) {
  return harness<{ cart: string[] }>({ migrate: [reactRouterCookie({ secrets: [OLD, OLDER], map })], ...options })
}

describe('reactRouterCookie(): switching from React Router cookie storage', () => {
  it('takes a React Router session, seals it as ours, expires theirs, and the next request has the same data', async () => {
    const { sessions, events } = setup()
    const sent = await routerCookie({ userId: 'u1', cart: ['apple'] })
    expect(sent).toMatch(/^__session=[\w%.-]+$/)
    const session = await sessions.load(new Request('https://app.test/', { headers: { cookie: sent } }))
    expect(session.subject).toBe('u1')
    expect(session.get('cart')).toEqual(['apple'])
    const commit = await sessions.commit(session)
    expect(commit.setCookie).toHaveLength(2)
    expect(commit.setCookie[0]).toMatch(/^__Host-session=[\w-]+; Max-Age=\d+; Path=\/; Secure; HttpOnly; SameSite=Lax$/)
    expect(commit.setCookie[1]).toBe('__session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax')
    const jar = CookieJar.from(sent).update(commit)
    expect(jar.header()).toMatch(/^__Host-session=[\w-]+$/)
    const next = await sessions.load(new Request('https://app.test/', { headers: { cookie: jar.header() } }))
    expect(next.isNew).toBe(false)
    expect(next.subject).toBe('u1')
    expect(next.get('cart')).toEqual(['apple'])
    expect((await sessions.commit(next)).setCookie).toEqual([])
    expect(events.map((e) => e.type)).toEqual(['legacy-migrated', 'created'])
  })

  it('opens cookies signed with a rotated-out secret and says which one (old-secret)', async () => {
    const { sessions, events } = setup()
    const sent = await routerCookie({ cart: ['pear'] }, [OLDER])
    const session = await sessions.load(new Request('https://app.test/', { headers: { cookie: sent } }))
    expect(session.get('cart')).toEqual(['pear'])
    expect(session.subject).toBeUndefined()
    expect(events[0]).toEqual({ type: 'old-secret', reader: 'react-router', keyId: 1 })
  })

  it('records the sign-in in a store, as login() does', async () => {
    const clock = new Clock()
    const { sessions } = setup({ clock: { now: clock.now }, revocation: { store: memoryRevocations({ now: clock.now }) } })
    const sent = await routerCookie({ userId: 'u7' })
    const session = await sessions.load(new Request('https://app.test/', { headers: { cookie: sent } }))
    await sessions.commit(session)
    expect((await sessions.listSessions('u7')).length).toBe(1)
  })

  it('refuses tampered, wrong-secret, unsigned and foreign cookies without exceptions, with the reason', async () => {
    const { sessions, events } = setup()
    const good = await routerCookie({ userId: 'u1' })
    const value = decodeURIComponent(good.slice('__session='.length))
    const [data, mac] = [value.slice(0, value.lastIndexOf('.')), value.slice(value.lastIndexOf('.') + 1)]
    const evil = btoa(JSON.stringify({ userId: 'admin' }))
    const cases: [string, string][] = [
      [`__session=${encodeURIComponent(`${evil}.${mac}`)}`, 'signature'],
      [`__session=${encodeURIComponent(`${data}.${mac.slice(0, -2)}AA`)}`, 'signature'],
      [await routerCookie({ userId: 'u1' }, ['another-apps-secret']), 'signature'],
      [`__session=${encodeURIComponent(evil)}`, 'malformed'],
      [`__session=%E0%A4%A`, 'malformed'],
      [`${good}; ${good}`, 'duplicate'],
      [await signedAs('"just a string"'), 'payload'],
      [await signedAs('[1,2]'), 'payload'],
    ]
    for (const [cookie, reason] of cases) {
      events.length = 0
      const session = await sessions.load(new Request('https://app.test/', { headers: { cookie } }))
      expect(session.subject, cookie).toBeUndefined()
      expect(session.isNew).toBe(true)
      expect(events, cookie).toEqual([{ type: 'legacy-refused', reader: 'react-router', reason }])
      // A refused legacy cookie is left alone: nothing is sent for an untouched session.
      expect((await sessions.commit(session)).setCookie).toEqual([])
    }
  })

  it('never lets an old cookie bring a session back once the client holds one of ours', async () => {
    const { sessions, events } = setup()
    const sent = await routerCookie({ userId: 'u1' })
    const first = await sessions.load(new Request('https://app.test/', { headers: { cookie: sent } }))
    const jar = CookieJar.from(sent).update(await sessions.commit(first))
    const signedIn = await sessions.load(new Request('https://app.test/', { headers: { cookie: jar.header() } }))
    await signedIn.logout()
    jar.update(await sessions.commit(signedIn))
    events.length = 0
    // The old cookie comes back (a stale tab, a replay) next to our expired-then-garbage one.
    const session = await sessions.load(new Request('https://app.test/', { headers: { cookie: `__Host-session=garbage; ${sent}` } }))
    expect(session.subject).toBeUndefined()
    expect(events.map((e) => e.type)).toEqual(['invalid'])
    // …and both are expired: ours (garbage) and the old one.
    expect((await sessions.commit(session)).setCookie.map((line) => line.split(';')[0])).toEqual(['__Host-session=', '__session='])
  })

  it('expires a legacy cookie sent next to a valid cookie of ours, even when nothing else changes', async () => {
    const { sessions } = setup()
    const sent = await routerCookie({ userId: 'u1' })
    const first = await sessions.load(new Request('https://app.test/', { headers: { cookie: sent } }))
    const ours = CookieJar.from().update((await sessions.commit(first)).setCookie.slice(0, 1)).header()
    // The removal was lost: the browser still holds both.
    const both = await sessions.load(new Request('https://app.test/', { headers: { cookie: `${ours}; ${sent}` } }))
    expect(both.subject).toBe('u1')
    expect((await sessions.commit(both)).setCookie).toEqual(['__session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax'])
  })

  it('works through createSealedSessionStorage(): commitSession() sends ours, its middleware expires the old cookie', async () => {
    const storage = createSealedSessionStorage<{ cart: string[] }>({ secrets: SECRET_A, migrate: [reactRouterCookie({ secrets: [OLD], map })] })
    const sent = await routerCookie({ userId: 'u3', cart: ['fig'] })
    const context = new RouterContextProvider()
    // A handler that commits itself, as React Router apps do; the middleware adds the removal.
    const response = await storage.middleware({ request: new Request('https://app.test/', { headers: { cookie: sent } }), context, params: {}, url: new URL('https://app.test/'), pattern: '/' } as never, async () => {
      const session = context.get(storage.context)
      expect(session.get('cart')).toEqual(['fig'])
      return new Response('ok', { headers: { 'Set-Cookie': await storage.commitSession(session) } })
    })
    const lines = (response as Response).headers.getSetCookie()
    expect(lines.map((line) => line.split('=')[0])).toEqual(['__Host-session', '__session'])
    const next = await storage.getSession(CookieJar.from(sent).update(lines).header())
    expect(next.get('cart')).toEqual(['fig'])
  })

  it("expires the old cookie through the middleware also when a loader commits a session of its own getSession()", async () => {
    const storage = createSealedSessionStorage<{ cart: string[] }>({ secrets: SECRET_A, migrate: [reactRouterCookie({ secrets: [OLD], map })] })
    const sent = await routerCookie({ userId: 'u5', cart: ['kiwi'] })
    const run = async (cookie: string) =>
      (await storage.middleware({ request: new Request('https://app.test/', { headers: { cookie } }), context: new RouterContextProvider(), params: {}, url: new URL('https://app.test/'), pattern: '/' } as never, async () => {
        const session = await storage.getSession(cookie)
        return new Response('ok', { headers: { 'Set-Cookie': await storage.commitSession(session) } })
      })) as Response
    const lines = (await run(sent)).headers.getSetCookie()
    expect(lines.map((line) => line.split('=')[0])).toEqual(['__Host-session', '__session'])
    // The removal was lost anyway: the next response with both cookies expires it again.
    const ours = CookieJar.from().update(lines.slice(0, 1)).header()
    expect((await run(`${ours}; ${sent}`)).headers.getSetCookie().map((line) => line.split('=')[0])).toEqual(['__Host-session', '__session'])
  })

  it('refuses commitSession() of a migrated session when the storage has no middleware (the old cookie would outlive a sign-out)', async () => {
    const storage = createSealedSessionStorage({ secrets: SECRET_A, migrate: [reactRouterCookie({ secrets: [OLD], map })] })
    const session = await storage.getSession(await routerCookie({ userId: 'u4' }))
    await expect(storage.commitSession(session)).rejects.toThrow(/needs its middleware/)
    // Without a legacy cookie, nothing changes.
    expect(await storage.commitSession(await storage.getSession(null))).toMatch(/^__Host-session=/)
  })

  it("map's refusal or throw ignores the cookie, and the options are checked strictly", async () => {
    const throwing = harness({ migrate: [reactRouterCookie({ secrets: [OLD], map: () => { throw new Error('no') } })] })
    const sent = await routerCookie({ userId: 'u1' })
    const session = await throwing.sessions.load(new Request('https://app.test/', { headers: { cookie: sent } }))
    expect(session.isNew).toBe(true)
    expect(throwing.events).toEqual([{ type: 'legacy-refused', reader: 'react-router', reason: 'map' }])
    expect(() => reactRouterCookie({ secrets: [OLD], map, maxAge: 60 } as never)).toThrow(ConfigurationError)
    expect(() => reactRouterCookie({ secrets: [OLD], map, secret: OLD } as never)).toThrow(/did you mean `secrets`/)
    expect(() => reactRouterCookie({ secrets: [], map })).toThrow(ConfigurationError)
    expect(() => reactRouterCookie({ secrets: [OLD] } as never)).toThrow(/map/)
    expect(() => createSessions({ secrets: SECRET_A, migrate: [{ reader: 'react-router' } as unknown as LegacyReader] })).toThrow(/readers made by/)
    expect(() => createSessions({ secrets: SECRET_A, cookie: { name: '__session' }, migrate: [reactRouterCookie({ secrets: [OLD], map })] })).toThrow(/named like ours/)
    expect(() => createSessions({ secrets: SECRET_A, bearer: {  }, migrate: [reactRouterCookie({ secrets: [OLD], map })] })).toThrow(/cookie transport/)
  })
})

/** A React Router signed cookie whose payload is `json` (any JSON, as createCookie() writes). */
async function signedAs(json: string): Promise<string> {
  const cookie = createCookie('__session', { secrets: [OLD] })
  return CookieJar.from().update([await cookie.serialize(JSON.parse(json))]).header()
}
