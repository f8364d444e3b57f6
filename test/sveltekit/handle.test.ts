import { error as httpError, redirect, type Cookies, type Handle, type RequestEvent } from '@sveltejs/kit'
import { describe, expect, it } from 'vitest'
import { ConfigurationError, createSessions, SessionTooLargeError, type Session } from '../../src/index.js'
import { saveSession, sessionHandle, type SessionHandleConfig, type SessionLocals } from '../../src/sveltekit/index.js'
import { Clock, CookieJar, generatedBody, SECRET_A } from '../support/index.js'

type Data = { name: string; notes: string }
type Locals = Partial<SessionLocals<Data>>
type CookieCall = { name: string; value: string; options: Parameters<Cookies['set']>[2] }

/**
 * A RequestEvent as SvelteKit builds it, with what the hook touches: the request, locals
 * and a cookies object that records `set()` (SvelteKit puts those on the redirect it builds).
 */
function eventFor(request: Request): { event: RequestEvent; locals: Locals; cookieCalls: CookieCall[] } {
  const locals: Locals = {}
  const cookieCalls: CookieCall[] = []
  const cookies = {
    set: (name: string, value: string, options: CookieCall['options']) => void cookieCalls.push({ name, value, options }),
  }
  const event = { request, url: new URL(request.url), locals, cookies } as unknown as RequestEvent
  return { event, locals, cookieCalls }
}

function setup(config: SessionHandleConfig = {}) {
  const clock = new Clock()
  const handle = sessionHandle<Data>({ secrets: SECRET_A, clock: { now: clock.now } }, config)
  const engine = createSessions<Data>({ secrets: SECRET_A, clock: { now: clock.now } })
  /** Runs `handle` for `request`, with `route` as what resolve() renders (a later hook, a load, an action). */
  const run = async (request: Request, route: (event: RequestEvent, locals: Locals) => Response | Promise<Response>) => {
    const { event, locals, cookieCalls } = eventFor(request)
    const response = await handle({ event, resolve: (resolved) => route(resolved, locals) })
    return { response, locals, cookieCalls }
  }
  /** A Cookie header holding a signed-in session. */
  const signedIn = async (name = 'Ada'): Promise<string> => {
    const session = await engine.load(null)
    await session.login(name)
    session.set('name', name)
    return CookieJar.from().update((await engine.commit(session)).setCookie).header()
  }
  return { clock, handle, engine, run, signedIn }
}

const get = (cookie?: string, headers: Record<string, string> = {}): Request =>
  new Request('https://app.example/', { headers: cookie === undefined ? headers : { ...headers, cookie } })
const post = (body: BodyInit, headers: Record<string, string> = {}): Request =>
  new Request('https://app.example/?/save', { method: 'POST', body, headers })
const page = (): Response => new Response('<p>page</p>', { headers: { 'content-type': 'text/html' } })

describe('sessionHandle: the session on event.locals, committed on the response', () => {
  it('puts the typed session on locals and sets nothing when nothing changed', async () => {
    const { run, signedIn } = setup()
    const cookie = await signedIn()
    const { response, locals } = await run(get(cookie), (_event, l) => {
      expect(l.session?.get('name')).toBe('Ada')
      return page()
    })
    expect(locals.session?.subject).toBe('Ada')
    expect(response.headers.getSetCookie()).toEqual([])
    expect(response.headers.get('cache-control')).toBeNull()
  })

  it('appends the Set-Cookie of a changed session with no-store and Vary: Cookie, keeping the application’s own', async () => {
    const { run, engine } = setup()
    const { response } = await run(get(), (_event, locals) => {
      locals.session!.set('name', 'Bo')
      const own = page()
      own.headers.append('set-cookie', 'theme=dark; Path=/')
      own.headers.set('cache-control', 'private')
      own.headers.set('vary', 'Accept-Encoding')
      return own
    })
    const lines = response.headers.getSetCookie()
    expect(lines).toHaveLength(2)
    expect(lines[0]).toBe('theme=dark; Path=/')
    expect(lines[1]).toMatch(/^__Host-session=[\w-]+; Max-Age=86400; Path=\/; Secure; HttpOnly; SameSite=Lax$/)
    expect(response.headers.get('cache-control')).toBe('private, no-store')
    expect(response.headers.get('vary')).toBe('Accept-Encoding, Cookie')
    expect((await engine.load(CookieJar.from().update(response).header())).get('name')).toBe('Bo')
  })

  it('commits onto a response with immutable headers (Response.redirect, a fetch() result) by copying it', async () => {
    const { run } = setup()
    const { response } = await run(get(), (_event, locals) => {
      locals.session!.set('name', 'Bo')
      return Response.redirect('https://app.example/next', 303)
    })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('https://app.example/next')
    expect(response.headers.getSetCookie()).toHaveLength(1)
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it('removes a tampered cookie', async () => {
    const { run, signedIn } = setup()
    const cookie = await signedIn()
    const tampered = cookie.slice(0, 40) + (cookie[40] === 'A' ? 'B' : 'A') + cookie.slice(41)
    const { response, locals } = await run(get(tampered), () => page())
    expect(locals.session?.isNew).toBe(true)
    expect(response.headers.getSetCookie()).toEqual(['__Host-session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax'])
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it('a redirect() thrown by a later hook: the commit goes through event.cookies, which SvelteKit puts on its redirect', async () => {
    const { handle, engine } = setup()
    const { event, cookieCalls } = eventFor(get())
    const later: Handle = ({ event: e }) => {
      ;(e.locals as Locals).session!.set('name', 'Bo')
      redirect(303, '/login')
    }
    const thrown = await Promise.resolve(handle({ event, resolve: (e) => later({ event: e, resolve: () => page() }) })).catch((error: unknown) => error)
    expect(thrown).toMatchObject({ status: 303, location: '/login' })
    expect(cookieCalls).toHaveLength(1)
    const [call] = cookieCalls
    expect(call!.name).toBe('__Host-session')
    expect(call!.options).toMatchObject({ path: '/', maxAge: 86400, secure: true, httpOnly: true, sameSite: 'lax', partitioned: false })
    // Written as it is: SvelteKit would otherwise URI-encode the value.
    expect(call!.options.encode!(call!.value)).toBe(call!.value)
    expect((await engine.load(`__Host-session=${call!.value}`)).get('name')).toBe('Bo')
  })

  it('a redirect() of 302 or 307 thrown by a later hook commits through event.cookies as 303 does', async () => {
    for (const status of [302, 307] as const) {
      const { handle, engine } = setup()
      const { event, cookieCalls } = eventFor(get())
      const later: Handle = ({ event: e }) => {
        ;(e.locals as Locals).session!.set('name', 'Bo')
        redirect(status, '/login')
      }
      const thrown = await Promise.resolve(handle({ event, resolve: (e) => later({ event: e, resolve: () => page() }) })).catch((error: unknown) => error)
      expect(thrown).toMatchObject({ status })
      expect(cookieCalls).toHaveLength(1)
      expect((await engine.load(`__Host-session=${cookieCalls[0]!.value}`)).get('name')).toBe('Bo')
    }
  })

  it('a cacheable redirect() (301, 308) thrown by a later hook leaves the session as it was: no cookie on a response a cache may store', async () => {
    for (const status of [301, 308] as const) {
      const { handle, signedIn } = setup()
      const { event, cookieCalls } = eventFor(get(await signedIn()))
      const later: Handle = ({ event: e }) => {
        const session = (e.locals as Locals).session!
        session.set('name', 'Bo')
        redirect(status, '/elsewhere')
      }
      const thrown = await Promise.resolve(handle({ event, resolve: (e) => later({ event: e, resolve: () => page() }) })).catch((error: unknown) => error)
      // The redirect itself still goes out, unchanged.
      expect(thrown).toMatchObject({ status, location: '/elsewhere' })
      expect(cookieCalls).toEqual([])
    }
  })

  it('any other error thrown through it leaves the session as it was: nothing is committed', async () => {
    const { handle } = setup()
    const { event, cookieCalls } = eventFor(get())
    const thrown = await Promise.resolve(
      handle({
        event,
        resolve: (e) => {
          ;(e.locals as Locals).session!.set('name', 'Bo')
          httpError(500, 'broken')
        },
      }),
    ).catch((error: unknown) => error)
    expect(thrown).toMatchObject({ status: 500 })
    expect(cookieCalls).toEqual([])
  })

  it('puts the engine on locals.sessions too (revokeSubject)', async () => {
    const { run } = setup()
    const { locals } = await run(get(), () => page())
    expect(locals.sessions?.cookieName).toBe('__Host-session')
    expect(typeof locals.sessions?.revokeSubject).toBe('function')
  })

  it('a 500 response (an unexpected error in a load or action) leaves the session as it was; what saveSession() sent stays', async () => {
    const { run, signedIn, engine } = setup()
    const cookie = await signedIn()
    const failed = await run(get(cookie), async (_event, locals) => {
      await locals.session!.logout()
      return new Response('Internal Error', { status: 500 })
    })
    expect(failed.response.headers.getSetCookie()).toEqual([])
    const saved = await run(get(cookie), async (_event, locals) => {
      locals.session!.set('name', 'saved')
      await saveSession(locals.session!)
      locals.session!.set('name', 'lost')
      return new Response('Internal Error', { status: 500 })
    })
    expect(saved.response.headers.getSetCookie()).toHaveLength(1)
    expect((await engine.load(CookieJar.from(cookie).update(saved.response).header())).get('name')).toBe('saved')
  })

  it('checks fixed options when it is built, and calls an options function with the event', async () => {
    expect(() => sessionHandle({ secrets: 'short' })).toThrow(ConfigurationError)
    const seen: string[] = []
    const handle = sessionHandle<Data>((event) => {
      seen.push(event.url.pathname)
      return { secrets: SECRET_A }
    })
    const { event } = eventFor(get())
    await handle({ event, resolve: () => page() })
    expect(seen).toEqual(['/'])
  })
})

describe('saveSession: a session too large, shown by the action', () => {
  it('throws SessionTooLargeError where the action can catch it; the response then sets no cookie', async () => {
    const { run, signedIn } = setup()
    const cookie = await signedIn()
    let caught: unknown
    const { response } = await run(get(cookie), async (_event, locals) => {
      locals.session!.set('notes', 'x'.repeat(5000))
      caught = await saveSession(locals.session!).catch((error: unknown) => error)
      return new Response('too large', { status: 413 })
    })
    expect(caught).toBeInstanceOf(SessionTooLargeError)
    expect((caught as SessionTooLargeError).limit).toBe(4096)
    expect(response.status).toBe(413)
    expect(response.headers.getSetCookie()).toEqual([])
  })

  it('without saveSession(), a session too large throws from the hook (into handleError)', async () => {
    const { run } = setup()
    const failed = await run(get(), (_event, locals) => {
      locals.session!.set('notes', 'x'.repeat(5000))
      return page()
    }).catch((error: unknown) => error)
    expect(failed).toBeInstanceOf(SessionTooLargeError)
  })

  it('a saved session changed again: both commits are sent in order, the browser keeps the last', async () => {
    const { run, engine } = setup()
    const { response } = await run(get(), async (_event, locals) => {
      locals.session!.set('name', 'first')
      await saveSession(locals.session!)
      locals.session!.set('name', 'second')
      return page()
    })
    expect(response.headers.getSetCookie()).toHaveLength(2)
    expect((await engine.load(CookieJar.from().update(response).header())).get('name')).toBe('second')
  })

  it('a saved session left unchanged is sent once', async () => {
    const { run } = setup()
    const { response } = await run(get(), async (_event, locals) => {
      locals.session!.set('name', 'once')
      await saveSession(locals.session!)
      return page()
    })
    expect(response.headers.getSetCookie()).toHaveLength(1)
  })

  it('refuses a session that sessionHandle() did not load', async () => {
    const session = await createSessions<Data>({ secrets: SECRET_A }).load(null)
    await expect(saveSession(session)).rejects.toThrow(TypeError)
  })
})

describe('sessionHandle csrf: the synchronizer token beside SvelteKit’s Origin check', () => {
  /** A CSRF token of a fresh session, and the Cookie header that carries it. */
  async function tokenAndCookie(run: ReturnType<typeof setup>['run']): Promise<{ token: string; cookie: string }> {
    let token = ''
    const { response } = await run(get(), (_event, locals) => {
      token = locals.session!.csrfToken()
      return page()
    })
    return { token, cookie: CookieJar.from().update(response).header() }
  }

  it('refuses an unsafe request without the token: 403 text, or JSON when the client asks for JSON', async () => {
    const { run } = setup({ csrf: true })
    let reached = false
    const route = () => {
      reached = true
      return page()
    }
    const text = await run(post(new URLSearchParams({ name: 'x' })), route)
    expect(text.response.status).toBe(403)
    expect(await text.response.text()).toBe('Invalid or missing CSRF token')
    expect(text.response.headers.get('cache-control')).toBe('no-store')
    const json = await run(post(new URLSearchParams({ name: 'x' }), { accept: 'application/json' }), route)
    expect(json.response.status).toBe(403)
    expect(await json.response.json()).toEqual({ message: 'Invalid or missing CSRF token' })
    expect(reached).toBe(false)
  })

  it('accepts the token in the form field (the action still reads the whole form) or in the header', async () => {
    const { run } = setup({ csrf: true })
    const { token, cookie } = await tokenAndCookie(run)
    let name: FormDataEntryValue | null = null
    const form = await run(post(new URLSearchParams({ _csrf: token, name: 'Bo' }), { cookie }), async (event) => {
      name = (await event.request.formData()).get('name')
      return page()
    })
    expect(form.response.status).toBe(200)
    expect(name).toBe('Bo')
    const multipart = new FormData()
    multipart.set('_csrf', token)
    expect((await run(post(multipart, { cookie }), () => page())).response.status).toBe(200)
    const header = await run(post(JSON.stringify({}), { cookie, 'content-type': 'application/json', 'x-csrf-token': token }), () => page())
    expect(header.response.status).toBe(200)
  })

  it("refuses another session's token, and leaves safe methods alone", async () => {
    const { run } = setup({ csrf: { field: 'token', header: 'x-token' } })
    const mine = await tokenAndCookie(run)
    const theirs = await tokenAndCookie(run)
    expect((await run(post(new URLSearchParams({ token: theirs.token }), { cookie: mine.cookie }), () => page())).response.status).toBe(403)
    expect((await run(post('', { cookie: mine.cookie, 'x-token': mine.token }), () => page())).response.status).toBe(200)
    expect((await run(get(mine.cookie), () => page())).response.status).toBe(200)
  })

  it('reads only the first 64 KiB of a form: a 64 MiB upload without the token is refused unread, one with it first reaches the action whole', async () => {
    const { run } = setup({ csrf: true })
    const { token, cookie } = await tokenAndCookie(run)
    const hostile = generatedBody(64 * 1024 * 1024, { head: '--x\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n' })
    const refused = await run(new Request('https://app.example/?/save', { method: 'POST', body: hostile.stream, headers: { cookie, 'content-type': 'multipart/form-data; boundary=x' }, duplex: 'half' } as RequestInit), () => page())
    expect(refused.response.status).toBe(403)
    expect(hostile.pulled()).toBeLessThan(1024 * 1024)
    const form = new FormData()
    form.set('_csrf', token)
    form.set('file', new Blob([new Uint8Array(200 * 1024).fill(7)]), 'a.bin')
    let size = 0
    const accepted = await run(post(form, { cookie }), async (event) => {
      const file = (await event.request.formData()).get('file')
      size = file instanceof Blob ? file.size : -1
      return page()
    })
    expect(accepted.response.status).toBe(200)
    expect(size).toBe(200 * 1024)
  })

  it('is off by default', async () => {
    const { run } = setup()
    expect((await run(post(new URLSearchParams({ name: 'x' })), () => page())).response.status).toBe(200)
  })
})
