import { describe, expect, it } from 'vitest'
import { createSessions, SessionTooLargeError, type SessionOptions } from '../../src/index.js'
import { SECRET_A } from '../support/index.js'

// The budgets docs/SIZE.md states: the most data JSON ({"v":"aaa…"}) that still commits,
// anonymous and signed in as 'user-12345678'. A change to the envelope or the format that
// moves them must change the page too.
const BUDGETS: { label: string; options: Partial<SessionOptions>; anonymous: number; signedIn: number }[] = [
  { label: '__Host-session, one cookie', options: {}, anonymous: 2943, signedIn: 2908 },
  { label: 'session (development), one cookie', options: { cookie: { name: 'session', secure: false } }, anonymous: 2948, signedIn: 2913 },
  { label: '__Host-session, maxChunks 2', options: { cookie: { maxChunks: 2 } }, anonymous: 5988, signedIn: 5953 },
  { label: '__Host-session, maxChunks 4', options: { cookie: { maxChunks: 4 } }, anonymous: 12095, signedIn: 12060 },
]

/** Commits a session holding `length` characters of data; true when it fits. */
async function fits(options: Partial<SessionOptions>, length: number, signedIn: boolean): Promise<boolean> {
  const sessions = createSessions<{ v: string }>({ secrets: SECRET_A, ...options })
  const session = await sessions.load(null)
  if (signedIn) await session.login('user-12345678')
  session.set('v', 'a'.repeat(length))
  try {
    await sessions.commit(session)
    return true
  } catch (error) {
    if (error instanceof SessionTooLargeError) return false
    throw error
  }
}

/** The JSON length of the largest data that fits (binary search over the value's length). */
async function budget(options: Partial<SessionOptions>, signedIn: boolean): Promise<number> {
  let low = 0
  let high = 20_000
  while (low < high) {
    const middle = Math.ceil((low + high) / 2)
    if (await fits(options, middle, signedIn)) low = middle
    else high = middle - 1
  }
  return JSON.stringify({ v: 'a'.repeat(low) }).length
}

describe('the session byte budgets docs/SIZE.md states', () => {
  for (const { label, options, anonymous, signedIn } of BUDGETS) {
    it(`${label}: ${anonymous} bytes of data JSON anonymous, ${signedIn} signed in`, async () => {
      expect(await budget(options, false)).toBe(anonymous)
      expect(await budget(options, true)).toBe(signedIn)
    })
  }

  it('an empty session seals to a 183-character cookie anonymous, 230 signed in (name= included)', async () => {
    const sessions = createSessions<{ v: string }>({ secrets: SECRET_A })
    const anonymous = await sessions.load(null)
    anonymous.set('v', '')
    const signedIn = await sessions.load(null)
    await signedIn.login('user-12345678')
    signedIn.set('v', '')
    const pair = async (session: typeof anonymous): Promise<number> => (await sessions.commit(session)).setCookie[0]!.split(';')[0]!.length
    expect(await pair(anonymous)).toBe(183)
    expect(await pair(signedIn)).toBe(230)
  })
})
