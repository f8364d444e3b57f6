import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { requireFresh, session } from 'sealed-session/hono'
import { Clock, SECRET_A } from '../support/index.js'

function app(clock: Clock) {
  return new Hono()
    .use(session({ secrets: SECRET_A, clock: { now: clock.now } }))
    .post('/login', async (c) => {
      await c.get('session').login('ada')
      return c.text('ok')
    })
    .use('/settings/*', requireFresh(300))
    .use('/billing/*', requireFresh(60, { onStale: (c) => c.redirect('/login?reauth=1', 303) }))
    .get('/settings/password', (c) => c.text(`fresh since ${c.get('session').authenticatedAt?.toISOString()}`))
    .get('/billing/card', (c) => c.text('card'))
    .onError((error, c) => c.text(error.message, 'status' in error && error.status === 401 ? 401 : 500))
}

describe('freshness for sensitive actions', () => {
  it('lets a recent sign-in through and asks an old one to sign in again', async () => {
    const clock = new Clock()
    const a = app(clock)
    const cookie = (await a.request('/login', { method: 'POST' })).headers.getSetCookie()[0]!.split(';')[0]!
    const get = (path: string) => a.request(path, { headers: { cookie } })
    expect((await get('/settings/password')).status).toBe(200)
    clock.advance(61)
    const billing = await get('/billing/card')
    expect(billing.status).toBe(303)
    expect(billing.headers.get('location')).toBe('/login?reauth=1')
    expect((await get('/settings/password')).status).toBe(200)
    clock.advance(240)
    expect((await get('/settings/password')).status).toBe(401)
  })

  it('treats an anonymous visitor as not fresh', async () => {
    const a = app(new Clock())
    expect((await a.request('/settings/password')).status).toBe(401)
  })
})
