import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { createSessions, type SessionEvent } from 'sealed-session'
import { session } from 'sealed-session/hono'
import { memoryRevocations } from 'sealed-session/memory'
import { readBearer } from '../../src/transport/bearer.js'
import { Clock, SECRET_A } from '../helpers.js'

function api() {
  const clock = new Clock()
  const events: SessionEvent[] = []
  const revocations = memoryRevocations({ now: clock.now })
  const options = { secrets: SECRET_A, transport: 'bearer' as const, now: clock.now, revocations, revalidateAfter: 0, idleTimeout: 3600, onEvent: (e: SessionEvent) => events.push(e) }
  const app = new Hono()
    .use(session(options))
    .post('/token', async (c) => {
      await c.get('session').login('app-user')
      return c.json({ ok: true })
    })
    .get('/me', (c) => c.json({ subject: c.get('session').subject ?? null }))
    .post('/logout', async (c) => {
      await c.get('session').logout()
      return c.json({ ok: true })
    })
  return { app, clock, events, engine: createSessions(options) }
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })

describe('Bearer tokens through the Hono middleware', () => {
  it('issues the token in the Session-Token header, never as a cookie, and accepts it back', async () => {
    const { app } = api()
    const response = await app.request('/token', { method: 'POST' })
    const token = response.headers.get('session-token')!
    expect(token).toMatch(/^[A-Za-z0-9_-]{100,}$/)
    expect(response.headers.getSetCookie()).toEqual([])
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await (await app.request('/me', bearer(token))).json()).toEqual({ subject: 'app-user' })
    expect(await (await app.request('/me', { headers: { authorization: `bEaReR   ${token}` } })).json()).toEqual({ subject: 'app-user' })
  })

  it('never falls back to a cookie or the query string', async () => {
    const { app } = api()
    const token = (await app.request('/token', { method: 'POST' })).headers.get('session-token')!
    expect(await (await app.request('/me', { headers: { cookie: `__Host-session=${token}` } })).json()).toEqual({ subject: null })
    expect(await (await app.request(`/me?access_token=${token}`)).json()).toEqual({ subject: null })
  })

  it('refuses an expired token', async () => {
    const { app, clock, events } = api()
    const token = (await app.request('/token', { method: 'POST' })).headers.get('session-token')!
    clock.advance(3600 + 30)
    expect(await (await app.request('/me', bearer(token))).json()).toEqual({ subject: null })
    expect(events.at(-1)?.type).toBe('expired')
  })

  it('refuses a revoked token, and tells the client to drop it', async () => {
    const { app, events } = api()
    const token = (await app.request('/token', { method: 'POST' })).headers.get('session-token')!
    const out = await app.request('/logout', { method: 'POST', ...bearer(token) })
    expect(out.headers.get('session-token')).toBe('')
    expect(await (await app.request('/me', bearer(token))).json()).toEqual({ subject: null })
    expect(events.at(-1)?.type).toBe('revoked')
  })

  it('treats malformed credentials as no session, with an event and no exception', async () => {
    const { app, events } = api()
    for (const authorization of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer %%%', `Bearer ${'A'.repeat(9000)}`, 'Basic dXNlcjpwYXNz', 'bearer=x']) {
      const response = await app.request('/me', { headers: { authorization } })
      expect(response.status, authorization.slice(0, 20)).toBe(200)
      expect(await response.json()).toEqual({ subject: null })
    }
    expect(events.filter((e) => e.type === 'invalid').length).toBeGreaterThanOrEqual(4)
  })

  it('re-seals under the newest secret and on refresh, returning the new token', async () => {
    const { engine, clock } = api()
    const s = await engine.load(null)
    await s.login('u')
    const first = (await engine.commit(s)).token!
    clock.advance(901)
    const again = await engine.load(new Headers({ authorization: `Bearer ${first}` }))
    const refreshed = await engine.commit(again)
    expect(refreshed.token).toBeDefined()
    expect(refreshed.token).not.toBe(first)
  })
})

describe('readBearer', () => {
  it('reads only the Bearer scheme, strictly', () => {
    expect(readBearer(null)).toEqual({ names: [] })
    expect(readBearer('Bearer abc')).toEqual({ names: [], token: 'abc' })
    expect(readBearer('Basic abc')).toEqual({ names: [] })
    expect(readBearer('Bearer')).toEqual({ names: [], reason: 'malformed' })
    expect(readBearer('Bearer a b')).toEqual({ names: [], reason: 'malformed' })
  })
})
