import { env, exports } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import demo from '../../examples/worker/src/index.ts'

const ORIGIN = 'https://demo.test'
type Fetch = (request: Request) => Promise<Response>
/** The Worker's own fetch handler, with wrangler.toml's bindings (Miniflare's real KV). */
const worker: Fetch = (request) => exports.default.fetch(request)

/** The demo on Workers KV (`REVOCATION_STORE = "kv"`, as the load run serves it). */
const workerOnKv: Fetch = async (request) => demo.fetch(request, { ...env, REVOCATION_STORE: 'kv' })

/** Every call rejects: a store outage. */
const outage = (): Promise<never> => Promise.reject(new Error('store unavailable'))
/** A KV namespace that fails on every call. */
const failingKv = { get: outage, put: outage } as unknown as KVNamespace
/** A Durable Object namespace whose objects fail every call (the object's RPC throws). */
const failingObjects = {
  idFromName: (name: string) => name,
  get: () => new Proxy({}, { get: () => outage }),
} as unknown as DurableObjectNamespace<never>

/** For each store: the demo on it, the same demo with that store failing, and the sign-out-everywhere notice. */
const stores = [
  {
    store: 'durable-object',
    worker,
    broken: (async (request) => demo.fetch(request, { ...env, SESSION_OBJECTS: failingObjects })) as Fetch,
    everywhere: 'Signed out on every device. Other devices are signed out at their next check, within 60 seconds.',
  },
  {
    store: 'kv',
    worker: workerOnKv,
    broken: (async (request) => demo.fetch(request, { ...env, REVOCATION_STORE: 'kv', SESSION_REVOCATIONS: failingKv })) as Fetch,
    everywhere: 'Signed out on every device. Other devices are signed out at their next check, within about two minutes.',
  },
] as const

/** A desktop Chrome's User-Agent: the demo labels each device by its browser and OS. */
const CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36'
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0'
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1'

/**
 * A tiny browser: one cookie jar, requests through a Worker fetch handler. A form is
 * posted as a page would post it: from the same origin, with the `_csrf` field of the
 * page it was on (`post()` loads `/` first, as a person does before clicking).
 */
class Browser {
  jar = new Map<string, string>()
  lastSetCookie: string[] = []

  constructor(
    private readonly fetch: Fetch = worker,
    readonly userAgent: string = CHROME_LINUX,
  ) {}

  async request(path: string, form?: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    const init: RequestInit = { headers: new Headers(headers), redirect: 'manual' }
    const sent = init.headers as Headers
    if (!sent.has('user-agent')) sent.set('user-agent', this.userAgent)
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

  /** A request exactly as given (method, headers, body), with this browser's cookies. */
  async fetchRaw(path: string, init: { method: string; headers: Record<string, string>; body: string }): Promise<Response> {
    const headers = new Headers(init.headers)
    headers.set('user-agent', this.userAgent)
    if (this.jar.size > 0) headers.set('cookie', [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '))
    return this.fetch(new Request(`${ORIGIN}${path}`, { method: init.method, headers, body: init.body, redirect: 'manual' }))
  }

  async page(path = '/'): Promise<string> {
    return (await this.request(path)).text()
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
    // No cookie, but the cart and the CSRF token: for this browser only (docs/SECURITY.md).
    expect(view.headers.get('cache-control')).toBe('private, no-store')
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

  it.each(stores)('signs out everywhere ($store): the other browser is signed out at its next check', async ({ worker, everywhere }) => {
    const laptop = new Browser(worker)
    const phone = new Browser(worker)
    await laptop.post('/login', { name: 'di' })
    await phone.post('/login', { name: 'di' })
    vi.advanceTimersByTime(1_000)
    await laptop.post('/logout-everywhere', {})
    expect(noticeOf(await laptop.page())).toBe(everywhere)
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

  it('marks every page that shows session data private, no-store, with or without a Set-Cookie', async () => {
    const browser = new Browser()
    // The sign-in page of a first visit carries a CSRF token (and sets the cookie holding its secret).
    const first = await browser.request('/')
    expect(first.headers.get('cache-control')).toBe('private, no-store')
    expect(browser.lastSetCookie).toHaveLength(1)
    const again = await browser.request('/')
    expect(browser.lastSetCookie).toEqual([])
    expect(again.headers.get('cache-control')).toBe('private, no-store')
    await browser.post('/login', { name: 'ada' })
    for (const path of ['/', '/devices']) {
      const response = await browser.request(path)
      expect(response.status).toBe(200)
      expect(response.headers.get('cache-control')).toBe('private, no-store')
    }
  })

  it('says on the sign-in page that it asks for no password', async () => {
    const html = await new Browser().page()
    expect(html).toMatch(/<p class="warning" id="no-password">This demo signs you in with a name alone, <strong>no password<\/strong>/)
  })

  it('answers a malformed form body and a device sign-out without a handle with 400, never 500', async () => {
    const browser = new Browser()
    await browser.post('/login', { name: 'ada' })
    const token = csrfTokenOf(await browser.page()) ?? ''
    // The token in its header passes the CSRF check without reading the body; the body is broken.
    const broken = { origin: ORIGIN, 'x-csrf-token': token, 'content-type': 'multipart/form-data; boundary=x' }
    for (const path of ['/login', '/cart', '/devices/sign-out']) {
      const response = await browser.fetchRaw(path, { method: 'POST', headers: broken, body: 'not a multipart body' })
      expect(response.status, path).toBe(400)
      expect(await response.text()).toContain('id="bad-request"')
    }
    for (const form of [{}, { handle: '' }] as Record<string, string>[]) {
      const response = await browser.post('/devices/sign-out', form)
      expect(response.status).toBe(400)
      expect(await response.text()).toContain('No device was named.')
    }
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

  it.each(stores)('"sign out everywhere" when the store ($store) fails: says nothing was revoked, keeps the session, and the other device stays signed in', async ({ worker, broken: brokenWorker, everywhere }) => {
    const laptop = new Browser(worker)
    const phone = new Browser(worker)
    await laptop.post('/login', { name: 'fay' })
    await phone.post('/login', { name: 'fay' })
    vi.advanceTimersByTime(1_000)
    await laptop.page()
    const cookieBefore = new Map(laptop.jar)
    const broken = new Browser(brokenWorker)
    broken.jar = laptop.jar
    const response = await broken.post('/logout-everywhere')
    expect(response.status).toBe(503)
    expect(broken.lastSetCookie).toEqual([])
    const html = await response.text()
    expect(html).toContain('no device was signed out, and you are still signed in here')
    expect(html).not.toContain('Signed out on every device')
    expect(laptop.jar).toEqual(cookieBefore)
    expect(subjectOf(await laptop.page())).toBe('fay')
    // Nothing reached the store: after its next check the phone is still signed in.
    vi.advanceTimersByTime(61_000)
    expect(subjectOf(await phone.page())).toBe('fay')
    // With the store back, the same button works and says so.
    await laptop.post('/logout-everywhere')
    expect(noticeOf(await laptop.page())).toBe(everywhere)
    vi.advanceTimersByTime(61_000)
    expect(subjectOf(await phone.page())).toBeUndefined()
  })

  it.each(stores)('"sign out" when the store ($store) fails: signs out this browser and says a copy stays valid', async ({ worker, broken: brokenWorker }) => {
    const browser = new Browser(worker)
    await browser.post('/login', { name: 'gus' })
    const copy = new Browser(worker)
    copy.jar = new Map(browser.jar)
    vi.advanceTimersByTime(1_000)
    const broken = new Browser(brokenWorker)
    broken.jar = browser.jar
    expect((await broken.post('/logout')).status).toBe(303)
    const html = await browser.page()
    expect(subjectOf(html)).toBeUndefined()
    expect(noticeOf(html)).toBe('Signed out in this browser. The server could not record the sign-out, so a copy of this session elsewhere stays valid until it expires.')
    vi.advanceTimersByTime(61_000)
    expect(subjectOf(await copy.page())).toBe('gus')
  })
})

/** The other devices' handles on a /devices page, in the order shown. */
function otherHandlesOf(html: string): string[] {
  const others = html.match(/<ul id="other-devices">([\s\S]*?)<\/ul>/)?.[1] ?? ''
  return [...others.matchAll(/<li class="device" data-handle="([0-9a-f]+)">/g)].map((m) => m[1]!)
}

/** The labels of a /devices page's list (`this-device` or `other-devices`). */
function labelsOf(html: string, list: 'this-device' | 'other-devices'): string[] {
  const items = html.match(new RegExp(`<ul id="${list}">([\\s\\S]*?)</ul>`))?.[1] ?? ''
  return [...items.matchAll(/<strong class="label">([^<]*)<\/strong>/g)].map((m) => m[1]!)
}

/** docs/FORMAT.md "Key ids": the id a secret given as a plain string gets, computed here independently. */
function keyIdOfSecret(secret: string): number {
  let h = 0x811c9dc5
  for (const ch of `sealed-session kid\u0000${secret}`) {
    for (let i = 0; i < ch.length; i++) h = Math.imul(h ^ ch.charCodeAt(i), 0x01000193) >>> 0
  }
  return (h ^ (h >>> 8) ^ (h >>> 16) ^ (h >>> 24)) & 0xff
}

describe('the demo Worker: your devices and your cookie (Durable Object store)', () => {
  /** The demo checking each session with the store every 2 s (REVALIDATE_AFTER, a var). */
  const prompt: Fetch = async (request) => demo.fetch(request, { ...env, REVALIDATE_AFTER: '2' })

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now())
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('lists the two devices of a user with their labels: this one, and the other', async () => {
    const laptop = new Browser(prompt, FIREFOX_WINDOWS)
    const phone = new Browser(prompt, SAFARI_IPHONE)
    const stranger = new Browser(prompt)
    await laptop.post('/login', { name: 'hal' })
    vi.advanceTimersByTime(1_000)
    await phone.post('/login', { name: 'hal' })
    await stranger.post('/login', { name: 'ivy' })
    expect(await laptop.page()).toContain('<a href="/devices" id="devices-link">Your devices</a>')
    const html = await laptop.page('/devices')
    expect(labelsOf(html, 'this-device')).toEqual(['Firefox on Windows'])
    expect(labelsOf(html, 'other-devices')).toEqual(['Safari on iOS'])
    expect(html).toContain('up to 5 devices')
    // The phone sees the same two, the other way round; another user's session is in neither.
    const fromPhone = await phone.page('/devices')
    expect(labelsOf(fromPhone, 'this-device')).toEqual(['Safari on iOS'])
    expect(labelsOf(fromPhone, 'other-devices')).toEqual(['Firefox on Windows'])
    expect(labelsOf(await stranger.page('/devices'), 'other-devices')).toEqual([])
    // Signed out, the page sends you to sign in.
    expect((await new Browser(prompt).request('/devices')).headers.get('location')).toBe('/')
  })

  it('signs out one device: that cookie is refused at its next check, this one stays', async () => {
    const laptop = new Browser(prompt)
    const phone = new Browser(prompt, SAFARI_IPHONE)
    await laptop.post('/login', { name: 'jo' })
    await phone.post('/login', { name: 'jo' })
    const [handle] = otherHandlesOf(await laptop.page('/devices'))
    expect(handle).toMatch(/^[0-9a-f]{16}$/)
    const response = await laptop.post('/devices/sign-out', { handle: handle! })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/devices')
    const after = await laptop.page('/devices')
    expect(noticeOf(after)).toBe('Signed out that device: it is refused at its next check, within 2 seconds.')
    expect(otherHandlesOf(after)).toEqual([])
    expect(after).toContain('You are not signed in anywhere else.')
    // Its next check (2 s after its last) asks the object, which says revoked.
    vi.advanceTimersByTime(2_100)
    expect(subjectOf(await phone.page())).toBeUndefined()
    expect(subjectOf(await laptop.page())).toBe('jo')
    // The same handle again: nothing left to sign out.
    await laptop.post('/devices/sign-out', { handle: handle! })
    expect(noticeOf(await laptop.page('/devices'))).toBe('That device was already signed out.')
  })

  it('signs out all other devices: each is refused at its next check; this one and other users stay', async () => {
    const laptop = new Browser(prompt)
    const phone = new Browser(prompt, SAFARI_IPHONE)
    const tablet = new Browser(prompt, FIREFOX_WINDOWS)
    const stranger = new Browser(prompt)
    for (const browser of [laptop, phone, tablet]) await browser.post('/login', { name: 'kay' })
    await stranger.post('/login', { name: 'lee' })
    expect(otherHandlesOf(await laptop.page('/devices'))).toHaveLength(2)
    expect((await laptop.post('/devices/sign-out-others')).status).toBe(303)
    const after = await laptop.page('/devices')
    expect(noticeOf(after)).toBe('Signed out 2 other devices: each is refused at its next check, within 2 seconds.')
    expect(otherHandlesOf(after)).toEqual([])
    vi.advanceTimersByTime(2_100)
    expect(subjectOf(await phone.page())).toBeUndefined()
    expect(subjectOf(await tablet.page())).toBeUndefined()
    expect(subjectOf(await laptop.page())).toBe('kay')
    expect(subjectOf(await stranger.page())).toBe('lee')
  })

  it('keeps at most 5 devices: a sixth sign-in signs out the oldest', async () => {
    const browsers = Array.from({ length: 6 }, () => new Browser(prompt))
    for (const browser of browsers) {
      await browser.post('/login', { name: 'max' })
      vi.advanceTimersByTime(1_000)
    }
    expect(otherHandlesOf(await browsers[5]!.page('/devices'))).toHaveLength(4)
    vi.advanceTimersByTime(2_100)
    expect(subjectOf(await browsers[0]!.page())).toBeUndefined()
    for (const browser of browsers.slice(1)) expect(subjectOf(await browser.page())).toBe('max')
  })

  it('"What\'s in your cookie": the bytes of the cookie sent, its key id, both expiries and when the store was last asked', async () => {
    const browser = new Browser(prompt)
    await browser.post('/login', { name: 'ned' })
    const value = browser.jar.get('__Host-session')!
    const html = await browser.page()
    const bytes = '__Host-session'.length + value.length
    expect(html).toContain(`<span id="cookie-size">${bytes}</span> of 4096 bytes`)
    expect(html).toContain(`<progress id="cookie-bytes" max="4096" value="${bytes}">`)
    expect(html).toContain(`<dd id="key-id">${keyIdOfSecret(env.SESSION_SECRETS)}</dd>`)
    expect(html).toContain(`<dd id="expires">${new Date((Math.floor(Date.now() / 1000) + 7 * 86_400) * 1000).toISOString()}</dd>`)
    expect(html).toMatch(/<dd id="idle">\d{4}-\d\d-\d\dT[^<]+<\/dd>/)
    // Signed in just now: login() counts as the last check.
    expect(html).toMatch(new RegExp(`<dd id="checked">${new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().slice(0, 16)}[^<]*</dd>`))
  })

  it('on Workers KV, "Your devices" says KV records no sessions', async () => {
    const browser = new Browser(workerOnKv)
    await browser.post('/login', { name: 'ola' })
    const response = await browser.request('/devices')
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('<p id="unavailable">This deployment keeps revocations in Workers KV, which does not record sessions')
  })

  it('"Your devices" when the store fails: a 503 that says so, and the session kept', async () => {
    const browser = new Browser(prompt)
    await browser.post('/login', { name: 'pia' })
    const broken = new Browser(async (request) => demo.fetch(request, { ...env, SESSION_OBJECTS: failingObjects }))
    broken.jar = browser.jar
    const response = await broken.request('/devices')
    expect(response.status).toBe(503)
    expect(await response.text()).toContain('your devices cannot be listed right now')
    expect(subjectOf(await browser.page())).toBe('pia')
  })
})
