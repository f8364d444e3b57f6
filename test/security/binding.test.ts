import { describe, expect, it } from 'vitest'
import { createSessions, type SessionEvent } from 'sealed-session'
import { normalizeSecrets } from '../../src/keys/secrets.js'
import { factoryOf, v1 } from '../../src/session/format.js'
import { cookieHeader, SECRET_A, tokenOf } from '../support/index.js'

const ua = (agent: string, cookie = '') => new Headers({ 'user-agent': agent, cookie })

describe('client binding', () => {
  function engine(binding = (h: { get(n: string): string | null }) => h.get('user-agent') ?? undefined) {
    const events: SessionEvent[] = []
    return { events, sessions: createSessions({ secrets: SECRET_A, binding: { value: binding }, onEvent: (e) => events.push(e) }) }
  }

  it('accepts the session from the same client and refuses it from another', async () => {
    const { sessions, events } = engine()
    const s = await sessions.load(ua('Firefox/140'))
    await s.login('ada')
    const cookie = cookieHeader(await sessions.commit(s))
    expect((await sessions.load(ua('Firefox/140', cookie))).subject).toBe('ada')
    const stolen = await sessions.load(ua('curl/8', cookie))
    expect(stolen.isNew).toBe(true)
    expect(events.at(-1)).toEqual({ type: 'invalid', reason: 'binding' })
    // The refusal expires the cookie on that client.
    expect((await sessions.commit(stolen)).setCookie[0]).toContain('Max-Age=0')
  })

  it('refuses a bound session sent without the bound header: dropping the value is a mismatch, not a pass', async () => {
    const { sessions, events } = engine()
    const s = await sessions.load(ua('Firefox/140'))
    await s.login('ada')
    const cookie = cookieHeader(await sessions.commit(s))
    for (const headers of [new Headers({ cookie }), cookie]) {
      events.length = 0
      const stolen = await sessions.load(headers)
      expect(stolen.isNew).toBe(true)
      expect(events).toEqual([{ type: 'invalid', reason: 'binding' }])
    }
    // The owner, with the header, still gets in.
    expect((await sessions.load(ua('Firefox/140', cookie))).subject).toBe('ada')
  })

  it('binds a session created before binding was configured at its next response', async () => {
    const before = createSessions({ secrets: SECRET_A })
    const s = await before.load('')
    await s.login('bo')
    const cookie = cookieHeader(await before.commit(s))
    const { sessions } = engine()
    const adopted = await sessions.load(ua('Safari/19', cookie))
    expect(adopted.subject).toBe('bo')
    const rebound = cookieHeader(await sessions.commit(adopted), cookie)
    expect((await sessions.load(ua('Safari/19', rebound))).subject).toBe('bo')
    expect((await sessions.load(ua('Chrome/150', rebound))).isNew).toBe(true)
  })

  it('fails closed when the binding hook throws', async () => {
    let fail = false
    const { sessions } = engine((h) => {
      if (fail) throw new Error('hook bug')
      return h.get('user-agent') ?? undefined
    })
    const s = await sessions.load(ua('A'))
    await s.login('cy')
    const cookie = cookieHeader(await sessions.commit(s))
    fail = true
    expect((await sessions.load(ua('A', cookie))).isNew).toBe(true)
  })

  it('seals only a digest of the bound value', async () => {
    const { sessions } = engine()
    const s = await sessions.load(ua('UniqueAgentString/1.0'))
    await s.login('di')
    const token = tokenOf(await sessions.commit(s))
    const opened = await factoryOf(v1())!({ secrets: normalizeSecrets(SECRET_A), purpose: '__Host-session', maxAgeLimit: 604_800, clockSkew: 30 }).open(token, Math.floor(Date.now() / 1000))
    const binding = opened.ok ? opened.record.binding : undefined
    expect(binding).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(binding).not.toContain('Unique')
  })
})
