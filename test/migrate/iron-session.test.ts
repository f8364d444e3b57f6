import { getIronSession, sealData } from 'iron-session'
import { getIronSession as getIronSession9, sealData as sealData9, webCookies } from 'iron-session-9'
import { describe, expect, it } from 'vitest'
import { ConfigurationError } from '../../src/index.js'
import { memoryRevocations } from '../../src/memory.js'
import { ironSession } from '../../src/migrate/iron-session.js'
import { Clock, CookieJar, harness } from '../support/index.js'

const PASSWORD_1 = 'iron-password-one-0123456789abcdefghij'
const PASSWORD_2 = 'iron-password-two-0123456789abcdefghij'
const NAME = 'app_session'

type Old = { userId?: number; cart?: string[] }
const map = (old: Record<string, unknown>) => {
  const { userId, cart } = old as Old
  return { subject: userId === undefined ? undefined : String(userId), data: { cart: cart ?? [] } }
}

/** Our sessions on a clock that starts now: iron-session seals with the real Date.now(). */
function setup(password: string | Record<string, string> = { 1: PASSWORD_1, 2: PASSWORD_2 }) {
  const clock = new Clock(Date.now())
  return { ...harness<{ cart: string[] }>({ clock: { now: clock.now }, migrate: [ironSession({ cookieName: NAME, password, map })] }), clock }
}

/** A real iron-session 8 request cycle: getIronSession on a web Request/Response, save(), the Set-Cookie it sends. */
async function ironCookie(data: Old, password: string | Record<string, string> = { 1: PASSWORD_1, 2: PASSWORD_2 }, ttl?: number): Promise<string> {
  const response = new Response()
  const session = await getIronSession<Old>(new Request('https://app.test/'), response, { cookieName: NAME, password, ...(ttl === undefined ? {} : { ttl }) })
  Object.assign(session, data)
  await session.save()
  return CookieJar.from().update(response.headers.getSetCookie()).header()
}

const request = (cookie: string) => new Request('https://app.test/', { headers: { cookie } })

describe('ironSession(): switching from iron-session', () => {
  it('takes an iron-session 8 cookie, seals it as ours, expires theirs, and the next request has the same data', async () => {
    const { sessions, events } = setup()
    const sent = await ironCookie({ userId: 42, cart: ['apple'] })
    expect(sent).toMatch(/^app_session=Fe26\.2\*2\*.*~2$/)
    const session = await sessions.load(request(sent))
    expect(session.subject).toBe('42')
    expect(session.get('cart')).toEqual(['apple'])
    const commit = await sessions.commit(session)
    expect(commit.setCookie[0]).toMatch(/^__Host-session=[\w-]+; Max-Age=/)
    expect(commit.setCookie[1]).toBe('app_session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax')
    const jar = CookieJar.from(sent).update(commit)
    expect(jar.header()).toMatch(/^__Host-session=[\w-]+$/)
    const next = await sessions.load(request(jar.header()))
    expect([next.isNew, next.subject, next.get('cart')]).toEqual([false, '42', ['apple']])
    expect(events.map((e) => e.type)).toEqual(['legacy-migrated', 'created'])
  })

  it('takes iron-session 9 cookies, whole and chunked (name.0, name.1, …), and expires every chunk', async () => {
    const { sessions } = setup()
    const whole = CookieJar.from().update([`${NAME}=${await sealData9({ userId: 9 }, { password: { 1: PASSWORD_1, 2: PASSWORD_2 } })}`]).header()
    expect((await sessions.load(request(whole))).subject).toBe('9')
    const headers = new Headers()
    const big = await getIronSession9<Old & { notes: string }>(webCookies(new Request('https://app.test/'), headers), { cookieName: NAME, password: PASSWORD_1, chunk: true })
    Object.assign(big, { userId: 10, notes: 'x'.repeat(6000) })
    await big.save()
    const chunked = CookieJar.from().update(headers.getSetCookie()).header()
    expect(chunked).toMatch(/^app_session\.0=Fe26.*; app_session\.1=/)
    const ours = setup(PASSWORD_1).sessions
    const session = await ours.load(request(chunked))
    expect(session.subject).toBe('10')
    const commit = await ours.commit(session)
    const sentNames = chunked.split('; ').map((pair) => pair.split('=')[0])
    expect(commit.setCookie.filter((line) => line.startsWith('app_session.')).map((line) => line.split('=')[0])).toEqual(sentNames)
    expect(CookieJar.from(chunked).update(commit).header()).toMatch(/^__Host-session=[\w-]+$/)
  })

  it('picks the password by the id inside the seal: a plain password is id 1; an older id reports old-secret', async () => {
    const plain = await ironCookie({ userId: 1 }, PASSWORD_1)
    const { sessions, events } = setup()
    expect((await sessions.load(request(plain))).subject).toBe('1')
    expect(events[0]).toEqual({ type: 'old-secret', reader: 'iron-session', keyId: '1' })
    // Sealed with { 2: X } is not opened by password: X (id 1 only), as iron-session refuses it.
    const asTwo = await ironCookie({ userId: 2 }, { 2: PASSWORD_1 })
    const onlyOne = setup(PASSWORD_1)
    expect((await onlyOne.sessions.load(request(asTwo))).subject).toBeUndefined()
    expect(onlyOne.events).toEqual([{ type: 'legacy-refused', reader: 'iron-session', reason: 'unknown-key' }])
  })

  it("refuses an expired seal by iron's rule (60 s of grace), and a ttl of 0 never expires", async () => {
    const sent = await ironCookie({ userId: 3 }, PASSWORD_1, 120)
    const within = setup(PASSWORD_1)
    within.clock.advance(120 + 59)
    expect((await within.sessions.load(request(sent))).subject).toBe('3')
    const past = setup(PASSWORD_1)
    past.clock.advance(120 + 61)
    expect((await past.sessions.load(request(sent))).subject).toBeUndefined()
    expect(past.events).toEqual([{ type: 'legacy-refused', reader: 'iron-session', reason: 'expired' }])
    const forever = CookieJar.from().update([`${NAME}=${await sealData({ userId: 4 }, { password: PASSWORD_1, ttl: 0 })}`]).header()
    const later = setup(PASSWORD_1)
    later.clock.advance(400 * 86400)
    expect((await later.sessions.load(request(forever))).subject).toBe('4')
  })

  it('refuses tampered, wrong-password, foreign and malformed seals without exceptions, with the reason', async () => {
    const { sessions, events } = setup()
    const good = await ironCookie({ userId: 5 })
    const value = good.slice(NAME.length + 1)
    const parts = value.replace(/~2$/, '').split('*')
    const flip = (i: number) => parts.map((p, j) => (j === i ? (p[0] === 'A' ? 'B' : 'A') + p.slice(1) : p)).join('*')
    // A later expiry (the 6th field) would keep a session alive longer: it is under the MAC.
    const extended = parts.map((p, j) => (j === 5 ? String(Number(p) + 86400_000) : p)).join('*')
    const cases: [string, string][] = [
      [`${NAME}=${flip(4)}~2`, 'signature'],
      [`${NAME}=${flip(2)}~2`, 'signature'],
      [`${NAME}=${flip(7)}~2`, 'signature'],
      [`${NAME}=${extended}~2`, 'signature'],
      [await ironCookie({ userId: 5 }, { 2: 'another-apps-password-0123456789abcdef' }), 'signature'],
      [await ironCookie({ userId: 5 }, { 7: PASSWORD_1 }), 'unknown-key'],
      [`${NAME}=${value.replace('Fe26.2', 'Fe26.1')}`, 'malformed'],
      [`${NAME}=${parts.slice(0, 7).join('*')}`, 'malformed'],
      [`${NAME}=not-a-seal`, 'malformed'],
      [`${good}; ${good}`, 'duplicate'],
    ]
    for (const [cookie, reason] of cases) {
      events.length = 0
      const session = await sessions.load(request(cookie))
      expect(session.subject, cookie).toBeUndefined()
      expect(events, cookie).toEqual([{ type: 'legacy-refused', reader: 'iron-session', reason }])
      expect((await sessions.commit(session)).setCookie).toEqual([])
    }
    // The `~2` suffix is outside the MAC: another suffix is ignored, as iron-session 9 does.
    events.length = 0
    expect((await sessions.load(request(good.replace(/~2$/, '~9')))).subject).toBe('5')
  })

  it('records the sign-in in a store, and checks its options strictly', async () => {
    const clock = new Clock(Date.now())
    const { sessions } = harness({ clock: { now: clock.now }, revocation: { store: memoryRevocations({ now: clock.now }) }, migrate: [ironSession({ cookieName: NAME, password: PASSWORD_1, map })] })
    const session = await sessions.load(request(await ironCookie({ userId: 77 }, PASSWORD_1)))
    await sessions.commit(session)
    expect((await sessions.listSessions('77')).length).toBe(1)
    expect(() => ironSession({ cookieName: NAME, password: PASSWORD_1, map, ttl: 60 } as never)).toThrow(ConfigurationError)
    expect(() => ironSession({ cookieName: NAME, password: 'short', map })).toThrow(/at least 32/)
    expect(() => ironSession({ cookieName: NAME, password: { a: PASSWORD_1 }, map })).toThrow(/whole numbers/)
    expect(() => ironSession({ cookieName: 'a b', password: PASSWORD_1, map })).toThrow(/cookie name/)
  })
})
