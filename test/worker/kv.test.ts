import { env } from 'cloudflare:workers'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import type { SessionEvent } from 'sealed-session'
import { session } from 'sealed-session/hono'
import { kvRevocations, type KVLike } from 'sealed-session/kv'
import { CookieJar } from '../support/jar.mjs'

/** Miniflare's real KV binding, with every read and write counted (and each read's clock time). */
function counting(kv: KVLike, clock?: { ms: number }) {
  const counts = { reads: 0, writes: 0, readAt: [] as number[] }
  const wrapped: KVLike = {
    get: (key, options) => {
      counts.reads++
      if (clock !== undefined) counts.readAt.push(clock.ms)
      return kv.get(key, options)
    },
    put: (key, value, options) => {
      counts.writes++
      return kv.put(key, value, options)
    },
  }
  return { counts, kv: wrapped }
}

/** Each test signs in its own user: KV state is shared between the tests of a file. */
function app(kv: KVLike, clock: { ms: number }, events: SessionEvent[] = [], user = 'user-1', revocationFailure: 'closed' | 'open' = 'closed') {
  const now = () => clock.ms
  return new Hono()
    .use(session({ secrets: env.SESSION_SECRETS, clock: { now }, revocation: { store: kvRevocations(kv, { now }), failure: revocationFailure }, onEvent: (e) => events.push(e) }))
    .post('/login', async (c) => {
      await c.get('session').login(user)
      return c.text('ok')
    })
    .post('/revoke-all', async (c) => {
      await c.get('sessions').revokeSubject(user)
      return c.text('ok')
    })
    .get('/', (c) => c.text(c.get('session').subject ?? 'anonymous'))
}

const updateJar = (jar: CookieJar, response: Response): void => void jar.update(response)
const header = (jar: CookieJar): string => jar.header()

describe('revocation against miniflare KV', () => {
  it('reads KV once per session per 60 s revalidation window, no more and no less, over 1000 requests', async () => {
    const clock = { ms: Date.now() }
    const { counts, kv } = counting(env.SESSION_REVOCATIONS, clock)
    const worker = app(kv, clock, [], 'user-1')
    const jar = new CookieJar()
    updateJar(jar, await worker.request('/login', { method: 'POST' }))
    const loginAt = clock.ms
    for (let i = 0; i < 1000; i++) {
      clock.ms += 1000
      const response = await worker.request('/', { headers: { cookie: header(jar) } })
      expect(await response.text()).toBe('user-1')
      updateJar(jar, response)
    }
    // login() reads the subject's not-before time once. Then, at a request a second, the
    // check falls due 60 s after login and after each check (the cookie remembers when):
    // one read at 60 s, 120 s, … 960 s.
    const secondsAfterLogin = counts.readAt.map((at) => (at - loginAt) / 1000)
    expect(secondsAfterLogin).toEqual([0, ...Array.from({ length: 16 }, (_, i) => 60 * (i + 1))])
    expect(counts.writes).toBe(0)
  })

  it('takes effect at the next check after a sign-out-everywhere', async () => {
    const clock = { ms: Date.now() }
    const { counts, kv } = counting(env.SESSION_REVOCATIONS)
    const events: SessionEvent[] = []
    const worker = app(kv, clock, events, 'user-2')
    const jar = new CookieJar()
    updateJar(jar, await worker.request('/login', { method: 'POST' }))
    const other = new CookieJar()
    clock.ms += 1000
    updateJar(other, await worker.request('/login', { method: 'POST' }))
    clock.ms += 1000
    await worker.request('/revoke-all', { method: 'POST' })
    expect(counts.writes).toBe(1)
    expect(await env.SESSION_REVOCATIONS.get('revoked:{user-2}')).toMatch(/"n":\d+/)
    // Not yet checked: within the window the session still stands.
    expect(await (await worker.request('/', { headers: { cookie: header(jar) } })).text()).toBe('user-2')
    clock.ms += 60_000
    const after = await worker.request('/', { headers: { cookie: header(jar) } })
    expect(await after.text()).toBe('anonymous')
    expect(events.some((e) => e.type === 'revoked')).toBe(true)
    expect(await (await worker.request('/', { headers: { cookie: header(other) } })).text()).toBe('anonymous')
  })

  it('fails closed when KV throws: signed out for the request, cookie kept, event reported', async () => {
    const clock = { ms: Date.now() }
    const events: SessionEvent[] = []
    const jar = new CookieJar()
    updateJar(jar, await app(env.SESSION_REVOCATIONS, clock, [], 'user-3').request('/login', { method: 'POST' }))
    const broken: KVLike = {
      get: () => Promise.reject(new Error('KV GET failed: 503')),
      put: () => Promise.reject(new Error('KV PUT failed: 503')),
    }
    clock.ms += 61_000
    const response = await app(broken, clock, events, 'user-3').request('/', { headers: { cookie: header(jar) } })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('anonymous')
    expect(response.headers.getSetCookie()).toEqual([])
    expect(events).toEqual([expect.objectContaining({ type: 'revocation-error', operation: 'check', failure: 'closed' })])
    // KV back: the same cookie works again.
    expect(await (await app(env.SESSION_REVOCATIONS, clock, [], 'user-3').request('/', { headers: { cookie: header(jar) } })).text()).toBe('user-3')
  })

  it("fails open when configured: signed in while KV throws, event reported, asked again on the next request", async () => {
    const clock = { ms: Date.now() }
    const jar = new CookieJar()
    updateJar(jar, await app(env.SESSION_REVOCATIONS, clock, [], 'user-4', 'open').request('/login', { method: 'POST' }))
    let reads = 0
    const broken: KVLike = {
      get: () => {
        reads++
        return Promise.reject(new Error('KV GET failed: 503'))
      },
      put: () => Promise.reject(new Error('KV PUT failed: 503')),
    }
    const events: SessionEvent[] = []
    const down = app(broken, clock, events, 'user-4', 'open')
    clock.ms += 61_000
    for (let i = 0; i < 3; i++) {
      clock.ms += 1000
      const response = await down.request('/', { headers: { cookie: header(jar) } })
      expect(await response.text()).toBe('user-4')
      updateJar(jar, response)
    }
    expect(reads).toBe(3)
    expect(events).toEqual(Array.from({ length: 3 }, () => expect.objectContaining({ type: 'revocation-error', operation: 'check', failure: 'open' })))
  })
})
