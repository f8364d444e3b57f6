import { env, exports } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import demo from '../../examples/worker/src/index.ts'

const ORIGIN = 'https://demo.test'
type Fetch = (request: Request) => Promise<Response>
/** The Worker's own fetch handler, with wrangler.toml's bindings (Miniflare's real KV). */
const worker: Fetch = (request) => exports.default.fetch(request)

/** The same Worker with a KV namespace that fails on every call (a store outage). */
const failing = {
  get: () => Promise.reject(new Error('KV unavailable')),
  put: () => Promise.reject(new Error('KV unavailable')),
} as unknown as KVNamespace
const workerWithBrokenKv: Fetch = async (request) => demo.fetch(request, { ...env, SESSION_REVOCATIONS: failing })

/**
 * A tiny browser: one cookie jar, requests through a Worker fetch handler. A form is
 * posted as a page would post it: from the same origin, with the `_csrf` field of the
 * page it was on (`post()` loads `/` first, as a person does before clicking).
 */
class Browser {
  jar = new Map<string, string>()
  lastSetCookie: string[] = []

  constructor(private readonly fetch: Fetch = worker) {}

  async request(path: string, form?: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    const init: RequestInit = { headers: new Headers(headers), redirect: 'manual' }
    const sent = init.headers as Headers
    if (this.jar.size > 0) sent.set('cookie', [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '))
    if (form !== undefined) {
      init.method = 'POST'
      init.body = new URLSearchParams(form)
    }
    const response = await this.fetch(new Request(`${ORIGIN}${path}`, init))
    this.lastSetCookie = response.headers.getSetCookie()
    for (const line of this.lastSetCookie) {
      const pair = line.slice(0, line.indexOf(';'))
      const name = pair.slice(0, pair.indexOf('='))
      if (/; Max-Age=0(;|$)/.test(line)) this.jar.delete(name)
      else this.jar.set(name, pair.slice(name.length + 1))
    }
    return response
  }

  async page(): Promise<string> {
    return (await this.request('/')).text()
  }

  /** Loads `/` for its CSRF token, then posts the form with it from our own origin. */
  async post(path: string, form: Record<string, string> = {}): Promise<Response> {
    const token = csrfTokenOf(await this.page())
    if (token === undefined) throw new Error('the page has no _csrf field')
    return this.request(path, { ...form, _csrf: token }, { origin: ORIGIN })
  }
}

function csrfTokenOf(html: string): string | undefined {
  return html.match(/<input type="hidden" name="_csrf" value="([A-Za-z0-9_-]+)">/)?.[1]
}

function noticeOf(html: string): string | undefined {
  return html.match(/<p class="notice">([^<]*)<\/p>/)?.[1]
}

function subjectOf(html: string): string | undefined {
  return html.match(/<dd id="subject">([^<]*)<\/dd>/)?.[1]
}

describe('the demo Worker in workerd', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now())
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('signs in with exactly the cookie attributes we promise', async () => {
    const browser = new Browser()
    const response = await browser.post('/login', { name: 'ada' })
    expect(response.status).toBe(303)
    expect(browser.lastSetCookie).toHaveLength(1)
    expect(browser.lastSetCookie[0]).toMatch(/^__Host-session=[A-Za-z0-9_-]{100,}; Max-Age=86400; Path=\/; Secure; HttpOnly; SameSite=Lax$/)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('vary')).toBe('Cookie')
    const html = await browser.page()
    expect(subjectOf(html)).toBe('ada')
    expect(html).toContain('<dd id="cart-count">0</dd>')
  })

  it('keeps a cart, and sets no cookie on a page view that changes nothing', async () => {
    const browser = new Browser()
    await browser.post('/login', { name: 'bo' })
    await browser.post('/cart', { item: 'apple' })
    await browser.post('/cart', { item: 'pear <b>' })
    const view = await browser.request('/')
    expect(view.headers.getSetCookie()).toEqual([])
    expect(view.headers.get('cache-control')).toBeNull()
    const html = await view.text()
    expect(html).toContain('<dd id="cart-count">2</dd>')
    expect(html).toContain('pear &lt;b&gt;')
  })

  it('signs out: clears the cookie, and a replayed pre-logout cookie is refused at its next check', async () => {
    const browser = new Browser()
    await browser.post('/login', { name: 'cy' })
    const stolen = new Browser()
    stolen.jar = new Map(browser.jar)
    vi.advanceTimersByTime(61_000)
    await browser.post('/logout', {})
    expect(browser.lastSetCookie).toEqual(['__Host-session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax'])
    expect(subjectOf(await browser.page())).toBeUndefined()
    // The copy was checked at login; the next check is due after revalidateAfter (60 s).
    vi.advanceTimersByTime(61_000)
    const stolenCookie = stolen.jar.get('__Host-session')
    const replay = await stolen.page()
    expect(subjectOf(replay)).toBeUndefined()
    // The copy is replaced by a fresh anonymous session (the sign-in form's CSRF token lives in it).
    expect(stolen.lastSetCookie).toHaveLength(1)
    expect(stolen.lastSetCookie[0]).toMatch(/^__Host-session=[A-Za-z0-9_-]{100,}; Max-Age=86400; Path=\/; Secure; HttpOnly; SameSite=Lax$/)
    expect(stolen.jar.get('__Host-session')).not.toBe(stolenCookie)
  })

  it('signs out everywhere: the other browser is signed out at its next check', async () => {
    const laptop = new Browser()
    const phone = new Browser()
    await laptop.post('/login', { name: 'di' })
    await phone.post('/login', { name: 'di' })
    vi.advanceTimersByTime(1_000)
    await laptop.post('/logout-everywhere', {})
    expect(await laptop.page()).toContain('Signed out on every device.')
    // Within the revalidation window the phone is not asked about: the documented lag.
    expect(subjectOf(await phone.page())).toBe('di')
    vi.advanceTimersByTime(60_000)
    expect(subjectOf(await phone.page())).toBeUndefined()
    // Signing in again afterwards works: the not-before time only covers older sessions.
    vi.advanceTimersByTime(1_000)
    await phone.post('/login', { name: 'di' })
    expect(subjectOf(await phone.page())).toBe('di')
  })

  it('answers a garbage cookie with a fresh session that replaces it, and no 500', async () => {
    for (const garbage of ['garbage', '', '%00%ff', 'A'.repeat(5000), 'AQ' + 'x'.repeat(60)]) {
      const response = await exports.default.fetch('https://demo.test/', { headers: { cookie: `__Host-session=${garbage}` } })
      expect(response.status).toBe(200)
      const html = await response.text()
      expect(html).toContain('<h1>Sign in</h1>')
      expect(csrfTokenOf(html)).toBeDefined()
      // One Set-Cookie: the new anonymous session (it holds the form's CSRF secret) overwrites the garbage.
      const lines = response.headers.getSetCookie()
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^__Host-session=[A-Za-z0-9_-]{100,}; Max-Age=86400; Path=\/; Secure; HttpOnly; SameSite=Lax$/)
    }
  })

  it('shows a clear error when the cart no longer fits, and keeps the previous cookie', async () => {
    const browser = new Browser()
    await browser.post('/login', { name: 'ed' })
    let response: Response | undefined
    let stored = 0
    for (let i = 0; i < 10; i++) {
      response = await browser.post('/cart', { item: `${i}`.padEnd(1000, 'x') })
      if (response.status !== 303) break
      stored++
    }
    expect(stored).toBeGreaterThanOrEqual(2)
    expect(response?.status).toBe(507)
    expect(browser.lastSetCookie).toEqual([])
    expect(await response?.text()).toMatch(/needs \d+ bytes, and browsers keep at most 4096/)
    const html = await browser.page()
    expect(subjectOf(html)).toBe('ed')
    expect(html).toContain(`<dd id="cart-count">${stored}</dd>`)
  })

  it('refuses a cross-site sign-in: no session, no cookie', async () => {
    const browser = new Browser()
    const token = csrfTokenOf(await browser.page())
    // A page on another site posts the form: the browser sends the person's own cookie
    // (SameSite=Lax lets top-level POSTs through on some browsers only) and its own Origin.
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, {}] as Record<string, string>[]) {
      const response = await browser.request('/login', { name: 'mallory', _csrf: token ?? '' }, headers)
      expect(response.status).toBe(403)
      expect(browser.lastSetCookie).toEqual([])
    }
    // The right Origin without the session's token is refused too (the synchronizer token).
    for (const form of [{ name: 'mallory' }, { name: 'mallory', _csrf: 'forged' }] as Record<string, string>[]) {
      const response = await browser.request('/login', form, { origin: ORIGIN })
      expect(response.status).toBe(403)
      expect(await response.text()).toContain('id="forbidden"')
      expect(browser.lastSetCookie).toEqual([])
    }
    // A token from another visitor's session does not fit this one.
    const other = new Browser()
    const othersToken = csrfTokenOf(await other.page()) ?? ''
    expect((await browser.request('/login', { name: 'mallory', _csrf: othersToken }, { origin: ORIGIN })).status).toBe(403)
    expect(subjectOf(await browser.page())).toBeUndefined()
    // The same form from our own page signs in.
    expect((await browser.post('/login', { name: 'ada' })).status).toBe(303)
    expect(subjectOf(await browser.page())).toBe('ada')
  })

  it('"sign out everywhere" without a session says there was nothing to sign out', async () => {
    const browser = new Browser()
    const response = await browser.post('/logout-everywhere')
    expect(response.status).toBe(303)
    const html = await browser.page()
    expect(noticeOf(html)).toBe('You were not signed in, so there was nothing to sign out.')
    expect(html).not.toContain('Signed out on every device')
  })

  it('"sign out everywhere" when KV fails: says nothing was revoked, keeps the session, and the other device stays signed in', async () => {
    const laptop = new Browser()
    const phone = new Browser()
    await laptop.post('/login', { name: 'fay' })
    await phone.post('/login', { name: 'fay' })
    vi.advanceTimersByTime(1_000)
    await laptop.page()
    const cookieBefore = new Map(laptop.jar)
    const broken = new Browser(workerWithBrokenKv)
    broken.jar = laptop.jar
    const response = await broken.post('/logout-everywhere')
    expect(response.status).toBe(503)
    expect(broken.lastSetCookie).toEqual([])
    const html = await response.text()
    expect(html).toContain('no device was signed out, and you are still signed in here')
    expect(html).not.toContain('Signed out on every device')
    expect(laptop.jar).toEqual(cookieBefore)
    expect(subjectOf(await laptop.page())).toBe('fay')
    // Nothing reached KV: after its next check the phone is still signed in.
    vi.advanceTimersByTime(61_000)
    expect(subjectOf(await phone.page())).toBe('fay')
    // With the store back, the same button works and says so.
    await laptop.post('/logout-everywhere')
    expect(noticeOf(await laptop.page())).toBe('Signed out on every device. Other devices are signed out at their next check, within about two minutes.')
    vi.advanceTimersByTime(61_000)
    expect(subjectOf(await phone.page())).toBeUndefined()
  })

  it('"sign out" when KV fails: signs out this browser and says a copy stays valid', async () => {
    const browser = new Browser()
    await browser.post('/login', { name: 'gus' })
    const copy = new Browser()
    copy.jar = new Map(browser.jar)
    vi.advanceTimersByTime(1_000)
    const broken = new Browser(workerWithBrokenKv)
    broken.jar = browser.jar
    expect((await broken.post('/logout')).status).toBe(303)
    const html = await browser.page()
    expect(subjectOf(html)).toBeUndefined()
    expect(noticeOf(html)).toBe('Signed out in this browser. The server could not record the sign-out, so a copy of this session elsewhere stays valid until it expires.')
    vi.advanceTimersByTime(61_000)
    expect(subjectOf(await copy.page())).toBe('gus')
  })
})
