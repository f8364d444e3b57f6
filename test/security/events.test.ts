import { describe, expect, it } from 'vitest'
import { createSessions, type SessionEvent } from 'sealed-session'
import { memoryRevocations } from 'sealed-session/memory'
import { Clock, cookieHeader, SECRET_A, SECRET_B, tokenOf } from '../support/index.js'

describe('events for monitoring', () => {
  it('cover the lifecycle and never carry the token, the id or a secret', async () => {
    const clock = new Clock()
    const events: SessionEvent[] = []
    const onEvent = (e: SessionEvent) => events.push(e)
    const store = memoryRevocations({ now: clock.now })
    const old = createSessions({ secrets: SECRET_B, clock: { now: clock.now }, onEvent, revocation: { store, revalidateAfter: 0 }, lifetime: { idleTimeout: 3600, maxAge: 7200 } })
    const sessions = createSessions({ secrets: [SECRET_A, SECRET_B], clock: { now: clock.now }, onEvent, revocation: { store, revalidateAfter: 0 }, lifetime: { idleTimeout: 3600, maxAge: 7200 } })
    const seen: string[] = [SECRET_A, SECRET_B]

    const s = await old.load('')
    await s.login('ada')
    const first = await old.commit(s) // created
    seen.push(s.id, tokenOf(first))
    const rotated = await sessions.load(cookieHeader(first))
    const second = await sessions.commit(rotated) // rotated
    seen.push(tokenOf(second))
    clock.advance(1000)
    const refreshed = await sessions.load(cookieHeader(second))
    const third = await sessions.commit(refreshed) // refreshed
    seen.push(tokenOf(third))
    const big = await sessions.load(cookieHeader(third))
    big.set('blob', 'x'.repeat(5000))
    await expect(sessions.commit(big)).rejects.toThrow() // too-large
    await sessions.load('__Host-session=garbage') // invalid
    clock.advance(3700)
    await sessions.load(cookieHeader(third)) // expired (idle)
    clock.ms -= 3700_000
    const doomed = await sessions.load(cookieHeader(third))
    doomed.destroy()
    await sessions.commit(doomed) // destroyed
    await sessions.revokeSubject('ada')
    clock.advance(1)
    await sessions.load(cookieHeader(third)) // revoked
    const failing = createSessions({ secrets: SECRET_A, clock: { now: clock.now }, onEvent, revocation: { revalidateAfter: 0, store: { isRevoked: () => Promise.reject(new Error('down')), revoke: async () => {}, revokeSubject: async () => {} } } })
    const t = await createSessions({ secrets: SECRET_A, clock: { now: clock.now } }).load('')
    await t.login('bo')
    clock.advance(1)
    await failing.load(cookieHeader(await createSessions({ secrets: SECRET_A, clock: { now: clock.now } }).commit(t))) // revocation-error

    expect(events.map((e) => e.type)).toEqual(['created', 'old-secret', 'rotated', 'refreshed', 'too-large', 'invalid', 'expired', 'destroyed', 'revoked', 'revocation-error'])
    const text = JSON.stringify(events)
    for (const secret of seen) expect(text).not.toContain(secret)
    for (const event of events) {
      if ('sessionIdHash' in event && event.sessionIdHash !== undefined) expect(event.sessionIdHash).toMatch(/^[0-9a-f]{16}$/)
    }
  })
})
