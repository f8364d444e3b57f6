import { describe, expect, it } from 'vitest'
import { createSessions, type SessionEvent } from 'sealed-session'
import { SECRET_A, tokenOf } from '../support/index.js'

async function engine(maxChunks = 1) {
  const events: SessionEvent[] = []
  const sessions = createSessions({ secrets: SECRET_A, cookie: { maxChunks }, onEvent: (e) => events.push(e) })
  const s = await sessions.load('')
  s.set('user', 'ada')
  const commit = await sessions.commit(s)
  return { sessions, events, token: tokenOf(commit), commit }
}

describe('Cookie header abuse', () => {
  it('trusts no copy when our cookie appears twice, even if one copy is valid (cookie tossing)', async () => {
    const { sessions, token, events } = await engine()
    for (const header of [`__Host-session=${token}; __Host-session=forged`, `__Host-session=forged; __Host-session=${token}`, `__Host-session=${token}; __Host-session=${token}`]) {
      events.length = 0
      const s = await sessions.load(header)
      expect(s.isNew).toBe(true)
      expect(events).toEqual([{ type: 'invalid', reason: 'duplicate' }])
      // The response expires our cookie, so a planted copy does not linger.
      expect((await sessions.commit(s)).setCookie).toEqual(['__Host-session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax'])
    }
  })

  it('reads 100 KB and 1 MB headers and 10,000 cookies without an exception', async () => {
    const { sessions, token } = await engine()
    const junk = `a=${'x'.repeat(100 * 1024)}`
    expect((await sessions.load(junk)).isNew).toBe(true)
    expect((await sessions.load(`${junk}; __Host-session=${token}`)).get('user')).toBe('ada')
    expect((await sessions.load(';'.repeat(1024 * 1024))).isNew).toBe(true)
    expect((await sessions.load('='.repeat(1024 * 1024))).isNew).toBe(true)
    const many = Array.from({ length: 10_000 }, (_, i) => `k${i}=${i}`).join('; ')
    expect((await sessions.load(`${many}; __Host-session=${token}`)).get('user')).toBe('ada')
  })

  it('does not decode percent-encoding or accept non-ASCII, in names or values', async () => {
    const { sessions, token } = await engine()
    for (const header of [`__Host%2Dsession=${token}`, `__Host-session=${encodeURIComponent(token + '=')}`, `__Host-séssion=${token}`, `__Host-session=${token}ü`, `__Host-session="${token}"`]) {
      expect((await sessions.load(header)).isNew, header.slice(0, 24)).toBe(true)
    }
  })

  it('ignores chunk indexes the configuration cannot write, and refuses out-of-order or missing chunks', async () => {
    const { sessions, events } = await engine(2)
    const tooMany = Array.from({ length: 50 }, (_, i) => `__Host-session.${i}=AAAA`).join('; ')
    expect((await sessions.load(tooMany)).isNew).toBe(true)
    // Only .0 and .1 are ours: joined, they are no token.
    expect(events.at(-1)).toEqual({ type: 'invalid', reason: 'malformed' })
    expect((await sessions.load('__Host-session.1=AAAA')).isNew).toBe(true)
    expect(events.at(-1)).toEqual({ type: 'invalid', reason: 'malformed' })
  })

  it('expires at most the cookie names the configuration can write, however many a client invents (no response amplification)', async () => {
    for (const maxChunks of [1, 2, 4]) {
      const { sessions, token } = await engine(maxChunks)
      // A 15 KB Cookie header of bogus chunk names, repeated names, and a garbage token.
      const bogus = Array.from({ length: 700 }, (_, i) => `__Host-session.${i % 50 === 0 ? 0 : i}=x`).join('; ')
      for (const header of [bogus, `${bogus}; __Host-session=garbage`, `__Host-session=${token}; ${bogus}`]) {
        const session = await sessions.load(header)
        session.set('user', 'eve')
        const commit = await sessions.commit(session)
        const names = commit.cookies.map((cookie) => cookie.name)
        expect(new Set(names).size, `maxChunks ${maxChunks}`).toBe(names.length)
        expect(names.length).toBeLessThanOrEqual(1 + maxChunks)
        for (const name of names) expect(['__Host-session', ...Array.from({ length: maxChunks }, (_, i) => `__Host-session.${i}`)]).toContain(name)
        expect(commit.setCookie.join('\n').length).toBeLessThan((1 + maxChunks) * 4200)
      }
    }
  })
})
