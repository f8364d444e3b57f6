import { Hono } from 'hono'
import { setCookie } from 'hono/cookie'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { ConfigurationError, SessionTooLargeError, type Session } from 'sealed-session'
import { session } from 'sealed-session/hono'
import { memoryRevocations } from 'sealed-session/memory'
import { Clock, SECRET_A, SECRET_B } from '../support/index.js'

type Data = { cart: string[] }

function cookieOf(response: Response): string {
  return response.headers
    .getSetCookie()
    .filter((line) => line.startsWith('__Host-session=') && !line.includes('Max-Age=0'))
    .map((line) => line.slice(0, line.indexOf(';')))
    .join('; ')
}

describe('session() for Hono', () => {
  const app = new Hono()
    .use(session<Data>({ secrets: SECRET_A }))
    .post('/add', (c) => {
      const s = c.get('session')
      expectTypeOf(s).toEqualTypeOf<Session<Data>>()
      expectTypeOf(s.get('cart')).toEqualTypeOf<string[] | undefined>()
      s.set('cart', [...(s.get('cart') ?? []), 'apple'])
      setCookie(c, 'theme', 'dark')
      c.header('Cache-Control', 'private, max-age=60')
      c.header('Vary', 'Accept-Language')
      return c.text('added')
    })
    .get('/', (c) => c.json(c.get('session').get('cart') ?? []))
    .get('/fail', (c) => {
      c.get('session').set('cart', ['never saved'])
      throw new Error('handler failed')
    })
    .get('/redirect', (c) => {
      c.get('session').set('cart', ['via redirect'])
      return Response.redirect('https://example.com/next', 302)
    })

  it('appends its cookie beside the app’s and merges Cache-Control and Vary', async () => {
    const response = await app.request('/add', { method: 'POST' })
    const cookies = response.headers.getSetCookie()
    expect(cookies).toHaveLength(2)
    expect(cookies[0]).toBe('theme=dark; Path=/')
    expect(cookies[1]).toMatch(/^__Host-session=/)
    expect(response.headers.get('cache-control')).toBe('private, max-age=60, no-store')
    expect(response.headers.get('vary')).toBe('Accept-Language, Cookie')
  })

  it('does nothing to a response when the session did not change', async () => {
    const cookie = cookieOf(await app.request('/add', { method: 'POST' }))
    const response = await app.request('/', { headers: { cookie } })
    expect(await response.json()).toEqual(['apple'])
    expect(response.headers.getSetCookie()).toEqual([])
    expect(response.headers.get('cache-control')).toBeNull()
    expect(response.headers.get('vary')).toBeNull()
  })

  it('does not commit a session whose handler failed', async () => {
    const response = await app.request('/fail')
    expect(response.status).toBe(500)
    expect(response.headers.getSetCookie()).toEqual([])
  })

  it('writes into a response whose headers are immutable', async () => {
    const response = await app.request('/redirect')
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('https://example.com/next')
    const cookie = cookieOf(response)
    expect(await (await app.request('/', { headers: { cookie } })).json()).toEqual(['via redirect'])
  })

  it('throws SessionTooLargeError into onError and sends no cookie', async () => {
    const big = new Hono()
      .use(session<Data>({ secrets: SECRET_A }))
      .post('/grow', (c) => {
        c.get('session').set('cart', ['x'.repeat(5000)])
        return c.text('ok')
      })
    big.onError((error, c) => {
      expect(error).toBeInstanceOf(SessionTooLargeError)
      return c.text(error.message, 507)
    })
    const response = await big.request('/grow', { method: 'POST' })
    expect(response.status).toBe(507)
    expect(await response.text()).toMatch(/Session cookie "__Host-session" needs \d+ bytes \(name \+ value\) but at most 4096 fit \(\d+ bytes over\).*maxChunks: 2/)
    expect(response.headers.getSetCookie()).toEqual([])
  })

  it('refuses fixed options when the middleware is built', () => {
    expect(() => session({ secrets: 'too short' })).toThrowError(ConfigurationError)
  })

  it('computes options per request from c.env', async () => {
    type Env = { Bindings: { SECRETS: string } }
    const perRequest = new Hono<Env>()
      .use(session<Data, Env>((c) => ({ secrets: c.env.SECRETS.split(' ') })))
      .post('/add', (c) => {
        c.get('session').set('cart', ['pear'])
        return c.text('ok')
      })
      .get('/', (c) => c.json(c.get('session').get('cart') ?? null))
    const before = { SECRETS: SECRET_B }
    const cookie = cookieOf(await perRequest.request('/add', { method: 'POST' }, before))
    // Rotation through the environment: the new secret first, the old one still opens.
    const rotated = await perRequest.request('/', { headers: { cookie } }, { SECRETS: `${SECRET_A} ${SECRET_B}` })
    expect(await rotated.json()).toEqual(['pear'])
    expect(rotated.headers.getSetCookie()).toHaveLength(1)
    // Without the old secret the cookie no longer opens.
    expect(await (await perRequest.request('/', { headers: { cookie } }, { SECRETS: SECRET_A })).json()).toBeNull()
  })

  it('answers a bad per-request configuration with a 500, not a crash', async () => {
    type Env = { Bindings: { SECRETS: string } }
    const broken = new Hono<Env>().use(session<Data, Env>((c) => ({ secrets: c.env.SECRETS }))).get('/', (c) => c.text('ok'))
    const response = await broken.request('/', {}, { SECRETS: 'short' })
    expect(response.status).toBe(500)
  })
})

describe('revocation through the middleware (memory store)', () => {
  function build() {
    const clock = new Clock()
    const revocations = memoryRevocations({ now: clock.now })
    const app = new Hono()
      .use(session({ secrets: SECRET_A, clock: { now: clock.now }, revocation: { store: revocations, revalidateAfter: 0 } }))
      .post('/login', async (c) => {
        await c.get('session').login('ada')
        return c.text('ok')
      })
      .post('/promote', async (c) => {
        const s = c.get('session')
        s.set('role', 'admin')
        await s.regenerate()
        return c.text('ok')
      })
      .post('/logout', async (c) => {
        await c.get('session').logout()
        return c.text('ok')
      })
      .get('/', (c) => c.text(c.get('session').subject ?? 'anonymous'))
    return { app, clock, revocations }
  }

  it('logout() revokes the session: a replayed copy is refused', async () => {
    const { app } = build()
    const cookie = cookieOf(await app.request('/login', { method: 'POST' }))
    const out = await app.request('/logout', { method: 'POST', headers: { cookie } })
    expect(out.headers.getSetCookie()[0]).toContain('Max-Age=0')
    expect(await (await app.request('/', { headers: { cookie } })).text()).toBe('anonymous')
  })

  it('regenerate() after a privilege change revokes the old id and keeps the data', async () => {
    const { app } = build()
    const before = cookieOf(await app.request('/login', { method: 'POST' }))
    const after = cookieOf(await app.request('/promote', { method: 'POST', headers: { cookie: before } }))
    expect(after).not.toBe(before)
    expect(await (await app.request('/', { headers: { cookie: after } })).text()).toBe('ada')
    expect(await (await app.request('/', { headers: { cookie: before } })).text()).toBe('anonymous')
  })
})

describe('a revocation store that hangs', () => {
  it('times out, fails closed, and reports it', async () => {
    const events: string[] = []
    const clock = new Clock()
    const hanging = { isRevoked: () => new Promise<boolean>(() => {}), revoke: async () => {}, revokeSubject: async () => {} }
    const app = new Hono()
      .use(session({ secrets: SECRET_A, clock: { now: clock.now }, revocation: { store: hanging, revalidateAfter: 0, timeout: 50 }, onEvent: (e) => events.push(e.type) }))
      .post('/login', async (c) => {
        await c.get('session').login('ada')
        return c.text('ok')
      })
      .get('/', (c) => c.text(c.get('session').subject ?? 'anonymous'))
    const cookie = cookieOf(await app.request('/login', { method: 'POST' }))
    clock.advance(1)
    const response = await app.request('/', { headers: { cookie } })
    expect(await response.text()).toBe('anonymous')
    expect(response.headers.getSetCookie()).toEqual([])
    expect(events).toContain('revocation-error')
  })
})
