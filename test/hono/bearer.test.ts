import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { createSessions, type SessionEvent } from 'sealed-session'
import { session } from 'sealed-session/hono'
import { memoryRevocations } from 'sealed-session/memory'
import { Clock, SECRET_A, SECRET_B } from '../support/index.js'

function api() {
  const clock = new Clock()
  const events: SessionEvent[] = []
  const revocations = memoryRevocations({ now: clock.now })
  const options = { secrets: SECRET_A, bearer: {}, clock: { now: clock.now }, revocation: { store: revocations, revalidateAfter: 0 }, lifetime: { idleTimeout: 3600 }, onEvent: (e: SessionEvent) => events.push(e) }
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

  it('re-seals a token from an older secret under the newest one, and the old secret can then go', async () => {
    const clock = new Clock()
    const events: SessionEvent[] = []
    const before = createSessions({ secrets: SECRET_A, bearer: {  }, clock: { now: clock.now } })
    const old = await before.load(null)
    await old.login('u')
    const first = (await before.commit(old)).token!
    // Rotation: SECRET_B is new and seals; SECRET_A still opens.
    const app = new Hono()
      .use(session({ secrets: [SECRET_B, SECRET_A], bearer: {  }, clock: { now: clock.now }, onEvent: (e) => events.push(e) }))
      .get('/me', (c) => c.json({ subject: c.get('session').subject ?? null }))
    clock.advance(1)
    const response = await app.request('/me', bearer(first))
    expect(await response.json()).toEqual({ subject: 'u' })
    const second = response.headers.get('session-token')!
    expect(second).toMatch(/^[A-Za-z0-9_-]{100,}$/)
    expect(second).not.toBe(first)
    expect(events).toContainEqual(expect.objectContaining({ type: 'rotated' }))
    // Only the newest secret left: the re-sealed token opens, the original does not.
    const after = createSessions({ secrets: SECRET_B, bearer: {  }, clock: { now: clock.now } })
    expect((await after.load(new Headers({ authorization: `Bearer ${second}` }))).subject).toBe('u')
    expect((await after.load(new Headers({ authorization: `Bearer ${first}` }))).subject).toBeUndefined()
  })

  it('re-seals an unchanged token once refreshAfter has passed, returning the new token', async () => {
    const clock = new Clock()
    // idleTimeout 3600: refreshAfter defaults to a quarter, 900 s.
    const engine = createSessions({ secrets: SECRET_A, bearer: {  }, clock: { now: clock.now }, lifetime: { idleTimeout: 3600 } })
    const s = await engine.load(null)
    await s.login('u')
    const first = (await engine.commit(s)).token!
    clock.advance(899)
    expect((await engine.commit(await engine.load(new Headers({ authorization: `Bearer ${first}` })))).token).toBeUndefined()
    clock.advance(2)
    const refreshed = await engine.commit(await engine.load(new Headers({ authorization: `Bearer ${first}` })))
    expect(refreshed.token).toMatch(/^[A-Za-z0-9_-]{100,}$/)
    expect(refreshed.token).not.toBe(first)
  })

  it('reads only the Bearer scheme, strictly: other schemes are no token, a broken Bearer is invalid', async () => {
    const { engine, events } = api()
    for (const authorization of [null, 'Basic abc', 'Digest x', 'Bearerabc']) {
      const before = events.length
      expect((await engine.load(new Headers(authorization === null ? {} : { authorization }))).isNew).toBe(true)
      expect(events.slice(before), String(authorization)).toEqual([])
    }
    for (const authorization of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer abc']) {
      const before = events.length
      expect((await engine.load(new Headers({ authorization }))).isNew).toBe(true)
      expect(events.slice(before), authorization).toEqual([expect.objectContaining({ type: 'invalid', reason: 'malformed' })])
    }
  })
})
