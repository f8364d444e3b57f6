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
    for (const path of ['/fail', '/teapot']) {
      const response = await get(appWith(), path)
      expect(response.status, path).toBeGreaterThanOrEqual(500)
      expect(response.headers.getSetCookie(), path).toEqual([])
    }
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
