import { describe, expect, it } from 'vitest'
import { memoryRevocations } from 'sealed-session/memory'
import { createSessions } from 'sealed-session'
import { isRevokedBy, parseRecord, withNotBefore, withSession } from '../../src/stores/record.js'
import { Clock, SECRET_A } from '../support/index.js'

describe('subject records', () => {
  it('revoke by id, and by not-before for older sessions only', () => {
    let record = withSession(undefined, { sessionId: 'a', subject: 'u', expiresAt: 200 }, 100)
    expect(isRevokedBy(record, { sessionId: 'a', subject: 'u', createdAt: 50 })).toBe(true)
    expect(isRevokedBy(record, { sessionId: 'b', subject: 'u', createdAt: 50 })).toBe(false)
    record = withNotBefore(record, 120, 500, 110)
    expect(isRevokedBy(record, { sessionId: 'b', subject: 'u', createdAt: 119 })).toBe(true)
    expect(isRevokedBy(record, { sessionId: 'c', subject: 'u', createdAt: 120 })).toBe(false)
    // The not-before time never moves back.
    expect(withNotBefore(record, 10, 500, 110).n).toBe(120)
  })

  it('forgets entries once the sessions they revoke have expired', () => {
    const record = withSession(withSession(undefined, { sessionId: 'old', subject: 'u', expiresAt: 150 }, 100), { sessionId: 'new', subject: 'u', expiresAt: 400 }, 200)
    expect(record).toEqual({ s: { new: 400 } })
  })

  it('refuses a corrupt stored record with an error, so the failure policy applies', () => {
    expect(() => parseRecord('not json')).toThrow()
    expect(() => parseRecord('[1]')).toThrow(/not an object/)
    expect(() => parseRecord('{"n":"x"}')).toThrow(/non-numeric/)
  })
})

describe('memoryRevocations()', () => {
  it('revokes every session of a subject created before the call', async () => {
    const clock = new Clock()
    const store = memoryRevocations({ now: clock.now })
    const sessions = createSessions({ secrets: SECRET_A, clock: { now: clock.now }, revocation: { store, revalidateAfter: 0 } })
    const a = await sessions.load('')
    await a.login('u')
    const cookie = (await sessions.commit(a)).setCookie[0]!.split(';')[0]!
    clock.advance(1)
    await sessions.revokeSubject('u')
    expect((await sessions.load(cookie)).isNew).toBe(true)
    expect(store.size).toBe(1)
    // Once every session it could revoke has expired (created up to skew + 1 s after the
    // call, accepted up to skew after expiry), the record is dropped.
    clock.advance(7 * 86_400 + 30 + 1 + 30 - 1)
    expect(store.size).toBe(1)
    clock.advance(1)
    expect(await store.isRevoked({ sessionId: 'x', subject: 'u', createdAt: 0 })).toBe(false)
    expect(store.size).toBe(0)
  })

  it('needs a store for revokeSubject()', async () => {
    const sessions = createSessions({ secrets: SECRET_A })
    await expect(sessions.revokeSubject('u')).rejects.toThrow(/needs a revocation store: createSessions\(\{ secrets, revocation: \{ store \} \}\)/)
  })

  // Issue 19, item 9: entries went only when their own subject was read again.
  it('sweeps out users whose entries have all expired, on any later call, without them coming back', async () => {
    const clock = new Clock()
    const store = memoryRevocations({ now: clock.now })
    for (let i = 0; i < 50; i++) await store.revoke({ sessionId: `s${i}`, subject: `gone-${i}`, expiresAt: clock.seconds + 100 })
    await store.revoke({ sessionId: 'k', subject: 'kept', expiresAt: clock.seconds + 10_000 })
    expect(store.size).toBe(51)
    clock.advance(101)
    // A call about someone else entirely: the fifty expired users go, the live one stays.
    expect(await store.isRevoked({ sessionId: 'x', subject: 'someone-else', createdAt: 0 })).toBe(false)
    expect(store.size).toBe(1)
    expect(await store.isRevoked({ sessionId: 'k', subject: 'kept', createdAt: 0 })).toBe(true)
  })

  it('sweeps at most once a minute of its clock (each sweep visits every user)', async () => {
    const clock = new Clock()
    const store = memoryRevocations({ now: clock.now })
    clock.advance(60)
    await store.isRevoked({ sessionId: 'x', subject: 'a', createdAt: 0 }) // sweeps now
    await store.revoke({ sessionId: 's', subject: 'short', expiresAt: clock.seconds + 1 })
    clock.advance(2)
    await store.isRevoked({ sessionId: 'x', subject: 'a', createdAt: 0 })
    expect(store.size, 'within the minute: not swept yet').toBe(1)
    clock.advance(58)
    await store.isRevoked({ sessionId: 'x', subject: 'a', createdAt: 0 })
    expect(store.size).toBe(0)
  })
})
