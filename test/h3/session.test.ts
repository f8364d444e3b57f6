import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createApp, createRouter, defineEventHandler, readBody, readMultipartFormData, sendRedirect, setResponseHeader, toNodeListener, toWebHandler, type App } from 'h3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { commitSealedSession, sealedSession, useSealedSession, useSealedSessions } from 'sealed-session/h3'
import { CookieJar } from '../support/jar.mjs'
import { Clock, SECRET_A } from '../support/index.js'

// The one data type of this suite's sessions: `useSealedSession(event)` returns Session<Data>.
declare module 'sealed-session/h3' {
  interface Register {
    data: { visits: number; blob: string }
  }
}

const clock = new Clock()

function app(): App {
  const app = createApp({ onBeforeResponse: commitSealedSession })
  app.use(sealedSession({ secrets: SECRET_A, clock: { now: clock.now } }, { csrf: true }))
  const router = createRouter()
    .get('/me', defineEventHandler((event) => {
      const session = useSealedSession(event)
      return { subject: session.subject ?? null, visits: session.get('visits') ?? 0, csrf: session.csrfToken() }
    }))
    .get('/plain', defineEventHandler(() => 'no session read'))
    .post('/login', defineEventHandler(async (event) => {
      await useSealedSession(event).login('ada')
      return { ok: true }
    }))
    .post('/visit', defineEventHandler((event) => {
      const session = useSealedSession(event)
      const visits = (session.get('visits') ?? 0) + 1
      session.set('visits', visits)
      setResponseHeader(event, 'vary', 'Accept-Encoding')
      setResponseHeader(event, 'cache-control', 'private')
      return { visits }
    }))
    .post('/form', defineEventHandler(async (event) => {
      const session = useSealedSession(event)
      session.set('visits', 100)
      // The CSRF check read a copy of the body: the handler still gets all of it.
      return { body: await readBody<Record<string, string>>(event) }
    }))
    .post('/upload', defineEventHandler(async (event) => {
      const parts = (await readMultipartFormData(event)) ?? []
      return { parts: parts.map((part) => ({ name: part.name, bytes: part.data.length })) }
    }))
    .post('/big', defineEventHandler((event) => {
      useSealedSession(event).set('blob', 'x'.repeat(5000))
      return { ok: true }
    }))
    .post('/big-then-redirect', defineEventHandler(async (event) => {
      useSealedSession(event).set('blob', 'x'.repeat(5000))
      await commitSealedSession(event)
      return sendRedirect(event, '/me', 303)
    }))
    .post('/redirect', defineEventHandler(async (event) => {
      useSealedSession(event).set('visits', 7)
      // h3 runs no onBeforeResponse for a response the handler sends itself: commit first.
      await commitSealedSession(event)
      return sendRedirect(event, '/me', 303)
    }))
    .post('/commit-twice', defineEventHandler(async (event) => {
      useSealedSession(event).set('visits', 3)
      await commitSealedSession(event)
      // Nothing changed since: the hook after this handler adds no second cookie.
      return { ok: true }
    }))
    .post('/fail', defineEventHandler((event) => {
      useSealedSession(event).set('visits', 999)
      throw new Error('the handler failed')
    }))
    .post('/logout', defineEventHandler(async (event) => {
      await useSealedSession(event).logout()
      return { ok: true }
    }))
    .post('/revoke-all', defineEventHandler((event) => ({ engine: typeof useSealedSessions(event).revokeSubject })))
  app.use(router)
  return app
}

let server: Server
let base: string

beforeAll(async () => {
  server = createServer(toNodeListener(app()))
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((closed) => server.close(() => closed())))

/** A browser of one origin: it keeps the cookies and sends the CSRF token it was given. */
function browser() {
  const jar = new CookieJar()
  let csrf = ''
  return {
    jar,
    async fetch(path: string, init: RequestInit & { token?: boolean } = {}): Promise<Response> {
      const headers = new Headers(init.headers)
      if (jar.header() !== '') headers.set('cookie', jar.header())
      if (init.token !== false && init.method !== undefined && csrf !== '') headers.set('x-csrf-token', csrf)
      const response = await fetch(`${base}${path}`, { ...init, headers, redirect: 'manual' })
      jar.update(response)
      return response
    },
    async me(): Promise<{ subject: string | null; visits: number; csrf: string }> {
      const body = (await (await this.fetch('/me')).json()) as { subject: string | null; visits: number; csrf: string }
      csrf = body.csrf
      return body
    },
  }
}

describe('sealed-session/h3 on an h3 1.15 app served by node:http', () => {
  it('signs in, reads the session on the next request and changes it', async () => {
    const b = browser()
    expect((await b.me()).subject).toBe(null)
    const login = await b.fetch('/login', { method: 'POST' })
    expect(login.status).toBe(200)
    expect(login.headers.getSetCookie()).toHaveLength(1)
    expect(login.headers.getSetCookie()[0]).toMatch(/^__Host-session=[\w-]+; .*HttpOnly/)
    expect((await b.me()).subject).toBe('ada')
    expect(await (await b.fetch('/visit', { method: 'POST' })).json()).toEqual({ visits: 1 })
    expect(await (await b.fetch('/visit', { method: 'POST' })).json()).toEqual({ visits: 2 })
    expect(await b.me()).toMatchObject({ subject: 'ada', visits: 2 })
  })

  it('sends no-store and Vary: Cookie with every cookie, merged with the handler\'s own headers', async () => {
    const b = browser()
    await b.me()
    const visit = await b.fetch('/visit', { method: 'POST' })
    expect(visit.headers.getSetCookie()).toHaveLength(1)
    expect(visit.headers.get('cache-control')).toBe('private, no-store')
    expect(visit.headers.get('vary')).toBe('Accept-Encoding, Cookie')
    // A response that leaves the cookie as it is says nothing about caching.
    const plain = await b.fetch('/plain')
    expect(plain.headers.getSetCookie()).toEqual([])
    expect(plain.headers.get('cache-control')).toBe(null)
  })

  it('refuses an unsafe request without the CSRF token with h3\'s 403, never cached, and leaves the session as it was', async () => {
    const b = browser()
    await b.me()
    await b.fetch('/login', { method: 'POST' })
    const before = b.jar.header()
    const refused = await b.fetch('/visit', { method: 'POST', token: false })
    expect(refused.status).toBe(403)
    expect(refused.headers.get('cache-control')).toBe('no-store')
    expect(refused.headers.getSetCookie()).toEqual([])
    expect(await refused.json()).toMatchObject({ statusCode: 403, statusMessage: 'Forbidden' })
    const forged = await b.fetch('/visit', { method: 'POST', token: false, headers: { 'x-csrf-token': 'forged' } })
    expect(forged.status).toBe(403)
    expect(b.jar.header()).toBe(before)
    expect((await b.me()).visits).toBe(0)
  })

  it('accepts the token as the _csrf form field, and the handler still reads the whole body', async () => {
    const b = browser()
    const { csrf } = await b.me()
    const long = 'y'.repeat(70_000)
    const form = new URLSearchParams({ _csrf: csrf, note: 'hello', long })
    const response = await b.fetch('/form', { method: 'POST', token: false, body: form })
    expect(response.status).toBe(200)
    const { body } = (await response.json()) as { body: Record<string, string> }
    expect(body).toEqual({ _csrf: csrf, note: 'hello', long })
    expect((await b.me()).visits).toBe(100)
  })

  it('answers an oversized session with h3\'s 500 "Session too large", and the browser keeps its cookie', async () => {
    const b = browser()
    await b.me()
    await b.fetch('/login', { method: 'POST' })
    // Signing in gives a new CSRF secret: the page reads the new token.
    await b.me()
    const before = b.jar.header()
    const big = await b.fetch('/big', { method: 'POST' })
    expect(big.status).toBe(500)
    expect(big.headers.getSetCookie()).toEqual([])
    const error = (await big.json()) as { statusMessage: string; data: { code: string; size: number; limit: number } }
    expect(error.statusMessage).toBe('Session too large')
    expect(error.data.code).toBe('ERR_SESSION_TOO_LARGE')
    expect(error.data.size).toBeGreaterThan(error.data.limit)
    expect(b.jar.header()).toBe(before)
    expect((await b.me()).subject).toBe('ada')
    // The same from an explicit commit before a redirect: h3's error, no redirect, no cookie.
    const redirected = await b.fetch('/big-then-redirect', { method: 'POST' })
    expect(redirected.status).toBe(500)
    expect(redirected.headers.get('location')).toBe(null)
    expect(redirected.headers.getSetCookie()).toEqual([])
  })

  it('commits before a response the handler sends itself (sendRedirect)', async () => {
    const b = browser()
    await b.me()
    const response = await b.fetch('/redirect', { method: 'POST' })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/me')
    expect(response.headers.getSetCookie()).toHaveLength(1)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect((await b.me()).visits).toBe(7)
  })

  it('sends one cookie when a handler commits and then returns (the hook finds nothing new)', async () => {
    const b = browser()
    await b.me()
    const response = await b.fetch('/commit-twice', { method: 'POST' })
    expect(response.status).toBe(200)
    expect(response.headers.getSetCookie()).toHaveLength(1)
    expect(response.headers.get('vary')).toBe('Cookie')
    expect((await b.me()).visits).toBe(3)
  })

  it('finds the token first in a multipart form, and readMultipartFormData() still gets every part', async () => {
    const b = browser()
    const { csrf } = await b.me()
    const form = new FormData()
    form.append('_csrf', csrf)
    form.append('file', new Blob([new Uint8Array(200_000)]), 'zeros.bin')
    const response = await b.fetch('/upload', { method: 'POST', token: false, body: form })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ parts: [{ name: '_csrf', bytes: csrf.length }, { name: 'file', bytes: 200_000 }] })
  })

  it('with the token in the header, the handler reads a large body whole', async () => {
    const b = browser()
    await b.me()
    const long = 'z'.repeat(300_000)
    const response = await b.fetch('/form', { method: 'POST', body: new URLSearchParams({ long }) })
    expect(response.status).toBe(200)
    expect(((await response.json()) as { body: { long: string } }).body.long).toBe(long)
  })

  it('leaves the session as it was when the handler fails', async () => {
    const b = browser()
    await b.me()
    const failed = await b.fetch('/fail', { method: 'POST' })
    expect(failed.status).toBe(500)
    expect(failed.headers.getSetCookie()).toEqual([])
    expect((await b.me()).visits).toBe(0)
  })

  it('signs out: the cookie is removed and the next request has no session', async () => {
    const b = browser()
    await b.me()
    await b.fetch('/login', { method: 'POST' })
    await b.me()
    const out = await b.fetch('/logout', { method: 'POST' })
    expect(out.headers.getSetCookie().some((line) => /Max-Age=0/.test(line))).toBe(true)
    expect(out.headers.get('cache-control')).toBe('no-store')
    expect(b.jar.header()).toBe('')
    expect((await b.me()).subject).toBe(null)
  })

  it('gives the engine for revokeSubject()', async () => {
    const b = browser()
    await b.me()
    expect(await (await b.fetch('/revoke-all', { method: 'POST' })).json()).toEqual({ engine: 'function' })
  })
})

describe('sealed-session/h3 through toWebHandler (the path of Nitro\'s internal fetch and its web presets)', () => {
  it('signs in with the token in a form field, the handler still reads the body, and the cookie comes back', async () => {
    const handle = toWebHandler(app())
    const jar = new CookieJar()
    const first = await handle(new Request('http://localhost/me'))
    jar.update(first)
    const { csrf } = (await first.json()) as { csrf: string }
    const body = new URLSearchParams({ _csrf: csrf, note: 'hello' })
    const form = await handle(new Request('http://localhost/form', { method: 'POST', body, headers: { cookie: jar.header() } }))
    expect(form.status).toBe(200)
    expect(await form.json()).toEqual({ body: { _csrf: csrf, note: 'hello' } })
    expect(form.headers.get('cache-control')).toBe('no-store')
    jar.update(form)
    const refused = await handle(new Request('http://localhost/login', { method: 'POST', headers: { cookie: jar.header() } }))
    expect(refused.status).toBe(403)
    const me = await handle(new Request('http://localhost/me', { headers: { cookie: jar.header() } }))
    expect(await me.json()).toMatchObject({ visits: 100 })
  })
})

describe('sealed-session/h3 CSRF check on a hostile body', () => {
  it('refuses a large form without a token having pulled only its start, and lets go of the request stream', async () => {
    const seen: { dataListeners: number; flowing: boolean | null; bytesRead: number }[] = []
    const hostile = createApp({
      onError(_error, event) {
        const req = event.node.req
        seen.push({ dataListeners: req.listenerCount('data'), flowing: req.readableFlowing, bytesRead: req.socket.bytesRead })
      },
    })
    hostile.use(sealedSession({ secrets: SECRET_A }, { csrf: true }))
    hostile.use(defineEventHandler(() => 'never reached'))
    const listener = createServer(toNodeListener(hostile))
    await new Promise<void>((listening) => listener.listen(0, '127.0.0.1', listening))
    const { port } = listener.address() as AddressInfo
    try {
      // 32 MiB of form fields, none of them _csrf, written as fast as the server takes them.
      const status = await new Promise<number>((answered, failed) => {
        const post = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
        post.on('response', (response) => {
          response.resume()
          answered(response.statusCode ?? 0)
          post.destroy()
        })
        post.on('error', (error) => (seen.length > 0 ? undefined : failed(error)))
        const chunk = `a=${'x'.repeat(64 * 1024)}&`
        let written = 0
        const more = (): void => {
          while (written < 512 && !post.destroyed) {
            written++
            if (!post.write(chunk)) return void post.once('drain', more)
          }
          if (!post.destroyed) post.end()
        }
        more()
      })
      expect(status).toBe(403)
      expect(seen).toHaveLength(1)
      // Nothing listens on the request any more, and it is not flowing: Node holds the rest back.
      expect(seen[0]!.dataListeners).toBe(0)
      expect(seen[0]!.flowing).toBe(false)
      expect(seen[0]!.bytesRead).toBeLessThan(4 * 1024 * 1024)
    } finally {
      listener.closeAllConnections()
      await new Promise<void>((closed) => listener.close(() => closed()))
    }
  })
})

describe('sealed-session/h3 configuration', () => {
  it('refuses an unknown setting when the middleware is built', () => {
    expect(() => sealedSession({ secrets: SECRET_A }, { crsf: true } as never)).toThrow(/crsf/)
  })

  it('refuses options it cannot use when the middleware is built, not at a request', () => {
    expect(() => sealedSession({ secrets: 'short' })).toThrow(/secret/i)
  })

  it('names the missing middleware when useSealedSession() runs without it', async () => {
    const bare = createApp()
    bare.use(defineEventHandler((event) => useSealedSession(event).subject ?? 'none'))
    const listener = createServer(toNodeListener(bare))
    await new Promise<void>((listening) => listener.listen(0, '127.0.0.1', listening))
    try {
      const response = await fetch(`http://127.0.0.1:${(listener.address() as AddressInfo).port}/`)
      expect(response.status).toBe(500)
    } finally {
      await new Promise<void>((closed) => listener.close(() => closed()))
    }
    expect(() => useSealedSession({} as never)).toThrow(/sealedSession\(\) middleware/)
  })
})
