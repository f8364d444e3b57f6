import { decode, encode } from '@auth/core/jwt'
import { describe, expect, it } from 'vitest'
import { ConfigurationError } from '../../src/index.js'
import { memoryRevocations } from '../../src/memory.js'
import { authJs } from '../../src/migrate/auth-js.js'
import { Clock, CookieJar, harness } from '../support/index.js'
// Auth.js's own chunker (not in its package exports): the cookies its JWT strategy writes.
import { SessionStore } from '../../node_modules/@auth/core/lib/utils/cookie.js'

const NAME = '__Secure-authjs.session-token'
const SECRET = 'auth-js-secret-new-0123456789abcdefghijkl'
const OLD_SECRET = 'auth-js-secret-old-0123456789abcdefghijkl'

const map = (jwt: Record<string, unknown>) => ({ subject: typeof jwt.sub === 'string' ? jwt.sub : undefined, data: { email: typeof jwt.email === 'string' ? jwt.email : null } })

function setup(secret: string | string[] = [SECRET, OLD_SECRET], name = NAME) {
  const clock = new Clock(Date.now())
  return { ...harness<{ email: string | null }>({ clock: { now: clock.now }, migrate: [authJs({ cookieName: name, secret, map })] }), clock }
}

/** Auth.js's session cookie(s) for `token`, as its JWT strategy writes them (chunked past 3936 characters). */
async function authCookie(token: Record<string, unknown>, secret: string | string[] = SECRET, options: { maxAge?: number; name?: string } = {}): Promise<string> {
  const name = options.name ?? NAME
  const jwt = await encode({ token, secret, salt: name, ...(options.maxAge === undefined ? {} : { maxAge: options.maxAge }) })
  const store = new SessionStore({ name, options: { path: '/', secure: true, httpOnly: true, sameSite: 'lax' } }, {}, console)
  const cookies = store.chunk(jwt, {}) as { name: string; value: string }[]
  return cookies.map((c) => `${c.name}=${c.value}`).join('; ')
}

const request = (cookie: string) => new Request('https://app.test/', { headers: { cookie } })

describe('authJs(): switching from Auth.js (JWT strategy)', () => {
  it('takes an Auth.js session cookie, seals it as ours, expires theirs, and the next request has the same data', async () => {
    const { sessions, events } = setup()
    const sent = await authCookie({ sub: 'user-1', email: 'a@example.test' })
    expect(sent).toMatch(/^__Secure-authjs\.session-token=eyJ[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/)
    const session = await sessions.load(request(sent))
    expect(session.subject).toBe('user-1')
    expect(session.get('email')).toBe('a@example.test')
    const commit = await sessions.commit(session)
    expect(commit.setCookie[1]).toBe('__Secure-authjs.session-token=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax')
    const jar = CookieJar.from(sent).update(commit)
    expect(jar.header()).toMatch(/^__Host-session=[\w-]+$/)
    const next = await sessions.load(request(jar.header()))
    expect([next.isNew, next.subject, next.get('email')]).toEqual([false, 'user-1', 'a@example.test'])
    expect(events.map((e) => e.type)).toEqual(['legacy-migrated', 'created'])
  })

  it('joins chunked cookies (name.0, name.1, …) and expires every chunk', async () => {
    const { sessions } = setup()
    const sent = await authCookie({ sub: 'user-2', picture: 'x'.repeat(5000) })
    expect(sent).toMatch(/^__Secure-authjs\.session-token\.0=.*; __Secure-authjs\.session-token\.1=/)
    const session = await sessions.load(request(sent))
    expect(session.subject).toBe('user-2')
    const commit = await sessions.commit(session)
    expect(commit.setCookie.slice(1).map((line) => line.split('=')[0])).toEqual(sent.split('; ').map((pair) => pair.split('=')[0]))
  })

  it("opens a token sealed with the old secret (picked by kid, as Auth.js does) and reports old-secret", async () => {
    const sent = await authCookie({ sub: 'user-3' }, OLD_SECRET)
    expect(await decode({ token: sent.slice(NAME.length + 1), secret: [SECRET, OLD_SECRET], salt: NAME })).toMatchObject({ sub: 'user-3' })
    const { sessions, events } = setup()
    expect((await sessions.load(request(sent))).subject).toBe('user-3')
    expect(events[0]).toEqual({ type: 'old-secret', reader: 'auth-js', keyId: 1 })
  })

  it("refuses an expired token by Auth.js's rule (15 s of tolerance)", async () => {
    const sent = await authCookie({ sub: 'user-4' }, SECRET, { maxAge: 60 })
    const within = setup()
    within.clock.advance(60 + 14)
    expect((await within.sessions.load(request(sent))).subject).toBe('user-4')
    const past = setup()
    past.clock.advance(60 + 16)
    expect((await past.sessions.load(request(sent))).subject).toBeUndefined()
    expect(past.events).toEqual([{ type: 'legacy-refused', reader: 'auth-js', reason: 'expired' }])
  })

  it('refuses tampered, wrong-secret, moved and malformed tokens without exceptions, with the reason', async () => {
    const { sessions, events } = setup()
    const good = await authCookie({ sub: 'user-5' })
    const parts = good.slice(NAME.length + 1).split('.')
    const flip = (i: number) => parts.map((p, j) => (j === i ? (p[0] === 'A' ? 'B' : 'A') + p.slice(1) : p)).join('.')
    const header = JSON.parse(atob(parts[0]!.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>
    const reheader = (changes: Record<string, unknown>) => [btoa(JSON.stringify({ ...header, ...changes })).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'), ...parts.slice(1)].join('.')
    const cases: [string, string][] = [
      [`${NAME}=${flip(3)}`, 'signature'],
      [`${NAME}=${flip(4)}`, 'signature'],
      [`${NAME}=${flip(2)}`, 'signature'],
      // The protected header is authenticated (AAD): a header rewritten with the same kid fails the tag.
      [`${NAME}=${reheader({ typ: 'JWT' })}`, 'signature'],
      [`${NAME}=${reheader({ alg: 'A256KW' })}`, 'malformed'],
      [`${NAME}=${reheader({ zip: 'DEF' })}`, 'malformed'],
      [await authCookie({ sub: 'user-5' }, 'another-apps-secret-0123456789abcdefghij'), 'unknown-key'],
      // Sealed for another cookie name (the salt): the key and kid differ.
      [`${NAME}=${(await authCookie({ sub: 'user-5' }, SECRET, { name: 'authjs.session-token' })).split('=')[1]}`, 'unknown-key'],
      [`${NAME}=${parts.slice(0, 4).join('.')}`, 'malformed'],
      [`${NAME}=not.a.jwe..token`, 'malformed'],
      [`${good}; ${good}`, 'duplicate'],
    ]
    for (const [cookie, reason] of cases) {
      events.length = 0
      const session = await sessions.load(request(cookie))
      expect(session.subject, cookie).toBeUndefined()
      expect(events, cookie).toEqual([{ type: 'legacy-refused', reader: 'auth-js', reason }])
      expect((await sessions.commit(session)).setCookie).toEqual([])
    }
  })

  it('records the sign-in in a store, and checks its options strictly', async () => {
    const clock = new Clock(Date.now())
    const { sessions } = harness({ clock: { now: clock.now }, revocation: { store: memoryRevocations({ now: clock.now }) }, migrate: [authJs({ cookieName: NAME, secret: SECRET, map })] })
    await sessions.commit(await sessions.load(request(await authCookie({ sub: 'user-9' }))))
    expect((await sessions.listSessions('user-9')).length).toBe(1)
    expect(() => authJs({ cookieName: NAME, secret: SECRET, map, secrets: [SECRET] } as never)).toThrow(/did you mean `secret`/)
    expect(() => authJs({ cookieName: NAME, secret: [], map })).toThrow(ConfigurationError)
    expect(() => authJs({ secret: SECRET, map } as never)).toThrow(/cookieName/)
  })
})
