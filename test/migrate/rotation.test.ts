import { describe, expect, it } from 'vitest'
import { cookieHeader, harness, SECRET_A, SECRET_B } from '../support/index.js'

describe('rotation you can see (issue 24 §3)', () => {
  it('reports a cookie of ours opened with a secret other than the newest, by key id only, once: the commit re-seals it', async () => {
    const before = harness({ secrets: [{ id: 1, secret: SECRET_A }] })
    const session = await before.sessions.load(new Request('https://app.test/'))
    session.set('n', 1)
    const cookie = cookieHeader(await before.sessions.commit(session))
    const after = harness({ secrets: [{ id: 2, secret: SECRET_B }, { id: 1, secret: SECRET_A }] })
    const loaded = await after.sessions.load(new Request('https://app.test/', { headers: { cookie } }))
    expect(loaded.get('n')).toBe(1)
    expect(after.events).toEqual([{ type: 'old-secret', keyId: 1 }])
    const resealed = cookieHeader(await after.sessions.commit(loaded))
    after.events.length = 0
    await after.sessions.load(new Request('https://app.test/', { headers: { cookie: resealed } }))
    expect(after.events).toEqual([])
  })
})
