import { Elysia, status } from 'elysia'
import { sealedSession } from 'sealed-session/elysia'
import { describe, expect, it } from 'vitest'
import { CookieJar } from '../support/jar.mjs'

type Data = { step: number }
const secrets = 'a-test-secret-of-at-least-32-characters-0123456789'

function appWith() {
  return new Elysia()
    .use(sealedSession<Data>({ secrets }))
    .get('/plain', ({ session }) => {
      session.set('step', 1)
      return 'plain'
    })
    .get('/response', ({ session }) => {
      session.set('step', 2)
      return new Response('own', { headers: { 'cache-control': 'private, max-age=60', 'set-cookie': 'own=1; Path=/', vary: 'Accept' } })
    })
    .get('/fail', ({ session }) => {
      session.set('step', 4)
      throw new Error('boom')
    })
    .get('/teapot', ({ session }) => {
      session.set('step', 5)
      return status(503, 'down')
    })
    .get('/named', ({ session, set }) => {
      session.set('step', 6)
      set.status = 'Service Unavailable'
      return 'down'
    })
    .get('/thrown-string', ({ session }) => {
      session.set('step', 7)
      throw 'not an Error'
    })
    .get('/refused', ({ session }) => {
      session.set('step', 8)
      throw status(401, 'Sign in first')
    })
    .get('/read', ({ session }) => session.get('step') ?? 0)
}

async function get(app: { handle(request: Request): Promise<Response> }, path: string, jar = new CookieJar()) {
  const response = await app.handle(new Request(`http://localhost${path}`, { headers: jar.size > 0 ? { cookie: jar.header() } : {} }))
  jar.update(response)
  return response
}

describe('sealed-session/elysia', () => {
  it('commits a plain value through set: the cookie, no-store and Vary: Cookie', async () => {
    const response = await get(appWith(), '/plain')
    expect(response.status).toBe(200)
    // Elysia's jar writes the attributes in its own order.
    const [line = '', ...more] = response.headers.getSetCookie()
    expect(more).toEqual([])
    expect(line).toMatch(/^__Host-session=[\w-]{100,}; /)
    expect(line.split('; ').slice(1).sort()).toEqual(['HttpOnly', 'Max-Age=86400', 'Path=/', 'SameSite=Lax', 'Secure'])
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('vary')).toBe('Cookie')
  })

  it("commits onto a returned Response, after its own cookie and merged with its Cache-Control and Vary", async () => {
    const response = await get(appWith(), '/response')
    expect(response.headers.getSetCookie()).toEqual(['own=1; Path=/', expect.stringMatching(/^__Host-session=/)])
    expect(response.headers.get('cache-control')).toBe('private, max-age=60, no-store')
    expect(response.headers.get('vary')).toBe('Accept, Cookie')
  })

  it('leaves the session as it was when the handler throws or answers 5xx', async () => {
    for (const path of ['/fail', '/teapot', '/named', '/thrown-string']) {
      const response = await get(appWith(), path)
      expect(response.status, path).toBeGreaterThanOrEqual(500)
      expect(response.headers.getSetCookie(), path).toEqual([])
    }
  })

  it("commits a thrown 4xx through onError, also when the app's own onError answers it", async () => {
    const plain = await get(appWith(), '/refused')
    expect(plain.status).toBe(401)
    expect(plain.headers.getSetCookie()).toHaveLength(1)
    expect(plain.headers.get('cache-control')).toBe('no-store')
    const custom = appWith().onError(({ code }) => (code === 401 ? new Response('custom', { status: 401 }) : undefined))
    const answered = await get(custom, '/refused')
    expect(await answered.text()).toBe('custom')
    expect(answered.headers.getSetCookie()).toHaveLength(1)
  })

  it('checks CSRF before Elysia parses the body: the form field counts, the handler still gets the whole form', async () => {
    const app = new Elysia()
      .use(sealedSession<Data>({ secrets }, { csrf: true }))
      .get('/token', ({ session }) => session.csrfToken())
      .post('/form', ({ body }) => body)
    const jar = new CookieJar()
    const token = await (await get(app, '/token', jar)).text()
    const post = (form: Record<string, string>) =>
      app.handle(new Request('http://localhost/form', { method: 'POST', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) }))
    const accepted = await post({ _csrf: token, note: 'hello' })
    expect(accepted.status).toBe(200)
    expect(await accepted.json()).toEqual({ _csrf: token, note: 'hello' })
    const refused = await post({ note: 'hello' })
    expect(refused.status).toBe(403)
    expect(await refused.text()).toBe('Invalid or missing CSRF token')
    expect(refused.headers.get('cache-control')).toBe('no-store')
    expect(refused.headers.getSetCookie()).toEqual([])
  })

  it('takes the options as a function of the Request', async () => {
    const app = new Elysia()
      .use(sealedSession<Data>((request) => ({ secrets, cookie: { name: request.headers.has('x-beta') ? '__Host-beta' : '__Host-session' } })))
      .get('/', ({ session }) => {
        session.set('step', 1)
        return 'ok'
      })
    const beta = await app.handle(new Request('http://localhost/', { headers: { 'x-beta': '1' } }))
    expect(beta.headers.getSetCookie()[0]).toMatch(/^__Host-beta=/)
  })

  it('reads the committed session back, and loads once when the plugin is used twice', async () => {
    const plugin = sealedSession<Data>({ secrets })
    const sub = new Elysia().use(plugin).get('/sub', ({ session }) => {
      session.set('step', (session.get('step') ?? 0) + 10)
      return 'sub'
    })
    const app = new Elysia().use(plugin).use(sub).get('/read', ({ session }) => session.get('step') ?? 0)
    const jar = new CookieJar()
    const first = await get(app, '/sub', jar)
    expect(first.headers.getSetCookie()).toHaveLength(1)
    expect(await (await get(app, '/read', jar)).text()).toBe('10')
  })

  it('refuses an unknown setting when the plugin is built', () => {
    // @ts-expect-error not a setting
    expect(() => sealedSession({ secrets }, { csfr: true })).toThrow(/csfr/)
  })
})
