import type { APIContext, MiddlewareHandler } from 'astro'
import { createContext, defineMiddleware, sequence } from 'astro/middleware'
import { describe, expect, it } from 'vitest'
import { ConfigurationError, createSessions, SessionTooLargeError, type SessionOptions } from '../../src/index.js'
import { sessionMiddleware, type SessionLocals } from '../../src/astro/index.js'
import { Clock, CookieJar, generatedBody, SECRET_A } from '../support/index.js'
import { withOptions, type OptionsPatch } from '../support/options.js'

type Data = { name: string; notes: string }

const ORIGIN = 'http://127.0.0.1:4321'

/** Astro's own context for `request`, with locals typed as the example's App.Locals would be. */
function contextFor(request: Request, options: { prerendered?: boolean } = {}): APIContext & { locals: Partial<SessionLocals<Data>> } {
  const context = createContext({ request, defaultLocale: 'en' })
  if (options.prerendered === true) Object.defineProperty(context, 'isPrerendered', { value: true })
  return context as APIContext & { locals: Partial<SessionLocals<Data>> }
}

/** Runs `middleware` for one request, with `handler` as the page or API route. */
async function call(
  middleware: MiddlewareHandler,
  request: Request,
  handler: (context: APIContext & { locals: Partial<SessionLocals<Data>> }) => Response | Promise<Response> = () => new Response('ok'),
  options: { prerendered?: boolean } = {},
): Promise<Response> {
  const context = contextFor(request, options)
  const response = await middleware(context, async () => handler(context))
  if (!(response instanceof Response)) throw new Error('the middleware returned no Response')
  return response
}

function setup(options: OptionsPatch = {}) {
  const clock = new Clock()
  const config = withOptions({ secrets: SECRET_A, clock: { now: clock.now } }, options)
  return { clock, config, engine: createSessions<Data>(config) }
}

/** A Cookie header holding a signed-in session sealed by `engine`. */
async function signedIn(engine: ReturnType<typeof setup>['engine'], name = 'Ada'): Promise<string> {
  const session = await engine.load(null)
  await session.login(name)
  session.set('name', name)
  return CookieJar.from().update(await engine.commit(session)).header()
}

describe('sessionMiddleware: the session on context.locals, committed on the response', () => {
  it('loads the session into locals.session and commits a change with no-store and Vary: Cookie', async () => {
    const { config, engine } = setup()
    const response = await call(sessionMiddleware<Data>(config), new Request(`${ORIGIN}/login`), async ({ locals }) => {
      expect(locals.session?.isNew).toBe(true)
      expect(locals.sessions?.cookieName).toBe('__Host-session')
      await locals.session!.login('ada')
      locals.session!.set('name', 'Ada')
      return new Response('signed in', { headers: { 'Cache-Control': 'private, max-age=60', 'Set-Cookie': 'theme=dark' } })
    })
    expect(response.headers.getSetCookie()).toHaveLength(2)
    expect(response.headers.getSetCookie()[0]).toBe('theme=dark') // the app's own cookie stays
    expect(response.headers.get('cache-control')).toBe('private, max-age=60, no-store')
    expect(response.headers.get('vary')).toBe('Cookie')
    const session = await engine.load(CookieJar.from().update(response).header())
    expect(session.subject).toBe('ada')
    expect(session.get('name')).toBe('Ada')
  })

  it('reads the session a request brings and sets nothing when nothing changed', async () => {
    const { config, engine } = setup()
    const cookie = await signedIn(engine)
    const page = new Response('page')
    const response = await call(sessionMiddleware<Data>(config), new Request(`${ORIGIN}/`, { headers: { cookie } }), ({ locals }) => {
      expect(locals.session?.get('name')).toBe('Ada')
      return page
    })
    expect(response).toBe(page)
    expect(response.headers.getSetCookie()).toEqual([])
    expect(response.headers.get('cache-control')).toBeNull()
  })

  it('commits on an immutable response (Response.redirect) through a copy', async () => {
    const { config, engine } = setup()
    const response = await call(sessionMiddleware<Data>(config), new Request(`${ORIGIN}/login`, { method: 'POST' }), async ({ locals }) => {
      await locals.session!.login('ada')
      return Response.redirect(`${ORIGIN}/account`, 303)
    })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe(`${ORIGIN}/account`)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect((await engine.load(CookieJar.from().update(response).header())).subject).toBe('ada')
  })

  it('removes the cookie after logout(), and a tampered or expired cookie on the next response', async () => {
    const { clock, config, engine } = setup()
    const middleware = sessionMiddleware<Data>(config)
    const cookie = await signedIn(engine)
    const out = await call(middleware, new Request(`${ORIGIN}/logout`, { method: 'POST', headers: { cookie } }), async ({ locals }) => {
      await locals.session!.logout()
      return new Response(null, { status: 204 })
    })
    expect(out.headers.getSetCookie()[0]).toMatch(/^__Host-session=; Max-Age=0;/)

    const value = CookieJar.from(cookie).get('__Host-session')!
    const tampered = `__Host-session=${value.slice(0, 30)}${value[30] === 'A' ? 'B' : 'A'}${value.slice(31)}`
    const refused = await call(middleware, new Request(`${ORIGIN}/`, { headers: { cookie: tampered } }), ({ locals }) => {
      expect(locals.session?.isNew).toBe(true)
      return new Response('signed out')
    })
    expect(CookieJar.from(tampered).update(refused).has('__Host-session')).toBe(false)

    clock.advance(25 * 3600) // idle timeout: 1 day
    const expired = await call(middleware, new Request(`${ORIGIN}/`, { headers: { cookie } }), ({ locals }) => {
      expect(locals.session?.subject).toBeUndefined()
      return new Response('signed out')
    })
    expect(CookieJar.from(cookie).update(expired).has('__Host-session')).toBe(false)
  })

  it("composes with Astro's sequence(): later middleware reads the session and can change it", async () => {
    const { config, engine } = setup()
    const guard = defineMiddleware((context, next) => {
      const locals: Partial<SessionLocals<Data>> = context.locals
      if (locals.session?.subject === undefined) return context.redirect('/login', 303)
      locals.session.set('notes', 'seen by the guard')
      return next()
    })
    const onRequest = sequence(sessionMiddleware<Data>(config), guard)
    const anonymous = await call(onRequest, new Request(`${ORIGIN}/account`))
    expect(anonymous.status).toBe(303)
    expect(anonymous.headers.getSetCookie()).toEqual([])
    const cookie = await signedIn(engine)
    const response = await call(onRequest, new Request(`${ORIGIN}/account`, { headers: { cookie } }))
    expect(response.status).toBe(200)
    expect((await engine.load(CookieJar.from(cookie).update(response).header())).get('notes')).toBe('seen by the guard')
  })

  it('runs once per request: a second pass with the same locals (a rewrite) keeps the first session', async () => {
    const { config } = setup()
    const middleware = sessionMiddleware<Data>(config)
    const context = contextFor(new Request(`${ORIGIN}/`))
    const response = await middleware(context, async () => {
      const outer = context.locals.session
      const inner = await middleware(context, async () => {
        expect(context.locals.session).toBe(outer)
        outer!.set('name', 'Ada')
        return new Response('rewritten')
      })
      return inner as Response
    })
    expect((response as Response).headers.getSetCookie()).toHaveLength(1)
  })

  it('calls options given as a function with the context, per request', async () => {
    const seen: string[] = []
    const middleware = sessionMiddleware<Data>((context) => {
      seen.push(context.url.pathname)
      return { secrets: SECRET_A }
    })
    await call(middleware, new Request(`${ORIGIN}/a`))
    await call(middleware, new Request(`${ORIGIN}/b`))
    expect(seen).toEqual(['/a', '/b'])
  })

  it('refuses bad fixed options when it is built, not at a request', () => {
    expect(() => sessionMiddleware({ secrets: 'short' })).toThrow(ConfigurationError)
  })

  it('throws SessionTooLargeError when the session outgrows its cookie, and sends no cookie', async () => {
    const { config } = setup()
    let cancelled = false
    const body = new ReadableStream({ cancel: () => void (cancelled = true) })
    const attempt = call(sessionMiddleware<Data>(config), new Request(`${ORIGIN}/notes`, { method: 'POST' }), ({ locals }) => {
      locals.session!.set('notes', 'x'.repeat(5000))
      return new Response(body)
    })
    const error = await attempt.catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(SessionTooLargeError)
    expect((error as SessionTooLargeError).code).toBe('ERR_SESSION_TOO_LARGE')
    expect(cancelled).toBe(true) // Astro renders its error page instead: the page's body is released
  })

  it('commits nothing when the page or route throws', async () => {
    const { config } = setup()
    const attempt = call(sessionMiddleware<Data>(config), new Request(`${ORIGIN}/login`, { method: 'POST' }), async ({ locals }) => {
      await locals.session!.login('ada')
      throw new Error('the database is down')
    })
    await expect(attempt).rejects.toThrow('the database is down')
  })
})

describe('sessionMiddleware on prerendered pages', () => {
  it('reads no cookie, sets none, and makes locals.session throw with the fix', async () => {
    const { config, engine } = setup()
    const cookie = await signedIn(engine)
    const page = new Response('<h1>static</h1>')
    const response = await call(
      sessionMiddleware<Data>(config),
      new Request(`${ORIGIN}/about`, { headers: { cookie } }),
      ({ locals }) => {
        expect(() => locals.session).toThrow(ConfigurationError)
        expect(() => locals.session).toThrow(/prerendered.*export const prerender = false/)
        expect(() => locals.sessions).toThrow(ConfigurationError)
        return page
      },
      { prerendered: true },
    )
    expect(response).toBe(page)
    expect(response.headers.getSetCookie()).toEqual([])
  })

  it('does not call options given as a function (no secrets at build time)', async () => {
    let calls = 0
    const middleware = sessionMiddleware<Data>(() => {
      calls++
      return { secrets: SECRET_A }
    })
    await call(middleware, new Request(`${ORIGIN}/about`), () => new Response('static'), { prerendered: true })
    expect(calls).toBe(0)
  })
})

describe('sessionMiddleware csrf: a synchronizer token beside Astro checkOrigin', () => {
  async function withToken(config: SessionOptions) {
    const middleware = sessionMiddleware<Data>(config, { csrf: true })
    let token = ''
    const page = await call(middleware, new Request(`${ORIGIN}/login`), ({ locals }) => {
      token = locals.session!.csrfToken()
      return new Response('form')
    })
    return { middleware, token, cookie: CookieJar.from().update(page).header() }
  }

  it('refuses an unsafe method without a valid token (403) before the route runs', async () => {
    const { config } = setup()
    const { middleware, cookie } = await withToken(config)
    let ran = false
    const route = () => {
      ran = true
      return new Response('changed')
    }
    const form = { 'content-type': 'application/x-www-form-urlencoded', cookie }
    for (const body of ['name=Mallory', '_csrf=forged&name=Mallory']) {
      const response = await call(middleware, new Request(`${ORIGIN}/login`, { method: 'POST', headers: form, body }), route)
      expect(response.status).toBe(403)
      expect(await response.text()).toBe('Invalid or missing CSRF token')
      expect(response.headers.getSetCookie()).toEqual([])
    }
    const json = await call(middleware, new Request(`${ORIGIN}/api/me`, { method: 'PATCH', headers: { cookie, 'content-type': 'application/json' }, body: '{}' }), route)
    expect(json.status).toBe(403)
    expect(ran).toBe(false)
  })

  it('accepts the token from the form field (the route can still read the form) or the x-csrf-token header', async () => {
    const { config } = setup()
    const { middleware, token, cookie } = await withToken(config)
    const form = new URLSearchParams({ _csrf: token, name: 'Ada' })
    const posted = await call(
      middleware,
      new Request(`${ORIGIN}/login`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: form }),
      async ({ request }) => new Response(String((await request.formData()).get('name'))),
    )
    expect(posted.status).toBe(200)
    expect(await posted.text()).toBe('Ada')
    const patched = await call(middleware, new Request(`${ORIGIN}/api/me`, { method: 'PATCH', headers: { cookie, 'x-csrf-token': token }, body: '{}' }))
    expect(patched.status).toBe(200)
  })

  it('reads only the first 64 KiB of a form: a 64 MiB body without the token is refused unread, a token first lets the route read it all', async () => {
    const { config } = setup()
    const { middleware, token, cookie } = await withToken(config)
    const form = { 'content-type': 'application/x-www-form-urlencoded', cookie }
    const hostile = generatedBody(64 * 1024 * 1024, { head: 'notes=' })
    const refused = await call(middleware, new Request(`${ORIGIN}/login`, { method: 'POST', headers: form, body: hostile.stream, duplex: 'half' } as RequestInit))
    expect(refused.status).toBe(403)
    expect(hostile.pulled()).toBeLessThan(1024 * 1024)
    const notes = 'n'.repeat(200 * 1024)
    const posted = await call(
      middleware,
      new Request(`${ORIGIN}/login`, { method: 'POST', headers: form, body: new URLSearchParams({ _csrf: token, notes }) }),
      async ({ request }) => new Response(String((await request.formData()).get('notes'))),
    )
    expect(posted.status).toBe(200)
    expect(await posted.text()).toBe(notes)
  })

  it('lets GET, HEAD and OPTIONS through without a token', async () => {
    const { config } = setup()
    const middleware = sessionMiddleware<Data>(config, { csrf: { header: 'x-token', field: 'token' } })
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      expect((await call(middleware, new Request(`${ORIGIN}/`, { method }))).status).toBe(200)
    }
  })
})
