import { describe, expect, it } from 'vitest'
import { ConfigurationError, createSessions, RevocationUnavailableError, type RevocationStore, type SessionEvent } from 'sealed-session'
import { kvRevocations, type KVLike } from 'sealed-session/kv'
import { memoryRevocations } from 'sealed-session/memory'
import { keyOf } from '../../src/stores/kv.js'
import { Clock, cookieHeader, SECRET_A } from '../support/index.js'

const SKEW = 30

/** A store whose reads and writes can be made to fail, wrapping a real one. */
function flaky(store: RevocationStore) {
  const state = { reads: true, writes: true }
  const fail = async (): Promise<never> => {
    throw new Error('store down')
  }
  const wrapped: RevocationStore = {
    isRevoked: (query) => (state.reads ? store.isRevoked(query) : fail()),
    revoke: (entry) => (state.writes ? store.revoke(entry) : fail()),
    revokeSubject: (subject, notBefore, expiresAt) => (state.writes ? store.revokeSubject(subject, notBefore, expiresAt) : fail()),
    notBefore: (subject) => (state.reads ? store.notBefore!(subject) : fail()),
  }
  return { state, store: wrapped }
}

/** A Workers KV stand-in: a map with KV's interface, for key-space tests only (workerd tests use Miniflare's KV). */
function mapKV(): KVLike & { keys: Map<string, string> } {
  const keys = new Map<string, string>()
  return {
    keys,
    get: async (key) => keys.get(key) ?? null,
    put: async (key, value) => {
      keys.set(key, value)
    },
  }
}

function setup(clock = new Clock(), store?: RevocationStore) {
  const events: SessionEvent[] = []
  const revocations = store ?? memoryRevocations({ now: clock.now })
  const options = { secrets: SECRET_A, clock: { now: clock.now, skew: SKEW }, revocation: { store: revocations, revalidateAfter: 0 }, onEvent: (e: SessionEvent) => events.push(e) }
  return { clock, events, options, sessions: createSessions(options) }
}

async function signIn(sessions: ReturnType<typeof createSessions>, subject = 'ada'): Promise<string> {
  const session = await sessions.load(null)
  await session.login(subject)
  return cookieHeader(await sessions.commit(session))
}

const stores = {
  memory: (clock: Clock) => memoryRevocations({ now: clock.now }),
  kv: (clock: Clock) => kvRevocations(mapKV(), { now: clock.now }),
}

for (const [name, makeStore] of Object.entries(stores)) {
  describe(`revocation rules (${name} store)`, () => {
    it('revokes until absolute expiry + skew: the record outlives x by the skew', async () => {
      const clock = new Clock()
      const store = makeStore(clock)
      // A session whose idle timeout equals its lifetime, so it lives to its absolute expiry.
      const long = createSessions({ secrets: SECRET_A, clock: { now: clock.now, skew: SKEW }, revocation: { store, revalidateAfter: 0 }, lifetime: { maxAge: 3600, idleTimeout: 3600 } })
      const cookie = await signIn(long)
      const copy = await long.load(cookie)
      await copy.logout()
      clock.advance(3600 + SKEW - 1) // past x, inside the skew: the engine still accepts the token
      const late = await long.load(cookie)
      expect(late.isNew).toBe(true)
    })

    it('sign out everywhere revokes a sign-in made in the same second', async () => {
      const clock = new Clock()
      const { sessions } = setup(clock, makeStore(clock))
      clock.ms += 100
      const cookie = await signIn(sessions)
      clock.ms += 500 // same second
      await sessions.revokeSubject('ada')
      expect((await sessions.load(cookie)).isNew).toBe(true)
    })

    it('sign out everywhere revokes a session sealed by a server whose clock runs ahead within the skew', async () => {
      const clock = new Clock()
      const store = makeStore(clock)
      const { sessions } = setup(clock, store)
      const ahead = createSessions({ secrets: SECRET_A, clock: { now: () => clock.ms + (SKEW - 1) * 1000, skew: SKEW }, revocation: { store, revalidateAfter: 0 } })
      const cookie = await signIn(ahead)
      clock.advance(1)
      await sessions.revokeSubject('ada')
      // Its revocation-check time is in our future too: the next check is due once we pass it.
      clock.advance(SKEW)
      expect((await sessions.load(cookie)).isNew).toBe(true)
    })

    it('a sign-in after sign out everywhere always survives it, even in the same second', async () => {
      const clock = new Clock()
      const { sessions } = setup(clock, makeStore(clock))
      const before = await signIn(sessions)
      await sessions.revokeSubject('ada')
      const after = await signIn(sessions)
      for (const seconds of [0, 1, SKEW, 120]) {
        clock.advance(seconds)
        expect((await sessions.load(before)).isNew, `before, +${seconds}`).toBe(true)
        const session = await sessions.load(after)
        expect(session.subject, `after, +${seconds}`).toBe('ada')
      }
    })
  })
}

describe('logout() while the revocation store is down', () => {
  it('still revokes the session the client holds once writes work, though reads failed and the request loaded signed out', async () => {
    const clock = new Clock()
    const { state, store } = flaky(memoryRevocations({ now: clock.now }))
    const { sessions } = setup(clock, store)
    const cookie = await signIn(sessions)
    state.reads = false
    const session = await sessions.load(cookie)
    expect(session.subject).toBeUndefined()
    await session.logout()
    const commit = await sessions.commit(session)
    expect(commit.setCookie[0]).toContain('Max-Age=0')
    state.reads = true
    // The copied cookie does not come back when the store recovers.
    expect((await sessions.load(cookie)).isNew).toBe(true)
  })

  it('fails loudly with RevocationUnavailableError when the store cannot record it; the cookie is still cleared', async () => {
    const clock = new Clock()
    const { state, store } = flaky(memoryRevocations({ now: clock.now }))
    const { sessions, events } = setup(clock, store)
    const cookie = await signIn(sessions)
    state.reads = false
    state.writes = false
    const session = await sessions.load(cookie)
    const error = await session.logout().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RevocationUnavailableError)
    expect((error as RevocationUnavailableError).code).toBe('ERR_SESSION_REVOCATION_UNAVAILABLE')
    expect((error as Error).cause).toBeInstanceOf(Error)
    expect(events.filter((e) => e.type === 'revocation-error').length).toBe(2)
    expect((await sessions.commit(session)).setCookie[0]).toContain('Max-Age=0')
  })

  it('sign out everywhere fails loudly too', async () => {
    const clock = new Clock()
    const { state, store } = flaky(memoryRevocations({ now: clock.now }))
    const { sessions } = setup(clock, store)
    state.writes = false
    await expect(sessions.revokeSubject('ada')).rejects.toBeInstanceOf(RevocationUnavailableError)
  })

  it('keeps the client cookie when a fail-closed request stores something else (a CSRF secret, data)', async () => {
    const clock = new Clock()
    const { state, store } = flaky(memoryRevocations({ now: clock.now }))
    const { sessions } = setup(clock, store)
    const cookie = await signIn(sessions)
    state.reads = false
    const session = await sessions.load(cookie)
    session.csrfToken()
    session.set('cart', ['x'])
    expect(await sessions.commit(session)).toEqual({ cookies: [], setCookie: [], headers: [] })
    state.reads = true
    expect((await sessions.load(cookie)).subject).toBe('ada')
  })
})

describe('KV record keys', () => {
  it('never share a record between a subject and the long subject it could be mistaken for', async () => {
    const clock = new Clock()
    const kv = mapKV()
    const store = kvRevocations(kv, { now: clock.now })
    const long = 'u'.repeat(600)
    const hashed = await keyOf('revoked:', long)
    expect(hashed).toMatch(/^revoked:#sha256:[0-9a-f]{64}$/)
    const lookalike = hashed.slice('revoked:'.length)
    const { sessions } = setup(clock, store)
    const victim = await signIn(sessions, lookalike)
    await signIn(sessions, long)
    await sessions.revokeSubject(long)
    expect((await sessions.load(victim)).subject).toBe(lookalike)
    expect([...kv.keys.keys()]).toEqual([hashed])
    expect(await keyOf('revoked:', lookalike)).toBe(`revoked:{${lookalike}}`)
  })

  it('never share a record between two prefixes where one starts the other (issue 19: app: and app:admin:)', async () => {
    const clock = new Clock()
    const kv = mapKV()
    const app = setup(clock, kvRevocations(kv, { now: clock.now, prefix: 'app:' })).sessions
    const admin = setup(clock, kvRevocations(kv, { now: clock.now, prefix: 'app:admin:' })).sessions
    const bob = await signIn(admin, 'bob')
    await app.revokeSubject('admin:bob')
    expect((await admin.load(bob)).subject).toBe('bob')
    expect([...kv.keys.keys()]).toEqual(['app:{admin:bob}'])
    expect(await keyOf('app:admin:', 'bob')).toBe('app:admin:{bob}')
    for (const prefix of ['a{', 'b}', 'c#', 7]) expect(() => kvRevocations(kv, { prefix: prefix as string })).toThrow(ConfigurationError)
  })
})
