import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { createSessions } from 'sealed-session'
import { session } from 'sealed-session/hono'
import { cookieHeader, SECRET_A } from '../support/index.js'

describe('CSRF tokens', () => {
  it('differ on every call, verify for their session only, and refuse tampering', async () => {
    const sessions = createSessions({ secrets: SECRET_A })
    const a = await sessions.load('')
    const b = await sessions.load('')
    const t1 = a.csrfToken()
    const t2 = a.csrfToken()
    expect(t1).not.toBe(t2)
    expect(a.verifyCsrf(t1) && a.verifyCsrf(t2)).toBe(true)
    b.csrfToken()
    expect(b.verifyCsrf(t1)).toBe(false)
    const flipped = (t1[5] === 'A' ? 'B' : 'A')
    for (const bad of [t1.slice(0, -1), t1 + 'A', t1.slice(0, 5) + flipped + t1.slice(6), '', null, undefined, 42, 'x'.repeat(10_000)]) {
      expect(a.verifyCsrf(bad)).toBe(false)
    }
  })

  it('survive the round trip in the cookie, and change on login()', async () => {
    const sessions = createSessions({ secrets: SECRET_A })
    const s = await sessions.load('')
    const token = s.csrfToken()
    const header = cookieHeader(await sessions.commit(s))
    const loaded = await sessions.load(header)
    expect(loaded.verifyCsrf(token)).toBe(true)
    await loaded.login('ada')
    expect(loaded.verifyCsrf(token)).toBe(false)
  })

  it('are refused for a session that never made one', async () => {
    const s = await createSessions({ secrets: SECRET_A }).load('')
    expect(s.verifyCsrf('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).toBe(false)
  })
})

describe('CSRF enforcement in the Hono middleware', () => {
  const app = new Hono()
    .use(session({ secrets: SECRET_A }, { csrf: true }))
    .get('/form', (c) => c.text(c.get('session').csrfToken()))
    .post('/transfer', async (c) => {
      const body = await c.req.parseBody()
      return c.text(`moved ${String(body['amount'])}`)
    })
    .delete('/thing', (c) => c.text('deleted'))

  async function formPage() {
    const response = await app.request('/form')
    const token = await response.text()
    const cookie = response.headers.getSetCookie()[0]!.split(';')[0]!
    return { token, cookie }
  }

  it('refuses unsafe methods without a token, with 403', async () => {
    const { cookie } = await formPage()
    expect((await app.request('/transfer', { method: 'POST', headers: { cookie }, body: new URLSearchParams({ amount: '5' }) })).status).toBe(403)
    expect((await app.request('/thing', { method: 'DELETE', headers: { cookie } })).status).toBe(403)
    expect((await app.request('/transfer', { method: 'POST' })).status).toBe(403)
  })

  it('accepts the token from a form field, leaving the form readable by the handler', async () => {
    const { token, cookie } = await formPage()
    const response = await app.request('/transfer', { method: 'POST', headers: { cookie }, body: new URLSearchParams({ amount: '5', _csrf: token }) })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('moved 5')
  })

  it('accepts the token from the x-csrf-token header, and refuses another session’s token', async () => {
    const { token, cookie } = await formPage()
    expect((await app.request('/thing', { method: 'DELETE', headers: { cookie, 'x-csrf-token': token } })).status).toBe(200)
    const other = await formPage()
    expect((await app.request('/thing', { method: 'DELETE', headers: { cookie, 'x-csrf-token': other.token } })).status).toBe(403)
  })

  it('leaves safe methods alone', async () => {
    expect((await app.request('/form')).status).toBe(200)
  })
})
