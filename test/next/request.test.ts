import { NextRequest, NextResponse, type NextFetchEvent } from 'next/server.js'
import { RequestCookies, ResponseCookies } from 'next/dist/server/web/spec-extension/cookies.js'
import { RequestCookiesAdapter } from 'next/dist/server/web/spec-extension/adapters/request-cookies.js'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createSessions, SessionError } from '../../src/index.js'
import { nextSessions, NextReadonlyCookiesError } from '../../src/next/index.js'
import { cookieHeader, SECRET_A } from '../support/index.js'

// `get()`, `save()` and `respond()` as Next.js calls them: `next/headers.js` is replaced by
// a stand-in whose cookie store is one of Next's own (the read-only one a server component
// gets, or a writable one as in a server action).
const request = vi.hoisted(() => ({ cookies: undefined as unknown, headers: new Headers(), refusal: undefined as unknown, connections: 0 }))
vi.mock('next/headers.js', () => ({
  cookies: async () => {
    if (request.refusal !== undefined) throw request.refusal
    return request.cookies
  },
  headers: async () => request.headers,
}))
// connection() needs Next.js's request scope; here every call is a request.
vi.mock('next/server.js', async (original) => ({ ...(await original<typeof import('next/server.js')>()), connection: async () => { request.connections++ } }))

type Data = { name: string }

async function signedInCookie(): Promise<string> {
  const engine = createSessions<Data>({ secrets: SECRET_A })
  const session = await engine.load(null)
  await session.login('ada')
  session.set('name', 'Ada')
  return cookieHeader(await engine.commit(session))
}

/** The store a server component gets: Next's RequestCookiesAdapter.seal(), whose set() throws. */
function renderStore(cookie: string) {
  return RequestCookiesAdapter.seal(new RequestCookies(new Headers({ cookie })))
}

/** A writable store, as in a server action: what set() wrote comes back out as Set-Cookie. */
function actionStore(cookie: string) {
  const written = new Headers()
  const store = new ResponseCookies(written)
  for (const { name, value } of new RequestCookies(new Headers({ cookie })).getAll()) store.set(name, value)
  return { store, written }
}

beforeEach(() => {
  request.cookies = undefined
  request.headers = new Headers()
  request.refusal = undefined
  request.connections = 0
})

describe('get() touches the request first', () => {
  it('does not resolve the options when Next.js stops a prerender at cookies() (next build needs no secret)', async () => {
    const options = vi.fn(() => ({ secrets: process.env.NO_SUCH_SECRET ?? '' }))
    const sessions = nextSessions<Data>(options)
    const bailout = new Error('Dynamic server usage: Route / couldn\'t be rendered statically because it used `cookies`')
    request.refusal = bailout
    await expect(sessions.get()).rejects.toBe(bailout)
    await expect(sessions.save({} as never)).rejects.toBe(bailout)
    expect(options).not.toHaveBeenCalled()
  })

  it('reads the session from the request once there is one', async () => {
    const sessions = nextSessions<Data>(() => ({ secrets: SECRET_A }))
    request.cookies = renderStore(await signedInCookie())
    const session = await sessions.get()
    expect(session.subject).toBe('ada')
  })

  it('reads the clock only after connection() (Cache Components refuse Date.now() in a prerender)', async () => {
    const calls: string[] = []
    const cookie = await signedInCookie()
    request.cookies = renderStore(cookie)
    const connections = request.connections
    const sessions = nextSessions<Data>(() => ({
      secrets: SECRET_A,
      clock: { now: () => {
        calls.push(request.connections > connections ? 'clock after connection()' : 'clock before connection()')
        return Date.now()
      } },
    }))
    expect((await sessions.get()).subject).toBe('ada')
    expect(calls.length).toBeGreaterThan(0)
    expect(new Set(calls)).toEqual(new Set(['clock after connection()']))
  })
})

describe('save() where Next.js forbids setting cookies', () => {
  it('fails in a server component render with NextReadonlyCookiesError, saying where save() works', async () => {
    const sessions = nextSessions<Data>({ secrets: SECRET_A })
    request.cookies = renderStore(await signedInCookie())
    const session = await sessions.get()
    session.set('name', 'Grace')
    const error = await sessions.save(session).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(NextReadonlyCookiesError)
    expect(error).toBeInstanceOf(SessionError)
    const refused = error as NextReadonlyCookiesError
    expect(refused.code).toBe('ERR_SESSION_NEXT_READONLY')
    expect(NextReadonlyCookiesError.code).toBe('ERR_SESSION_NEXT_READONLY')
    expect(refused.name).toBe('NextReadonlyCookiesError')
    // Next's ReadonlyRequestCookiesError (its class is not in next's type declarations).
    expect((refused.cause as Error).constructor.name).toBe('ReadonlyRequestCookiesError')
    expect((refused.cause as Error).message).toMatch(/^Cookies can only be modified in a Server Action or Route Handler/)
    for (const words of ['server action', 'route handler', 'respond(', 'proxy']) expect(refused.message).toContain(words)
  })

  it('stays silent in a render when there is nothing to write', async () => {
    const sessions = nextSessions<Data>({ secrets: SECRET_A })
    request.cookies = renderStore(await signedInCookie())
    await expect(sessions.save(await sessions.get())).resolves.toBeUndefined()
  })

  it('passes other errors of the cookie store through unchanged', async () => {
    const sessions = nextSessions<Data>({ secrets: SECRET_A })
    const broken = new TypeError('store is broken')
    request.cookies = { getAll: () => [], set: () => { throw broken } }
    const session = await sessions.get()
    session.set('name', 'Grace')
    await expect(sessions.save(session)).rejects.toBe(broken)
  })

  it('writes through the store in a server action', async () => {
    const sessions = nextSessions<Data>({ secrets: SECRET_A })
    const { store, written } = actionStore('')
    request.cookies = store
    const session = await sessions.get()
    await session.login('grace')
    await sessions.save(session)
    const [setCookie] = written.getSetCookie()
    expect(setCookie).toMatch(/^__Host-session=[A-Za-z0-9_-]+; Path=\/; /)
    for (const attribute of ['Max-Age=86400', 'Secure', 'HttpOnly', 'SameSite=lax']) expect(setCookie).toContain(attribute)
  })
})

describe('respond() for route handlers', () => {
  it('puts the Set-Cookie on the response with Cache-Control: no-store and Vary: Cookie (issue 11, item 7)', async () => {
    const sessions = nextSessions<Data>({ secrets: SECRET_A })
    request.cookies = renderStore('')
    const session = await sessions.get()
    await session.login('grace')
    const original = Response.json({ ok: true }, { headers: { 'Cache-Control': 'private', Vary: 'Accept' } })
    const response = await sessions.respond(session, original)
    expect(response).toBe(original)
    expect(response.headers.getSetCookie()).toHaveLength(1)
    expect(response.headers.get('cache-control')).toBe('private, no-store')
    expect(response.headers.get('vary')).toBe('Accept, Cookie')
  })

  it('copies a response with immutable headers (Response.redirect) and keeps its status and location', async () => {
    const sessions = nextSessions<Data>({ secrets: SECRET_A })
    request.cookies = renderStore(await signedInCookie())
    const session = await sessions.get()
    await session.logout()
    const response = await sessions.respond(session, Response.redirect('https://example.com/signed-out', 303))
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('https://example.com/signed-out')
    expect(response.headers.getSetCookie()).toEqual(['__Host-session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax'])
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it('leaves the response alone when nothing changed', async () => {
    const sessions = nextSessions<Data>({ secrets: SECRET_A })
    request.cookies = renderStore(await signedInCookie())
    const original = new Response('hi', { headers: { 'Cache-Control': 'public, max-age=60' } })
    const response = await sessions.respond(await sessions.get(), original)
    expect(response).toBe(original)
    expect(response.headers.getSetCookie()).toEqual([])
    expect(response.headers.get('cache-control')).toBe('public, max-age=60')
  })
})

describe('proxy() and the render of a server action redirect', () => {
  const event = { waitUntil: () => {} } as unknown as NextFetchEvent

  it('makes the response no-store: Next.js copies its headers onto the action response that sets the cookie', async () => {
    const proxy = nextSessions<Data>({ secrets: SECRET_A }).proxy()
    const response = await proxy(new NextRequest('https://example.com/signed-out', { headers: { rsc: '1', 'x-action-redirect': '/signed-out;push' } }), event)
    expect(response.headers.get('x-middleware-next')).toBe('1')
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it('adds no-store to a response the handler returns for it, copying an immutable one', async () => {
    const proxy = nextSessions<Data>({ secrets: SECRET_A }).proxy(() => Response.redirect('https://example.com/login', 307))
    const response = await proxy(new NextRequest('https://example.com/signed-out', { headers: { 'x-action-redirect': '/signed-out;push' } }), event)
    expect(response.status).toBe(307)
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it("reads its copy of a posted body to the end before the request continues (Next 15's Node.js middleware does not wait for it)", async () => {
    const proxy = nextSessions<Data>({ secrets: SECRET_A }).proxy()
    const posted = new NextRequest('https://example.com/login', { method: 'POST', body: 'name=Ada' })
    const response = await proxy(posted, event)
    expect(response.headers.get('x-middleware-next')).toBe('1')
    expect(posted.bodyUsed).toBe(true)
  })

  it('leaves other requests that set no cookie to Next.js caching', async () => {
    const proxy = nextSessions<Data>({ secrets: SECRET_A }).proxy(() => NextResponse.next({ headers: { 'Cache-Control': 'public, max-age=60' } }))
    const response = await proxy(new NextRequest('https://example.com/signed-out'), event)
    expect(response.headers.get('cache-control')).toBe('public, max-age=60')
  })
})
