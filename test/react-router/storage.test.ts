import { createCookieSessionStorage, createSession, isSession, RouterContextProvider, type SessionStorage } from 'react-router'
import { describe, expect, it } from 'vitest'
import { ConfigurationError, createSessions, SessionTooLargeError, type CookieSessionOptions, type RevocationStore } from '../../src/index.js'
import { memoryRevocations } from '../../src/memory.js'
import { createSealedSessionStorage, type SealedSession } from '../../src/react-router/index.js'
import { Clock, CookieJar, SECRET_A, SECRET_B } from '../support/index.js'
import { withOptions, type OptionsPatch } from '../support/options.js'

type Data = { userId: string; theme: string; notes: string }
type Flash = { error: string }

function setup(options: OptionsPatch = {}) {
  const clock = new Clock()
  const storage = createSealedSessionStorage<Data, Flash>(withOptions({ secrets: SECRET_A, clock: { now: clock.now } }, options) as CookieSessionOptions)
  return { clock, storage }
}

/** The Cookie header a browser sends back after this Set-Cookie value. */
const sentBack = (setCookie: string, previous?: string): string => CookieJar.from(previous).update([setCookie]).header()

describe('createSealedSessionStorage: React Router SessionStorage', () => {
  it('has exactly the SessionStorage interface (type-checked without casts)', () => {
    const { storage } = setup()
    const typed = storage satisfies SessionStorage<Data, Flash>
    // At run time too: React Router's own cookie storage has exactly these methods, and ours
    // has each of them (same arity) plus only the documented extras.
    const router = createCookieSessionStorage({ cookie: { name: '__session', secrets: [SECRET_A] } })
    const theirs = Object.keys(router).sort()
    expect(theirs).toEqual(['commitSession', 'destroySession', 'getSession'])
    expect(Object.keys(typed).sort()).toEqual([...theirs, 'context', 'middleware', 'revokeSubject'].sort())
    for (const key of ['getSession', 'commitSession', 'destroySession'] as const) {
      expect(typeof typed[key], key).toBe('function')
      expect(typed[key].length, `${key} arity`).toBe(router[key].length)
    }
  })

  it("refuses React Router's cookie lifetimes and secrets with the fix, and takes its lower-case sameSite (issue 20)", async () => {
    // React Router's own docs write these; a 60-second session must never silently last a day.
    const asRouterDocsWrite = (cookie: Record<string, unknown>): CookieSessionOptions => ({ secrets: SECRET_A, cookie }) as unknown as CookieSessionOptions
    expect(() => createSealedSessionStorage(asRouterDocsWrite({ maxAge: 60 }))).toThrow(/^`cookie\.maxAge` is not a cookie option: lifetimes are `lifetime: \{ maxAge, idleTimeout \}`/)
    expect(() => createSealedSessionStorage(asRouterDocsWrite({ expires: new Date(0) }))).toThrow(ConfigurationError)
    expect(() => createSealedSessionStorage(asRouterDocsWrite({ secrets: [SECRET_A] }))).toThrow(/top-level `secrets`/)
    expect(() => createSealedSessionStorage(asRouterDocsWrite({ sameSite: true }))).toThrow(/cookie\.sameSite must be/)
    const storage = createSealedSessionStorage(asRouterDocsWrite({ name: '__session', sameSite: 'lax', secure: true }))
    const session = await storage.getSession()
    session.set('n', 1)
    expect(await storage.commitSession(session)).toMatch(/^__session=.*; SameSite=Lax/)
    // Given as a function, the same check happens when it is first called.
    const later = createSealedSessionStorage(() => asRouterDocsWrite({ maxAge: 60 }))
    await expect(later.getSession()).rejects.toThrow(/`cookie\.maxAge` is not a cookie option/)
  })

  it("gives sessions that React Router's isSession() accepts, whose data is a copy", async () => {
    const { storage } = setup()
    const session = await storage.getSession()
    expect(isSession(session)).toBe(true)
    session.set('userId', 'u1')
    const copy = session.data
    copy.userId = 'changed'
    expect(session.get('userId')).toBe('u1')
  })

  it('stores a value with commitSession() and reads it back with getSession(), as one Set-Cookie', async () => {
    const { storage } = setup()
    const session = await storage.getSession(null)
    expect(session.isNew).toBe(true)
    session.set('userId', 'u1')
    const setCookie = await storage.commitSession(session)
    expect(typeof setCookie).toBe('string')
    expect(setCookie).toMatch(/^__Host-session=[\w-]+; Max-Age=\d+; Path=\/; Secure; HttpOnly; SameSite=Lax/)
    const next = await storage.getSession(sentBack(setCookie))
    expect(next.isNew).toBe(false)
    expect(next.get('userId')).toBe('u1')
    expect(next.has('userId')).toBe(true)
    expect(next.has('theme')).toBe(false)
    expect(next.data).toEqual({ userId: 'u1' })
  })

  it('unset() removes a value', async () => {
    const { storage } = setup()
    const session = await storage.getSession()
    session.set('userId', 'u1')
    session.set('theme', 'dark')
    session.unset('theme')
    const next = await storage.getSession(sentBack(await storage.commitSession(session)))
    expect(next.data).toEqual({ userId: 'u1' })
  })

  it('flash(): visible in has() and data until get() reads it once, then gone after the next commit', async () => {
    const { storage } = setup()
    const first = await storage.getSession()
    first.flash('error', 'Wrong password')
    const cookie = sentBack(await storage.commitSession(first))

    const second = await storage.getSession(cookie)
    expect(second.has('error')).toBe(true)
    expect(second.data).toEqual({ __flash_error__: 'Wrong password' })
    expect(second.get('error')).toBe('Wrong password')
    expect(second.get('error')).toBeUndefined()
    expect(second.has('error')).toBe(false)

    const third = await storage.getSession(sentBack(await storage.commitSession(second), cookie))
    expect(third.has('error')).toBe(false)
  })

  it("behaves like React Router's own cookie session for the same calls (all but id)", async () => {
    const { storage } = setup()
    const theirs = createCookieSessionStorage<Data, Flash>({ cookie: { name: '__session', secrets: [SECRET_A] } })
    const script = async (s: SealedSession<Data, Flash> | Awaited<ReturnType<typeof theirs.getSession>>) => {
      const seen: unknown[] = []
      s.set('userId', 'u1')
      s.flash('error', 'e1')
      seen.push(s.has('userId'), s.has('error'), s.has('theme'), { ...s.data })
      s.set('theme', 'dark')
      s.unset('theme')
      seen.push(s.get('error'), s.get('error'), s.has('error'), { ...s.data })
      s.flash('error', 'e2')
      return seen
    }
    const mine = await storage.getSession()
    const reference = await theirs.getSession()
    expect(await script(mine)).toEqual(await script(reference))
    const mineNext = await storage.getSession(sentBack(await storage.commitSession(mine)))
    const referenceNext = await theirs.getSession(sentBack(await theirs.commitSession(reference)))
    expect({ ...mineNext.data }).toEqual({ ...referenceNext.data })
    expect(mineNext.get('error')).toBe(referenceNext.get('error'))
  })

  it('commitSession() always returns a cookie, and each one moves the idle expiry', async () => {
    const { storage, clock } = setup({ lifetime: { idleTimeout: 3600 } })
    const cookie = sentBack(await storage.commitSession(await storage.getSession()))
    clock.advance(600)
    const session = await storage.getSession(cookie)
    const before = session.idleExpiresAt.getTime()
    const again = await storage.commitSession(session)
    expect(again).toMatch(/^__Host-session=/)
    expect((await storage.getSession(sentBack(again))).idleExpiresAt.getTime()).toBe(before + 600_000)
  })

  it('a tampered, expired or missing cookie gives a new empty session, never an exception', async () => {
    const { storage, clock } = setup({ lifetime: { idleTimeout: 3600 } })
    const signedIn = await storage.getSession()
    await signedIn.login('ada')
    const cookie = sentBack(await storage.commitSession(signedIn))
    const value = cookie.slice(cookie.indexOf('=') + 1)
    const flipped = `__Host-session=${value.slice(0, 30)}${value[30] === 'A' ? 'B' : 'A'}${value.slice(31)}`
    for (const header of [flipped, '__Host-session=garbage', '', undefined, null]) {
      const session = await storage.getSession(header)
      expect(session.isNew).toBe(true)
      expect(session.subject).toBeUndefined()
    }
    clock.advance(3600 + 31)
    expect((await storage.getSession(cookie)).isNew).toBe(true)
  })

  it('a tampered cookie is replaced by the next commit (the new session overwrites it)', async () => {
    const { storage } = setup()
    const session = await storage.getSession('__Host-session=garbage')
    session.set('userId', 'u2')
    const next = await storage.getSession(sentBack(await storage.commitSession(session), '__Host-session=garbage'))
    expect(next.get('userId')).toBe('u2')
  })

  it('rotates secrets: a cookie sealed under an older secret opens, and commits under the newest', async () => {
    const clock = new Clock()
    const old = createSealedSessionStorage<Data, Flash>({ secrets: SECRET_B, clock: { now: clock.now } })
    const rotated = createSealedSessionStorage<Data, Flash>({ secrets: [SECRET_A, SECRET_B], clock: { now: clock.now } })
    const newestOnly = createSealedSessionStorage<Data, Flash>({ secrets: SECRET_A, clock: { now: clock.now } })
    const session = await old.getSession()
    session.set('userId', 'u1')
    const oldCookie = sentBack(await old.commitSession(session))
    expect((await newestOnly.getSession(oldCookie)).isNew).toBe(true)
    const opened = await rotated.getSession(oldCookie)
    expect(opened.get('userId')).toBe('u1')
    const resealed = sentBack(await rotated.commitSession(opened))
    expect((await newestOnly.getSession(resealed)).get('userId')).toBe('u1')
  })

  it('an oversized session throws SessionTooLargeError (code, size, limit) from commitSession()', async () => {
    const { storage } = setup()
    const session = await storage.getSession()
    session.set('notes', 'x'.repeat(5000))
    const error = await storage.commitSession(session).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SessionTooLargeError)
    const tooLarge = error as SessionTooLargeError
    expect(tooLarge.code).toBe('ERR_SESSION_TOO_LARGE')
    expect(tooLarge.size).toBeGreaterThan(tooLarge.limit)
    expect(tooLarge.limit).toBe(4096)
  })

  it('login() gives a new session id and a subject; destroySession() expires the cookie and, with a store, revokes it', async () => {
    const clock = new Clock()
    const storage = createSealedSessionStorage<Data, Flash>({ secrets: SECRET_A, clock: { now: clock.now }, revocation: { store: memoryRevocations({ now: clock.now }) } })
    const anonymous = await storage.getSession()
    const before = anonymous.id
    await anonymous.login('ada')
    expect(anonymous.id).not.toBe(before)
    expect(anonymous.subject).toBe('ada')
    const cookie = sentBack(await storage.commitSession(anonymous))

    const session = await storage.getSession(cookie)
    expect(session.subject).toBe('ada')
    const removal = await storage.destroySession(session)
    expect(removal).toMatch(/^__Host-session=; Max-Age=0; Path=\/; Secure; HttpOnly; SameSite=Lax/)
    expect(CookieJar.from(cookie).update([removal]).has('__Host-session')).toBe(false)
    // A copied cookie stops working at its next revocation check (at most revalidateAfter, 60 s, later).
    clock.advance(61)
    expect((await storage.getSession(cookie)).subject).toBeUndefined()
  })

  it('revokeSubject() signs a user out everywhere (with a store); without one it throws ConfigurationError', async () => {
    const clock = new Clock()
    const storage = createSealedSessionStorage<Data, Flash>({ secrets: SECRET_A, clock: { now: clock.now }, revocation: { store: memoryRevocations({ now: clock.now }) } })
    const cookies: string[] = []
    for (let i = 0; i < 2; i++) {
      const session = await storage.getSession()
      await session.login('ada')
      cookies.push(sentBack(await storage.commitSession(session)))
    }
    await storage.revokeSubject('ada')
    clock.advance(61)
    for (const cookie of cookies) expect((await storage.getSession(cookie)).subject).toBeUndefined()
    await expect(setup().storage.revokeSubject('ada')).rejects.toThrow(ConfigurationError)
  })

  it("returns '' when a failing revocation store made the request load as signed out (the browser keeps its cookie)", async () => {
    const clock = new Clock()
    let failing = false
    const store = memoryRevocations({ now: clock.now })
    const down = (): Promise<never> => Promise.reject(new Error('down'))
    // The check is isRevoked(), or the directory's check() for a listed session: both fail.
    const directory = store.sessions!
    const flaky: RevocationStore = {
      ...store,
      isRevoked: (query) => (failing ? down() : store.isRevoked(query)),
      sessions: { ...directory, check: (query) => (failing ? down() : directory.check(query)) },
    }
    const storage = createSealedSessionStorage<Data, Flash>({ secrets: SECRET_A, clock: { now: clock.now }, revocation: { store: flaky } })
    const session = await storage.getSession()
    await session.login('ada')
    const cookie = sentBack(await storage.commitSession(session))
    clock.advance(61)
    failing = true
    const loaded = await storage.getSession(cookie)
    expect(loaded.subject).toBeUndefined()
    expect(await storage.commitSession(loaded)).toBe('')
    failing = false
    expect((await storage.getSession(cookie)).subject).toBe('ada')
  })

  it('commitSession() after logout() removes the cookie rather than sealing an empty session', async () => {
    const { storage } = setup()
    const session = await storage.getSession()
    await session.login('ada')
    const cookie = sentBack(await storage.commitSession(session))
    const loaded = await storage.getSession(cookie)
    await loaded.logout()
    expect(await storage.commitSession(loaded)).toMatch(/^__Host-session=; Max-Age=0;/)
  })

  it("refuses sessions it did not load: React Router's createSession() and another storage's", async () => {
    const { storage } = setup()
    const other = createSealedSessionStorage<Data, Flash>({ secrets: SECRET_A })
    await expect(storage.commitSession(createSession<Data, Flash>({ userId: 'u1', theme: 'dark', notes: '' }))).rejects.toThrow(TypeError)
    await expect(storage.commitSession(await other.getSession())).rejects.toThrow(/same storage/)
    await expect(storage.destroySession(await other.getSession())).rejects.toThrow(TypeError)
  })

  it('refuses cookie options on commit (set once in the options), but ignores undefined ones', async () => {
    const { storage } = setup()
    const session = await storage.getSession()
    await expect(storage.commitSession(session, { maxAge: 60 })).rejects.toThrow(/cookie options \(maxAge\)/)
    await expect(storage.getSession('', { decode: (value) => value })).rejects.toThrow(TypeError)
    expect(await storage.commitSession(session, { maxAge: undefined })).toMatch(/^__Host-session=/)
  })

  it('refuses at configuration time what one Set-Cookie cannot carry: chunks, binding, bearer', () => {
    expect(() => createSealedSessionStorage({ secrets: SECRET_A, cookie: { maxChunks: 2 } })).toThrow(ConfigurationError)
    expect(() => createSealedSessionStorage({ secrets: SECRET_A, binding: { value: () => 'x' } })).toThrow(ConfigurationError)
    // The type has no bearer transport; plain JavaScript is refused at run time.
    expect(() => createSealedSessionStorage({ secrets: SECRET_A, bearer: {} } as unknown as CookieSessionOptions)).toThrow(/bearer transport needs createSessions/)
    expect(() => createSealedSessionStorage({ secrets: 'short' })).toThrow(ConfigurationError)
  })

  it('options as a function are read on each use, not when the storage is created', async () => {
    let calls = 0
    const storage = createSealedSessionStorage<Data>(() => {
      calls++
      return { secrets: SECRET_A }
    })
    expect(calls).toBe(0)
    const session = await storage.getSession()
    session.set('userId', 'u1')
    const cookie = sentBack(await storage.commitSession(session))
    expect((await storage.getSession(cookie)).get('userId')).toBe('u1')
    expect(calls).toBe(2)
  })

  it("opens cookies sealed by createSessions() with the same options (the core's format)", async () => {
    const clock = new Clock()
    const engine = createSessions<Data>({ secrets: SECRET_A, clock: { now: clock.now } })
    const core = await engine.load(null)
    core.set('userId', 'u9')
    const cookie = CookieJar.from().update((await engine.commit(core)).setCookie).header()
    const { storage } = { storage: createSealedSessionStorage<Data>({ secrets: SECRET_A, clock: { now: clock.now } }) }
    expect((await storage.getSession(cookie)).get('userId')).toBe('u9')
  })
})

describe('sessionStorage.middleware and context', () => {
  const request = (cookie?: string) => new Request('https://example.com/', { headers: cookie === undefined ? {} : { cookie } })
  const args = (req: Request, context: RouterContextProvider) => ({ request: req, url: new URL(req.url), pattern: '/', params: {}, context })

  it('puts the session in the context and commits it onto the response, with no-store and Vary: Cookie', async () => {
    const { storage } = setup()
    const context = new RouterContextProvider()
    const response = await storage.middleware(args(request(), context), async () => {
      const session = context.get(storage.context)
      await session.login('ada')
      return new Response('ok', { headers: { 'Cache-Control': 'max-age=60' } })
    })
    expect(response).toBeInstanceOf(Response)
    const headers = (response as Response).headers
    expect(headers.getSetCookie()).toHaveLength(1)
    expect(headers.get('cache-control')).toBe('max-age=60, no-store')
    expect(headers.get('vary')).toBe('Cookie')
    const cookie = sentBack(headers.getSetCookie()[0]!)
    expect((await storage.getSession(cookie)).subject).toBe('ada')
  })

  it('sends nothing when the session did not change', async () => {
    const { storage } = setup()
    const cookie = sentBack(await storage.commitSession(await storage.getSession()))
    const context = new RouterContextProvider()
    const response = (await storage.middleware(args(request(cookie), context), async () => {
      context.get(storage.context).get('userId')
      return new Response('ok')
    })) as Response
    expect(response.headers.getSetCookie()).toHaveLength(0)
    expect(response.headers.get('cache-control')).toBeNull()
  })

  it("keeps a handler's own commitSession() cookie (one Set-Cookie), adding no-store to it, even to a redirect", async () => {
    const { storage } = setup()
    const context = new RouterContextProvider()
    const response = (await storage.middleware(args(request(), context), async () => {
      context.get(storage.context).csrfToken() // changes the context session: must not overwrite the handler's cookie
      const session = await storage.getSession(null)
      await session.login('ada')
      return new Response(null, { status: 303, headers: { Location: '/home', 'Set-Cookie': await storage.commitSession(session) } })
    })) as Response
    expect(response.headers.getSetCookie()).toHaveLength(1)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect((await storage.getSession(sentBack(response.headers.getSetCookie()[0]!))).subject).toBe('ada')
  })

  it('works on a response with immutable headers (Response.redirect)', async () => {
    const { storage } = setup()
    const context = new RouterContextProvider()
    const response = (await storage.middleware(args(request(), context), async () => {
      await context.get(storage.context).login('ada')
      return Response.redirect('https://example.com/home', 303)
    })) as Response
    expect(response.status).toBe(303)
    expect(response.headers.getSetCookie()).toHaveLength(1)
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it('a session too large for its cookie throws SessionTooLargeError from the middleware', async () => {
    const { storage } = setup()
    const context = new RouterContextProvider()
    const run = storage.middleware(args(request(), context), async () => {
      context.get(storage.context).set('notes', 'x'.repeat(5000))
      return new Response('ok')
    })
    await expect(run).rejects.toBeInstanceOf(SessionTooLargeError)
  })
})
