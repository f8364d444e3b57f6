import { describe, expect, it } from 'vitest'
import { ConfigurationError, createSessions, type SessionEvent, type SessionOptions } from '../../src/index.js'
import { harness, SECRET_A } from '../support/index.js'

/** The bytes browsers count for a commit: each cookie's name plus value (as SessionTooLargeError counts them). */
function cookieBytes(setCookie: readonly string[]): number {
  return setCookie.reduce((sum, line) => sum + line.indexOf(';') - 1, 0)
}

const warnings = (events: readonly SessionEvent[]) => events.filter((event) => event.type === 'size-warning')

describe('the size-warning event (sizeWarning)', () => {
  it('fires past 80% of the cookie limit by default, with the size browsers count and the three largest keys', async () => {
    const { sessions, events } = harness()
    const s = await sessions.load('')
    s.set('profile', 'p'.repeat(1500))
    s.set('tokens', 't'.repeat(900))
    s.set('cart', ['q'.repeat(300)])
    s.set('theme', 'dark-secret-value')
    const commit = await sessions.commit(s)
    const [warning] = warnings(events)
    expect(warning).toEqual({
      type: 'size-warning',
      sessionIdHash: expect.stringMatching(/^[0-9a-f]{16}$/),
      size: cookieBytes(commit.setCookie),
      limit: 4096,
      largestKeys: [
        { key: 'profile', bytes: '"profile":'.length + 1502 },
        { key: 'tokens', bytes: '"tokens":'.length + 902 },
        { key: 'cart', bytes: '"cart":'.length + 304 },
      ],
    })
    expect(warning!.size).toBeGreaterThan(0.8 * 4096)
    // Names only: no value, not even a small one, reaches the event (fillers p, t, q: never in a hex hash).
    expect(JSON.stringify(events)).not.toMatch(/ppp|ttt|qqq|dark-secret-value/)
  })

  it('stays quiet at or under the share, and when turned off', async () => {
    const small = harness()
    const s = await small.sessions.load('')
    s.set('v', 'x'.repeat(2000))
    await small.sessions.commit(s)
    expect(warnings(small.events)).toEqual([])

    const off = harness({ sizeWarning: false })
    const t = await off.sessions.load('')
    t.set('v', 'x'.repeat(2900))
    await off.sessions.commit(t)
    expect(warnings(off.events)).toEqual([])
  })

  it('follows a configured share, counting every chunk against maxChunks × 4096', async () => {
    const { sessions, events } = harness({ sizeWarning: 0.5, cookie: { maxChunks: 3 } })
    const s = await sessions.load('')
    s.set('blob', 'y'.repeat(5000))
    const commit = await sessions.commit(s)
    expect(commit.setCookie).toHaveLength(2)
    expect(warnings(events)).toMatchObject([{ size: cookieBytes(commit.setCookie), limit: 3 * 4096, largestKeys: [{ key: 'blob' }] }])
  })

  it('measures the bearer token against its 8192-byte limit', async () => {
    const { sessions, events } = harness({ bearer: {}, sizeWarning: 0.3 })
    const s = await sessions.load('')
    s.set('blob', 'z'.repeat(3000))
    const commit = await sessions.commit(s)
    expect(warnings(events)).toMatchObject([{ size: commit.token?.length, limit: 8192 }])
  })

  it('caps a long key name at 64 characters', async () => {
    const { sessions, events } = harness({ sizeWarning: 0.1 })
    const s = await sessions.load('')
    s.set('k'.repeat(200), 'v'.repeat(500))
    await sessions.commit(s)
    expect(warnings(events)[0]).toMatchObject({ largestKeys: [{ key: `${'k'.repeat(63)}…` }] })
  })

  it('refuses a share outside (0, 1] when the options are built', () => {
    for (const sizeWarning of [0, -0.5, 1.01, Number.NaN, '0.8', true]) {
      expect(() => createSessions({ secrets: SECRET_A, sizeWarning } as unknown as SessionOptions)).toThrow(ConfigurationError)
    }
    expect(() => createSessions({ secrets: SECRET_A, sizeWarning: 1 })).not.toThrow()
    expect(() => createSessions({ secrets: SECRET_A, sizeWarning: false })).not.toThrow()
  })
})
