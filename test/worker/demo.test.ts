import { exports } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

/** A tiny browser: one cookie jar, requests through the demo Worker's own fetch handler. */
class Browser {
  jar = new Map<string, string>()
  lastSetCookie: string[] = []

  async request(path: string, form?: Record<string, string>): Promise<Response> {
    const headers = new Headers()
    if (this.jar.size > 0) headers.set('cookie', [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '))
    const init: RequestInit = { headers, redirect: 'manual' }
    if (form !== undefined) {
      init.method = 'POST'
      init.body = new URLSearchParams(form)
    }
    const response = await exports.default.fetch(`https://demo.test${path}`, init)
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
    const response = await browser.request('/login', { name: 'ada' })
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
    await browser.request('/login', { name: 'bo' })
    await browser.request('/cart', { item: 'apple' })
    await browser.request('/cart', { item: 'pear <b>' })
    const view = await browser.request('/')
    expect(view.headers.getSetCookie()).toEqual([])
    expect(view.headers.get('cache-control')).toBeNull()
    const html = await view.text()
    expect(html).toContain('<dd id="cart-count">2</dd>')
    expect(html).toContain('pear &lt;b&gt;')
  })

  it('signs out: clears the cookie, and a replayed pre-logout cookie is refused at its next check', async () => {
    const browser = new Browser()
    await browser.request('/login', { name: 'cy' })
    const stolen = new Browser()
    stolen.jar = new Map(browser.jar)
    vi.advanceTimersByTime(61_000)
    await browser.request('/logout', {})
    expect(browser.lastSetCookie).toEqual(['__Host-session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax'])
    expect(subjectOf(await browser.page())).toBeUndefined()
    // The copy was checked at login; the next check is due after revalidateAfter (60 s).
    vi.advanceTimersByTime(61_000)
    const replay = await stolen.page()
    expect(subjectOf(replay)).toBeUndefined()
    expect(stolen.lastSetCookie).toEqual(['__Host-session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax'])
  })

  it('signs out everywhere: the other browser is signed out at its next check', async () => {
    const laptop = new Browser()
    const phone = new Browser()
    await laptop.request('/login', { name: 'di' })
    await phone.request('/login', { name: 'di' })
    vi.advanceTimersByTime(1_000)
    await laptop.request('/logout-everywhere', {})
    expect(await laptop.page()).toContain('Signed out on every device.')
    // Within the revalidation window the phone is not asked about: the documented lag.
    expect(subjectOf(await phone.page())).toBe('di')
    vi.advanceTimersByTime(60_000)
    expect(subjectOf(await phone.page())).toBeUndefined()
    // Signing in again afterwards works: the not-before time only covers older sessions.
    vi.advanceTimersByTime(1_000)
    await phone.request('/login', { name: 'di' })
    expect(subjectOf(await phone.page())).toBe('di')
  })

  it('answers a garbage cookie with a fresh session, an expiring Set-Cookie and no 500', async () => {
    for (const garbage of ['garbage', '', '%00%ff', 'A'.repeat(5000), 'AQ' + 'x'.repeat(60)]) {
      const response = await exports.default.fetch('https://demo.test/', { headers: { cookie: `__Host-session=${garbage}` } })
      expect(response.status).toBe(200)
      expect(await response.text()).toContain('<h1>Sign in</h1>')
      expect(response.headers.getSetCookie()).toEqual(['__Host-session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax'])
    }
  })

  it('shows a clear error when the cart no longer fits, and keeps the previous cookie', async () => {
    const browser = new Browser()
    await browser.request('/login', { name: 'ed' })
    let response: Response | undefined
    let stored = 0
    for (let i = 0; i < 10; i++) {
      response = await browser.request('/cart', { item: `${i}`.padEnd(1000, 'x') })
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
})
