import { env } from 'cloudflare:workers'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import type { SessionEvent } from 'sealed-session'
import { session } from 'sealed-session/hono'
import { kvRevocations, type KVLike } from 'sealed-session/kv'

/** Miniflare's real KV binding, with every read and write counted. */
function counting(kv: KVLike) {
  const counts = { reads: 0, writes: 0 }
  const wrapped: KVLike = {
    get: (key, options) => {
      counts.reads++
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
function app(kv: KVLike, clock: { ms: number }, events: SessionEvent[] = [], user = 'user-1') {
  const now = () => clock.ms
  return new Hono()
    .use(session({ secrets: env.SESSION_SECRETS, now, revocations: kvRevocations(kv, { now }), onEvent: (e) => events.push(e) }))
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

function updateJar(jar: Map<string, string>, response: Response): void {
  for (const line of response.headers.getSetCookie()) {
    const pair = line.slice(0, line.indexOf(';'))
    const name = pair.slice(0, pair.indexOf('='))
    if (line.includes('Max-Age=0')) jar.delete(name)
    else jar.set(name, pair.slice(name.length + 1))
  }
}

const header = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ')

describe('revocation against miniflare KV', () => {
  it('reads KV at most once per session per revalidation window across 1000 requests', async () => {
    const clock = { ms: Date.now() }
    const { counts, kv } = counting(env.SESSION_REVOCATIONS)
    const worker = app(kv, clock, [], 'user-1')
    const jar = new Map<string, string>()
    updateJar(jar, await worker.request('/login', { method: 'POST' }))
    const windows = new Set<number>()
    const start = clock.ms
    for (let i = 0; i < 1000; i++) {
      clock.ms += 1000
      windows.add(Math.floor((clock.ms - start) / 60_000))
      const response = await worker.request('/', { headers: { cookie: header(jar) } })
      expect(await response.text()).toBe('user-1')
      updateJar(jar, response)
    }
    // 1000 s of traffic spans 17 windows of 60 s: one read each at most.
    expect(windows.size).toBe(17)
    expect(counts.reads).toBeGreaterThan(0)
    expect(counts.reads).toBeLessThanOrEqual(windows.size)
    expect(counts.writes).toBe(0)
  })

  it('takes effect at the next check after a sign-out-everywhere', async () => {
    const clock = { ms: Date.now() }
    const { counts, kv } = counting(env.SESSION_REVOCATIONS)
    const events: SessionEvent[] = []
    const worker = app(kv, clock, events, 'user-2')
    const jar = new Map<string, string>()
    updateJar(jar, await worker.request('/login', { method: 'POST' }))
    const other = new Map<string, string>()
    clock.ms += 1000
    updateJar(other, await worker.request('/login', { method: 'POST' }))
    clock.ms += 1000
    await worker.request('/revoke-all', { method: 'POST' })
    expect(counts.writes).toBe(1)
    expect(await env.SESSION_REVOCATIONS.get('revoked:user-2')).toMatch(/"n":\d+/)
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
    const jar = new Map<string, string>()
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
    expect(events).toEqual([expect.objectContaining({ type: 'revocation-error', failOpen: false })])
    // KV back: the same cookie works again.
    expect(await (await app(env.SESSION_REVOCATIONS, clock, [], 'user-3').request('/', { headers: { cookie: header(jar) } })).text()).toBe('user-3')
  })
})
