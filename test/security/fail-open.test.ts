import { describe, expect, it } from 'vitest'
import { createSessions, RevocationUnavailableError, type RevocationStore, type RevocationOptions, type SessionEvent } from 'sealed-session'
import { memoryRevocations } from 'sealed-session/memory'
import { Clock, CookieJar, SECRET_A } from '../support/index.js'

/** A real memory store whose answers can be switched off, counting every isRevoked() call. */
function switchable(clock: Clock) {
  const inner = memoryRevocations({ now: clock.now })
  const state = { up: true, checks: 0 }
  const down = (): Promise<never> => Promise.reject(new Error('store down'))
  const store: RevocationStore = {
    isRevoked: (query) => {
      state.checks++
      return state.up ? inner.isRevoked(query) : down()
    },
    revoke: (entry) => (state.up ? inner.revoke(entry) : down()),
    revokeSubject: (subject, notBefore, expiresAt) => (state.up ? inner.revokeSubject(subject, notBefore, expiresAt) : down()),
    notBefore: (subject) => (state.up ? inner.notBefore!(subject) : down()),
  }
  return { state, store }
}

function setup(revocationFailure: RevocationOptions['failure']) {
  const clock = new Clock()
  const { state, store } = switchable(clock)
  const events: SessionEvent[] = []
  const sessions = createSessions({ secrets: SECRET_A, clock: { now: clock.now }, revocation: { store, revalidateAfter: 60, failure: revocationFailure }, onEvent: (e) => events.push(e) })
  const jar = new CookieJar()
  /** One request with the jar's cookies; the response's cookies go back into the jar. */
  const visit = async (change?: (s: Awaited<ReturnType<typeof sessions.load>>) => Promise<void> | void) => {
    const session = await sessions.load(jar.header())
    await change?.(session)
    const commit = await sessions.commit(session)
    jar.update(commit)
    return { session, commit }
  }
  return { clock, state, events, sessions, jar, visit }
}

describe("revocation.failure: 'open'", () => {
  it('accepts the session while the store is down, reports it, and asks again on the next request', async () => {
    const { clock, state, events, visit } = setup('open')
    await visit((s) => s.login('ada'))
    clock.advance(61)
    state.up = false
    const down = await visit()
    expect(down.session.subject).toBe('ada')
    expect(state.checks).toBe(1)
    expect(events.at(-1)).toEqual(expect.objectContaining({ type: 'revocation-error', operation: 'check', failure: 'open' }))
    // Not counted as checked: one second later, inside the window, the store is asked again.
    state.up = true
    clock.advance(1)
    expect((await visit()).session.subject).toBe('ada')
    expect(state.checks).toBe(2)
    // That answer was recorded in the cookie: no further read until the window has passed.
    clock.advance(1)
    expect((await visit()).session.subject).toBe('ada')
    expect(state.checks).toBe(2)
  })

  it('lets a revoked session through only while the store cannot answer', async () => {
    const { clock, state, sessions, jar, visit } = setup('open')
    await visit((s) => s.login('ada'))
    const stolen = jar.header()
    await sessions.revokeSubject('ada')
    clock.advance(61)
    state.up = false
    expect((await sessions.load(stolen)).subject).toBe('ada')
    state.up = true
    expect((await sessions.load(stolen)).subject).toBeUndefined()
  })

  it('still throws when a revocation cannot be written: logout() never pretends', async () => {
    const { state, visit } = setup('open')
    await visit((s) => s.login('ada'))
    state.up = false
    await expect(visit((s) => s.logout())).rejects.toThrow(RevocationUnavailableError)
  })
})

describe("revocation.failure: 'closed' (the default), for contrast", () => {
  it('signs the request out while the store is down and keeps the cookie for the next one', async () => {
    const { clock, state, events, jar, visit } = setup(undefined)
    await visit((s) => s.login('ada'))
    const before = jar.header()
    clock.advance(61)
    state.up = false
    const down = await visit()
    expect(down.session.subject).toBeUndefined()
    expect(down.commit.setCookie).toEqual([])
    expect(jar.header()).toBe(before)
    expect(events.at(-1)).toEqual(expect.objectContaining({ type: 'revocation-error', operation: 'check', failure: 'closed' }))
    state.up = true
    expect((await visit()).session.subject).toBe('ada')
  })
})
