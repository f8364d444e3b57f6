import { describe, expect, it } from 'vitest'
import { memoryRevocations } from 'sealed-session/memory'
import { ConfigurationError, createSessions, RevocationUnavailableError, type RevocationStore, type SessionEvent } from 'sealed-session'
import { Clock, cookieHeader, SECRET_A } from '../support/index.js'

/** A store with only the required methods, as custom stores and KV are. */
function plain(store: RevocationStore): RevocationStore {
  return { isRevoked: store.isRevoked, revoke: store.revoke, revokeSubject: store.revokeSubject }
}

describe('sessions of a user: the engine', () => {
  it('exposes when the store was last asked (lastCheckedAt), moved by a due check only', async () => {
    const clock = new Clock()
    const sessions = createSessions({ secrets: SECRET_A, clock: { now: clock.now }, revocation: { store: memoryRevocations({ now: clock.now }), revalidateAfter: 60 } })
    const anonymous = await sessions.load(null)
    expect(anonymous.lastCheckedAt).toBeUndefined()
    await anonymous.login('ada')
    const signedInAt = clock.seconds
    let cookie = cookieHeader(await sessions.commit(anonymous))
    clock.advance(30)
    expect((await sessions.load(cookie)).lastCheckedAt?.getTime()).toBe(signedInAt * 1000)
    clock.advance(31)
    const checked = await sessions.load(cookie)
    expect(checked.lastCheckedAt?.getTime()).toBe(clock.seconds * 1000)
    cookie = cookieHeader(await sessions.commit(checked), cookie)
    expect((await sessions.load(cookie)).lastCheckedAt?.getTime()).toBe(clock.seconds * 1000)
  })

  it('reports each session the limit signs out with an evicted event (a hash, never the id), and refuses its cookie', async () => {
    const clock = new Clock()
    const events: SessionEvent[] = []
    const sessions = createSessions({ secrets: SECRET_A, clock: { now: clock.now }, revocation: { store: memoryRevocations({ now: clock.now }), maxSessions: 1, revalidateAfter: 0 }, onEvent: (e) => events.push(e) })
    const first = await sessions.load(null)
    await first.login('ada')
    const firstCookie = cookieHeader(await sessions.commit(first))
    clock.advance(1)
    events.length = 0
    const second = await sessions.load(null)
    await second.login('ada')
    await sessions.commit(second)
    const evicted = events.filter((e) => e.type === 'evicted')
    expect(evicted).toHaveLength(1)
    expect(JSON.stringify(evicted)).not.toContain(first.id)
    expect((await sessions.load(firstCookie)).isNew).toBe(true)
  })

  it('refuses the calls, and maxSessions, without a store that records sessions', async () => {
    const sessions = createSessions({ secrets: SECRET_A, revocation: { store: plain(memoryRevocations()) } })
    await expect(sessions.listSessions('ada')).rejects.toBeInstanceOf(ConfigurationError)
    await expect(sessions.revokeSession('ada', 'x')).rejects.toBeInstanceOf(ConfigurationError)
    await expect(sessions.revokeOtherSessions(await sessions.load(null))).rejects.toBeInstanceOf(ConfigurationError)
    await expect(createSessions({ secrets: SECRET_A }).listSessions('ada')).rejects.toBeInstanceOf(ConfigurationError)
    expect(() => createSessions({ secrets: SECRET_A, revocation: { store: plain(memoryRevocations()), maxSessions: 2 } })).toThrow(ConfigurationError)
    for (const maxSessions of [0, 1.5, -1, Number.NaN]) {
      expect(() => createSessions({ secrets: SECRET_A, revocation: { store: memoryRevocations(), maxSessions } })).toThrow(/maxSessions/)
    }
  })

  it('a store without the capabilities keeps working as before: sign-in, check, sign-out', async () => {
    const clock = new Clock()
    const sessions = createSessions({ secrets: SECRET_A, clock: { now: clock.now }, revocation: { store: plain(memoryRevocations({ now: clock.now })), revalidateAfter: 0 } })
    const session = await sessions.load(null)
    await session.login('ada')
    const cookie = cookieHeader(await sessions.commit(session))
    expect((await sessions.load(cookie)).subject).toBe('ada')
    await (await sessions.load(cookie)).logout()
    expect((await sessions.load(cookie)).isNew).toBe(true)
  })

  it('login() throws RevocationUnavailableError when the sign-in cannot be recorded, leaving the session as it was', async () => {
    const memory = memoryRevocations()
    const sessions = createSessions({ secrets: SECRET_A, revocation: { store: { ...memory, sessions: { ...memory.sessions!, record: () => Promise.reject(new Error('down')) } } } })
    const session = await sessions.load(null)
    const id = session.id
    await expect(session.login('ada')).rejects.toBeInstanceOf(RevocationUnavailableError)
    expect([session.id, session.subject]).toEqual([id, undefined])
  })

  it('records the app\'s label, cut to 100 characters; a throwing label hook records none', async () => {
    const memory = memoryRevocations()
    let label = (): string => 'é'.repeat(150)
    const sessions = createSessions({ secrets: SECRET_A, revocation: { store: memory, label: () => label() } })
    const signIn = async (): Promise<void> => {
      const session = await sessions.load(null)
      await session.login('ada')
      await sessions.commit(session)
    }
    await signIn()
    label = () => {
      throw new Error('bad user agent')
    }
    await signIn()
    const labels = (await sessions.listSessions('ada')).map((s) => s.label)
    expect(labels.sort()).toEqual(['é'.repeat(100), undefined])
  })

  it('an anonymous session has no sessions to list or sign out', async () => {
    const sessions = createSessions({ secrets: SECRET_A, revocation: { store: memoryRevocations() } })
    const anonymous = await sessions.load(null)
    expect(await sessions.listSessions(anonymous)).toEqual([])
    expect(await sessions.revokeOtherSessions(anonymous)).toBe(0)
  })
})
