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
    const sessions = createSessions({ secrets: SECRET_A, now: clock.now, revocations: store, revalidateAfter: 0 })
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
    await expect(sessions.revokeSubject('u')).rejects.toThrow(/needs the revocations option/)
  })
})
