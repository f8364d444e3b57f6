import { describe, expect, it } from 'vitest'
import { createSessions, SessionTooLargeError, type SessionEvent } from 'sealed-session'
import { Clock, cookieHeader, harness, SECRET_A, SECRET_B, tokenOf } from '../support/index.js'

type Cart = { cart: string[]; note: string }

describe('a session round trip', () => {
  it('sets nothing for a visitor who stored nothing', async () => {
    const { sessions } = harness()
    const session = await sessions.load(null)
    expect(session.isNew).toBe(true)
    expect(await sessions.commit(session)).toEqual({ cookies: [], setCookie: [], headers: [] })
  })

  it('round-trips typed data, unicode and the subject', async () => {
    const { sessions } = harness<Cart>()
    const first = await sessions.load(new Headers())
    first.set('cart', ['äpfel', '🍐', '梨'])
    first.set('note', '')
    await first.login('user-1')
    const commit = await sessions.commit(first)
    expect(commit.headers).toEqual([['Cache-Control', 'no-store'], ['Vary', 'Cookie']])
    expect(commit.setCookie[0]).toMatch(/^__Host-session=[A-Za-z0-9_-]+; Max-Age=86400; Path=\/; Secure; HttpOnly; SameSite=Lax$/)
    const second = await sessions.load(new Request('https://example.com/', { headers: { cookie: cookieHeader(commit) } }))
    expect(second.isNew).toBe(false)
    expect(second.subject).toBe('user-1')
    expect(second.id).toBe(first.id)
    expect(second.get('cart')).toEqual(['äpfel', '🍐', '梨'])
    expect(second.get('note')).toBe('')
    expect(second.data).toEqual({ cart: ['äpfel', '🍐', '梨'], note: '' })
  })

  it('round-trips an empty data object once logged in', async () => {
    const { sessions } = harness()
    const s = await sessions.load('')
    await s.login('u')
    const again = await sessions.load(cookieHeader(await sessions.commit(s)))
    expect(again.data).toEqual({})
    expect(again.subject).toBe('u')
  })

  it('commits nothing for an unchanged session before a refresh is due', async () => {
    const { sessions, clock } = harness()
    const s = await sessions.load('')
    s.set('n', 1)
    const header = cookieHeader(await sessions.commit(s))
    clock.advance(60)
    expect((await sessions.commit(await sessions.load(header))).setCookie).toEqual([])
  })

  it('does not read inherited properties as data', async () => {
    const { sessions } = harness()
    const s = await sessions.load('')
    expect(s.get('constructor')).toBeUndefined()
    s.set('__proto__', { polluted: true })
    const again = await sessions.load(cookieHeader(await sessions.commit(s)))
    expect(again.get('__proto__')).toEqual({ polluted: true })
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })
})

describe('identity changes', () => {
  it('login() always issues a new id and keeps the data (no fixation)', async () => {
    const { sessions } = harness()
    const s = await sessions.load('')
    s.set('cart', ['a'])
    const header = cookieHeader(await sessions.commit(s))
    const loaded = await sessions.load(header)
    const before = loaded.id
    await loaded.login('user-2')
    expect(loaded.id).not.toBe(before)
    expect(loaded.id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(loaded.get('cart')).toEqual(['a'])
  })

  it('regenerate() keeps data and subject under a new id', async () => {
    const { sessions } = harness()
    const s = await sessions.load('')
    await s.login('admin')
    s.set('role', 'admin')
    const old = s.id
    await s.regenerate()
    expect(s.id).not.toBe(old)
    const again = await sessions.load(cookieHeader(await sessions.commit(s)))
    expect([again.id, again.subject, again.get('role')]).toEqual([s.id, 'admin', 'admin'])
  })

  it('destroy() expires the cookie and forgets everything', async () => {
    const { sessions, events } = harness()
    const s = await sessions.load('')
    await s.login('u')
    const header = cookieHeader(await sessions.commit(s))
    const loaded = await sessions.load(header)
    loaded.destroy()
    expect(loaded.subject).toBeUndefined()
    const commit = await sessions.commit(loaded)
    expect(commit.setCookie).toEqual(['__Host-session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax'])
    expect(cookieHeader(commit, header)).toBe('')
    expect(events.map((e) => e.type)).toEqual(['created', 'destroyed'])
  })

  it('a session written after destroy() replaces the old cookie', async () => {
    const { sessions } = harness()
    const s = await sessions.load('')
    s.set('a', 1)
    const loaded = await sessions.load(cookieHeader(await sessions.commit(s)))
    loaded.destroy()
    loaded.set('b', 2)
    const again = await sessions.load(cookieHeader(await sessions.commit(loaded)))
    expect(again.data).toEqual({ b: 2 })
  })

  it('refuses an empty subject and a login lifetime above maxAgeLimit', async () => {
    const { sessions } = harness({ lifetime: { maxAgeLimit: 30 * 86_400 } })
    const s = await sessions.load('')
    // Bad arguments at run time are TypeError / RangeError, not configuration errors.
    await expect(s.login('')).rejects.toThrow(TypeError)
    await expect(s.login('')).rejects.toThrow(/non-empty string subject/)
    await expect(s.login('u', { maxAge: 31 * 86_400 })).rejects.toThrow(RangeError)
    await expect(s.login('u', { maxAge: 31 * 86_400 })).rejects.toThrow(/maxAgeLimit \(2592000\).*Raise maxAgeLimit/)
    await expect(s.login('u', { idleTimeout: 0.5 })).rejects.toThrow(RangeError)
  })
})

describe('flash values', () => {
  it('are readable once, on the next request', async () => {
    const { sessions } = harness()
    const s = await sessions.load('')
    s.flash('notice', 'Saved!')
    const header = cookieHeader(await sessions.commit(s))
    const next = await sessions.load(header)
    expect(next.getFlash('notice')).toBe('Saved!')
    expect(next.getFlash('notice')).toBeUndefined()
    const after = await sessions.load(cookieHeader(await sessions.commit(next), header))
    expect(after.getFlash('notice')).toBeUndefined()
  })
})

describe('lifetime with an injected clock', () => {
  const DAY = 86_400

  async function start(options: Parameters<typeof harness>[0] = {}) {
    const h = harness(options)
    const s = await h.sessions.load('')
    await s.login('u')
    return { ...h, header: cookieHeader(await h.sessions.commit(s)), id: s.id }
  }

  it('ends at the idle timeout (plus skew) and not a second before', async () => {
    const { sessions, clock, header, events } = await start({ lifetime: { idleTimeout: 3600, refreshAfter: 900, maxAge: DAY } })
    clock.advance(3600 + 29)
    expect((await sessions.load(header)).subject).toBe('u')
    clock.advance(1)
    expect((await sessions.load(header)).isNew).toBe(true)
    expect(events.at(-1)).toMatchObject({ type: 'expired' })
  })

  it('rolls: a request after refreshAfter re-seals and moves the idle expiry', async () => {
    const { sessions, clock, header, events } = await start({ lifetime: { idleTimeout: 3600, refreshAfter: 900, maxAge: DAY } })
    clock.advance(899)
    expect((await sessions.commit(await sessions.load(header))).setCookie).toEqual([])
    clock.advance(1)
    const refreshed = await sessions.load(header)
    const commit = await sessions.commit(refreshed)
    expect(commit.setCookie).toHaveLength(1)
    expect(events.at(-1)?.type).toBe('refreshed')
    expect(refreshed.idleExpiresAt.getTime()).toBe(clock.ms + 3600_000)
    // The old cookie would now be idle-expired; the refreshed one is not.
    clock.advance(3000)
    const next = cookieHeader(commit, header)
    expect((await sessions.load(next)).subject).toBe('u')
    expect((await sessions.load(header)).isNew).toBe(true)
  })

  it('ends at the absolute lifetime however active the session is', async () => {
    const { sessions, clock, header: first } = await start({ lifetime: { idleTimeout: 3600, refreshAfter: 600, maxAge: 3 * 3600 } })
    let header = first
    for (let i = 0; i < 17; i++) {
      clock.advance(600)
      const s = await sessions.load(header)
      expect(s.subject).toBe('u')
      header = cookieHeader(await sessions.commit(s), header)
    }
    // 10,200 s in: the cookie's Max-Age shrinks to the absolute end.
    expect(header).not.toBe('')
    clock.advance(600 + 30)
    expect((await sessions.load(header)).isNew).toBe(true)
  })

  it('sets Max-Age to the token expiry: the smaller of idle and absolute', async () => {
    const { sessions, clock } = harness({ lifetime: { idleTimeout: 3600, maxAge: 5000 } })
    const s = await sessions.load('')
    s.set('x', 1)
    const first = await sessions.commit(s)
    expect(first.setCookie[0]).toContain('Max-Age=3600;')
    const header = cookieHeader(first)
    clock.advance(2000)
    const again = await sessions.load(header)
    again.set('x', 2)
    expect((await sessions.commit(again)).setCookie[0]).toContain('Max-Age=3000;')
  })

  it('remember me: login() with a longer maxAge and idleTimeout', async () => {
    const { sessions, clock } = harness({ lifetime: { maxAgeLimit: 30 * DAY } })
    const s = await sessions.load('')
    await s.login('u', { maxAge: 30 * DAY, idleTimeout: 14 * DAY })
    const commit = await sessions.commit(s)
    expect(commit.setCookie[0]).toContain(`Max-Age=${14 * DAY};`)
    clock.advance(10 * DAY)
    const later = await sessions.load(cookieHeader(commit))
    expect(later.subject).toBe('u')
    expect(later.expiresAt.getTime() - later.createdAt.getTime()).toBe(30 * DAY * 1000)
  })

  it('tolerates a token from a machine whose clock is ahead by less than the skew', async () => {
    const ahead = new Clock()
    ahead.advance(25)
    const writer = createSessions({ secrets: SECRET_A, clock: { now: ahead.now } })
    const s = await writer.load('')
    s.set('a', 1)
    const header = cookieHeader(await writer.commit(s))
    const { sessions } = harness()
    expect((await sessions.load(header)).get('a')).toBe(1)
  })
})

describe('rotation', () => {
  it('accepts a token under the previous secret and re-seals it under the newest', async () => {
    const clock = new Clock()
    const events: string[] = []
    const before = createSessions({ secrets: [SECRET_B], clock: { now: clock.now } })
    const s = await before.load('')
    s.set('a', 1)
    const header = cookieHeader(await before.commit(s))
    const after = createSessions({ secrets: [SECRET_A, SECRET_B], clock: { now: clock.now }, onEvent: (e) => events.push(e.type) })
    const loaded = await after.load(header)
    expect(loaded.get('a')).toBe(1)
    const commit = await after.commit(loaded)
    expect(commit.setCookie).toHaveLength(1)
    expect(events).toEqual(['old-secret', 'rotated'])
    // The re-sealed cookie opens without the old secret.
    const only = createSessions({ secrets: [SECRET_A], clock: { now: clock.now } })
    expect((await only.load(cookieHeader(commit))).get('a')).toBe(1)
    // And the old one no longer does once the secret is removed.
    expect((await only.load(header)).isNew).toBe(true)
  })
})

describe('bad input never throws from load()', () => {
  it('gives a new session, an event with a reason, and expires the bad cookie', async () => {
    const { sessions, events } = harness()
    const good = await sessions.load('')
    good.set('a', 1)
    const token = tokenOf(await sessions.commit(good))
    const cases: [string, string][] = [
      ['__Host-session=%%%', 'malformed'],
      ['__Host-session=', 'malformed'],
      [`__Host-session=${token.slice(0, -3)}`, 'decrypt'],
      [`__Host-session=${token}; __Host-session=${token}`, 'duplicate'],
      [`__Host-session=Z${token.slice(1)}`, 'version'],
      [`__Host-session=${'x'.repeat(5000)}`, 'too-long'],
    ]
    for (const [header, reason] of cases) {
      events.length = 0
      const s = await sessions.load(header)
      expect(s.isNew, header.slice(0, 40)).toBe(true)
      expect(events, header.slice(0, 40)).toEqual([{ type: 'invalid', reason }])
      const commit = await sessions.commit(s)
      expect(commit.setCookie.every((c) => c.includes('Max-Age=0'))).toBe(true)
    }
  })

  it('accepts Headers, a Request, a string, null, undefined and a throwing getter', async () => {
    const { sessions } = harness()
    const hostile = { get(): string | null { throw new Error('boom') } }
    for (const source of [new Headers(), new Request('https://x/'), 'a=b', null, undefined, hostile]) {
      expect((await sessions.load(source)).isNew).toBe(true)
    }
  })

  it('ignores a throwing onEvent handler', async () => {
    const { sessions } = harness({ onEvent: () => { throw new Error('listener') } })
    expect((await sessions.load('__Host-session=zz')).isNew).toBe(true)
  })
})

describe('the size limit through commit()', () => {
  /** Finds a string length for which the cookie is exactly `target` bytes. */
  async function sizeFor(target: number): Promise<number> {
    const { sessions } = harness()
    for (let n = 2800; n < 3100; n++) {
      const s = await sessions.load('')
      s.set('blob', 'x'.repeat(n))
      try {
        const line = (await sessions.commit(s)).setCookie[0]!
        if (line.indexOf(';') - 1 === target) return n
      } catch {
        return -1
      }
    }
    return -1
  }

  it('sets a cookie of exactly 4096 bytes and throws SessionTooLargeError at 4097, sending nothing', async () => {
    const n = await sizeFor(4096)
    expect(n).toBeGreaterThan(0)
    const { sessions, events } = harness()
    const s = await sessions.load('')
    s.set('blob', 'x'.repeat(n + 1))
    const error = await sessions.commit(s).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SessionTooLargeError)
    expect(error).toMatchObject({ size: 4097, limit: 4096 })
    expect(events.at(-1)).toMatchObject({ type: 'too-large', size: 4097, limit: 4096 })
  })

  it('chunks when allowed, round-trips, and expires stale chunks when the session shrinks', async () => {
    const { sessions } = harness({ cookie: { maxChunks: 3 } })
    const s = await sessions.load('')
    s.set('blob', 'y'.repeat(5000))
    const commit = await sessions.commit(s)
    expect(commit.setCookie.map((c) => c.split('=')[0])).toEqual(['__Host-session.0', '__Host-session.1'])
    const header = cookieHeader(commit)
    const loaded = await sessions.load(header)
    expect(loaded.get('blob')).toBe('y'.repeat(5000))
    loaded.set('blob', 'small')
    const shrunk = await sessions.commit(loaded)
    expect(shrunk.setCookie.map((c) => c.split(/[=;]/)[0] + (c.includes('Max-Age=0') ? ' expired' : ''))).toEqual([
      '__Host-session',
      '__Host-session.0 expired',
      '__Host-session.1 expired',
    ])
    expect((await sessions.load(cookieHeader(shrunk, header))).get('blob')).toBe('small')
  })
})

describe('expiry at its exact boundary (issue 20: mutants of the comparison must fail a test)', () => {
  it('refuses a session at its absolute expiry plus the skew to the second, accepts it one second before', async () => {
    const { sessions, clock } = harness({ lifetime: { maxAge: 100, idleTimeout: 100, refreshAfter: 0 }, clock: { skew: 5 } })
    const session = await sessions.load(null)
    session.set('n', 1)
    const cookie = cookieHeader(await sessions.commit(session))
    clock.advance(104)
    expect((await sessions.load(cookie)).isNew, 'expiry + skew - 1 s: still accepted').toBe(false)
    clock.advance(1)
    expect((await sessions.load(cookie)).isNew, 'expiry + skew: refused').toBe(true)
  })

  it('holds a cookie to an idle timeout shortened since it was sealed, to the second (its header still says later)', async () => {
    const clock = new Clock()
    const before = createSessions({ secrets: SECRET_A, clock: { now: clock.now, skew: 5 }, lifetime: { maxAge: 1000, idleTimeout: 100 } })
    const session = await before.load(null)
    session.set('n', 1)
    const cookie = cookieHeader(await before.commit(session))
    const events: SessionEvent[] = []
    const after = createSessions({ secrets: SECRET_A, clock: { now: clock.now, skew: 5 }, lifetime: { maxAge: 1000, idleTimeout: 50 }, onEvent: (e) => events.push(e) })
    clock.advance(54)
    expect((await after.load(cookie)).isNew, 'new idle expiry + skew - 1 s: accepted').toBe(false)
    clock.advance(1)
    expect((await after.load(cookie)).isNew, 'new idle expiry + skew: refused').toBe(true)
    expect(events.filter((e) => e.type === 'expired').map((e) => 'reason' in e && e.reason)).toEqual(['idle'])
  })
})
