import { describe, expect, it } from 'vitest'
import { createSessions, type SessionEvent } from 'sealed-session'
import { SECRET_A } from '../support/index.js'

describe('soft client binding (anomaly signal)', () => {
  it('keeps the session when the bound value changes, re-binds it and reports binding-changed', async () => {
    const events: SessionEvent[] = []
    const sessions = createSessions({
      secrets: SECRET_A,
      binding: { value: (h) => h.get('user-agent') ?? undefined, mode: 'soft' },
      onEvent: (e) => events.push(e),
    })
    const first = await sessions.load(new Headers({ 'user-agent': 'Firefox/140' }))
    await first.login('ada')
    const cookie = (await sessions.commit(first)).setCookie[0]!.split(';')[0]!
    events.length = 0
    const moved = await sessions.load(new Headers({ 'user-agent': 'Firefox/141', cookie }))
    expect(moved.subject).toBe('ada')
    expect(events.map((e) => e.type)).toEqual(['binding-changed'])
    const rebound = (await sessions.commit(moved)).setCookie[0]!.split(';')[0]!
    events.length = 0
    expect((await sessions.load(new Headers({ 'user-agent': 'Firefox/141', cookie: rebound }))).subject).toBe('ada')
    expect(events).toEqual([])
    // Strict (the default) still refuses.
    const strict = createSessions({ secrets: SECRET_A, binding: { value: (h) => h.get('user-agent') ?? undefined } })
    expect((await strict.load(new Headers({ 'user-agent': 'curl/8', cookie: rebound }))).isNew).toBe(true)
  })
})
