import { NextRequest, NextResponse, type NextFetchEvent } from 'next/server.js'
import { describe, expect, it } from 'vitest'
import { createSessions } from '../../src/index.js'
import { nextSessions, type SessionProxyHandler } from '../../src/next/index.js'
import { committedCookies } from '../../src/next/cookies.js'
import { Clock, cookieHeader, SECRET_A } from '../support/index.js'

type Data = { name: string }

function setup(handler?: SessionProxyHandler<Data>) {
  const clock = new Clock()
  const sessions = nextSessions<Data>({ secrets: SECRET_A, clock: { now: clock.now } })
  const proxy = sessions.proxy(handler)
  // next/server exports NextFetchEvent as a type only; the proxy passes it through untouched.
  const event = { waitUntil: () => {} } as unknown as NextFetchEvent
  const call = (request: NextRequest) => proxy(request, event)
  return { clock, sessions, call }
}

function request(path: string, headers: Record<string, string> = {}): NextRequest {
  return new NextRequest(`https://example.com${path}`, { headers })
}

/** A cookie of a signed-in session sealed `secondsAgo` ago, as the browser sends it. */
async function signedInCookie(clock: Clock, secondsAgo = 0): Promise<string> {
  const then = clock.ms - secondsAgo * 1000
  const engine = createSessions<Data>({ secrets: SECRET_A, clock: { now: () => then } })
  const session = await engine.load(null)
  await session.login('ada')
  session.set('name', 'Ada')
  return cookieHeader(await engine.commit(session))
}

/** The request headers Next.js gives the route after this proxy response. */
function forwarded(response: Response): Record<string, string> | undefined {
  const list = response.headers.get('x-middleware-override-headers')
  if (list === null) return undefined
  const out: Record<string, string> = {}
  for (const name of list.split(',')) {
    const value = response.headers.get(`x-middleware-request-${name}`)
    if (value !== null) out[name] = value
  }
  return out
}

describe('committedCookies', () => {
  it('reads back every attribute the engine writes, so the cookie store re-creates the same cookie', async () => {
    const engine = createSessions({ secrets: SECRET_A, cookie: { name: 'sid', domain: 'example.com', sameSite: 'None', partitioned: true } })
    const session = await engine.load(null)
    session.set('a', 1)
    const [cookie] = committedCookies(await engine.commit(session))
    expect(cookie).toMatchObject({ name: 'sid', maxAge: 86400, path: '/', domain: 'example.com', secure: true, httpOnly: true, sameSite: 'none', partitioned: true })
    expect(cookie!.value).toMatch(/^[A-Za-z0-9_-]{100,}$/)
  })

  it('keeps Secure and Path on the cookie that removes a __Host- session, or browsers ignore it (iron-session #910)', async () => {
    const engine = createSessions({ secrets: SECRET_A })
    const session = await engine.load(await signedInCookie(new Clock(Date.now())))
    session.destroy()
    expect(committedCookies(await engine.commit(session))).toEqual([
      { name: '__Host-session', value: '', maxAge: 0, path: '/', secure: true, httpOnly: true, sameSite: 'lax', partitioned: false },
    ])
  })
})

describe('nextSessions().proxy()', () => {
  it('lets a request continue untouched when the session needs no cookie', async () => {
    const { call } = setup()
    const response = await call(request('/dashboard', { cookie: 'a=1' }))
    expect(response.headers.get('x-middleware-next')).toBe('1')
    expect(response.headers.getSetCookie()).toEqual([])
    expect(forwarded(response)).toBeUndefined()
  })

  it('forwards a session created in the proxy to the route on the request headers', async () => {
    const { call, sessions } = setup(async (_request, session) => {
      await session.login('ada')
      session.set('name', 'Ada')
    })
    const response = await call(request('/dashboard', { cookie: 'a=1', 'x-trace': 't1' }))
    const [setCookie] = response.headers.getSetCookie()
    expect(setCookie).toMatch(/^__Host-session=[A-Za-z0-9_-]+; Max-Age=86400; Path=\/; Secure; HttpOnly; SameSite=Lax$/)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const route = forwarded(response)!
    expect(route['x-trace']).toBe('t1')
    expect(route.cookie).toBe(`a=1; ${setCookie!.split(';')[0]}`)
    const seen = await sessions.engine.load(route.cookie!)
    expect(seen.subject).toBe('ada')
    expect(seen.get('name')).toBe('Ada')
  })

  it('forwards a rolling refresh, so the route sees the new idle expiry (iron-session #709, #887)', async () => {
    const { call, clock, sessions } = setup()
    const old = await signedInCookie(clock, 7 * 3600)
    const response = await call(request('/dashboard', { cookie: old }))
    expect(response.headers.getSetCookie()).toHaveLength(1)
    const route = forwarded(response)!
    expect(route.cookie).not.toBe(old)
    const seen = await sessions.engine.load(route.cookie!)
    expect(seen.idleExpiresAt.getTime()).toBe((clock.seconds + 86400) * 1000)
  })

  it('takes a destroyed session out of the forwarded Cookie header and expires it', async () => {
    const { call, clock } = setup((_request, session) => session.destroy())
    const response = await call(request('/dashboard', { cookie: `theme=dark; ${await signedInCookie(clock)}` }))
    expect(response.headers.getSetCookie()).toEqual(['__Host-session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax'])
    expect(forwarded(response)!.cookie).toBe('theme=dark')
  })

  it('drops the Cookie header from the route when our cookie was the only one', async () => {
    const { call, clock } = setup((_request, session) => session.destroy())
    const response = await call(request('/dashboard', { cookie: await signedInCookie(clock) }))
    expect(forwarded(response)!.cookie).toBeUndefined()
    expect(response.headers.get('x-middleware-override-headers')!.split(',')).not.toContain('cookie')
  })

  it('sets the cookie on a redirect the handler returns, without forwarding', async () => {
    const { call } = setup(async (req, session) => {
      await session.login('ada')
      return NextResponse.redirect(new URL('/dashboard', req.url))
    })
    const response = await call(request('/login'))
    expect(response.status).toBe(307)
    expect(response.headers.getSetCookie()).toHaveLength(1)
    expect(forwarded(response)).toBeUndefined()
  })

  it('copies a Response with immutable headers (Response.redirect) to set the cookie', async () => {
    const { call } = setup(async (_request, session) => {
      await session.login('ada')
      return Response.redirect('https://example.com/dashboard', 303)
    })
    const response = await call(request('/login'))
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('https://example.com/dashboard')
    expect(response.headers.getSetCookie()).toHaveLength(1)
  })

  it("merges the cookie into a NextResponse.next() that overrides other request headers, keeping them", async () => {
    const { call, clock } = setup((req) => {
      const headers = new Headers(req.headers)
      headers.set('x-user-id', 'u1')
      return NextResponse.next({ request: { headers }, headers: { 'x-frame-options': 'DENY' } })
    })
    const old = await signedInCookie(clock, 7 * 3600)
    const response = await call(request('/dashboard', { cookie: `${old}; b=2` }))
    expect(response.headers.get('x-frame-options')).toBe('DENY')
    const route = forwarded(response)!
    expect(route['x-user-id']).toBe('u1')
    expect(route.cookie).toBe(`b=2; ${response.headers.getSetCookie()[0]!.split(';')[0]}`)
  })

  it('forwards the cookie on a plain NextResponse.next() and on a rewrite', async () => {
    for (const make of [() => NextResponse.next(), () => NextResponse.rewrite(new URL('https://example.com/other'))]) {
      const { call, clock } = setup(() => make())
      const response = await call(request('/dashboard', { cookie: await signedInCookie(clock, 7 * 3600), accept: 'text/html' }))
      const route = forwarded(response)!
      expect(route.accept).toBe('text/html')
      expect(route.cookie).toBe(response.headers.getSetCookie()[0]!.split(';')[0])
    }
  })

  it('sends nothing when the handler throws: no half-finished sign-in', async () => {
    const { call } = setup(async (_request, session) => {
      await session.login('ada')
      throw new Error('database down')
    })
    await expect(call(request('/login'))).rejects.toThrow('database down')
  })
})

describe('nextSessions() options', () => {
  it('checks an options object at once, and an options function only when used', () => {
    expect(() => nextSessions({ secrets: 'short' })).toThrow(/32/)
    const lazy = nextSessions(() => ({ secrets: 'short' }))
    expect(() => lazy.engine).toThrow(/32/)
  })
})
