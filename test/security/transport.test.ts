import { describe, expect, it } from 'vitest'
import file from '../vectors/v1.json' with { type: 'json' }
import { createSessions, type SessionEvent, v1 } from 'sealed-session'
import { readBearer } from '../../src/transport/bearer.js'
import { SECRET_A, tokenOf } from '../support/index.js'

describe('cookie and bearer tokens are not interchangeable', () => {
  function engines() {
    const events: SessionEvent[] = []
    const onEvent = (e: SessionEvent) => events.push(e)
    return {
      events,
      cookie: createSessions({ secrets: SECRET_A, onEvent }),
      bearer: createSessions({ secrets: SECRET_A, bearer: {  }, onEvent }),
    }
  }

  it('a bearer token does not open as the HttpOnly cookie', async () => {
    const { bearer, cookie, events } = engines()
    const s = await bearer.load(null)
    await s.login('ada')
    const token = (await bearer.commit(s)).token!
    expect((await bearer.load({ get: (n) => (n === 'authorization' ? `Bearer ${token}` : null) })).subject).toBe('ada')
    events.length = 0
    expect((await cookie.load(`__Host-session=${token}`)).isNew).toBe(true)
    expect(events).toEqual([{ type: 'invalid', reason: 'decrypt' }])
  })

  it('a stolen cookie does not open on a bearer API', async () => {
    const { bearer, cookie, events } = engines()
    const s = await cookie.load(null)
    await s.login('ada')
    const token = tokenOf(await cookie.commit(s))
    expect((await cookie.load(`__Host-session=${token}`)).subject).toBe('ada')
    events.length = 0
    expect((await bearer.load(new Headers({ authorization: `Bearer ${token}` }))).isNew).toBe(true)
    expect(events).toEqual([{ type: 'invalid', reason: 'decrypt' }])
  })

  it('cookies sealed by the previous release (the v1 vectors) still open: upgrading signs nobody out', async () => {
    const vector = file.vectors.find((v) => v.description === 'signed-in session with unicode data')!
    const sessions = createSessions({ secrets: vector.secrets, format: v1({ epochSeconds: vector.epochSeconds }), clock: { skew: vector.clockSkew, now: () => vector.now * 1000 } })
    const session = await sessions.load(`${vector.purpose}=${vector.token}`)
    expect(session.subject).toBe('user-42')
    expect(session.get('name')).toBe('Zoë 山田 🍐')
  })
})

/** The smallest time of `runs` calls of `work`, in milliseconds: robust against a noisy machine. */
function fastest(work: () => void, runs = 15, repeat = 20): number {
  let best = Infinity
  for (let r = 0; r < runs; r++) {
    const start = performance.now()
    for (let i = 0; i < repeat; i++) work()
    best = Math.min(best, performance.now() - start)
  }
  return best
}

describe('hostile Authorization headers', () => {
  const shapes: Record<string, (n: number) => string> = {
    spaces: (n) => `Bearer${' '.repeat(n)}x y`,
    tabs: (n) => `Bearer ${'\t'.repeat(n)}x y`,
    mixed: (n) => `bearer${' \t'.repeat(n / 2)}x${' '.repeat(8)}y `,
    'no token': (n) => `Bearer${' '.repeat(n)}`,
  }

  it('refuses a 64 KB header of every shape without reading a session or throwing', async () => {
    const events: SessionEvent[] = []
    const sessions = createSessions({ secrets: SECRET_A, bearer: {  }, onEvent: (e) => events.push(e) })
    for (const [name, make] of Object.entries(shapes)) {
      events.length = 0
      const header = make(64 * 1024)
      expect((await sessions.load(new Headers({ authorization: header }))).isNew, name).toBe(true)
      // Headers trims trailing whitespace, so "no token" arrives as a bare "Bearer".
      expect(events, name).toEqual([{ type: 'invalid', reason: name === 'no token' ? 'malformed' : 'too-long' }])
    }
  })

  it('costs linear time below the size limit: 8× the input costs far less than 64× the time', () => {
    for (const [name, make] of Object.entries(shapes)) {
      const small = make(1024)
      const large = make(8 * 1024)
      expect(readBearer(large).token, name).toBeUndefined()
      const largeMs = fastest(() => readBearer(large))
      const smallMs = fastest(() => readBearer(small))
      // Linear is about 8×; the backtracking regex of 0.1.0 measured about 64× (36 ms a call
      // at 8 KB). Half a millisecond absorbs timer noise when both are too fast to measure.
      expect(largeMs, `${name}: ${largeMs.toFixed(3)} ms vs ${smallMs.toFixed(3)} ms`).toBeLessThan(24 * smallMs + 0.5)
    }
  })

  it('a 64 KB header costs no more than an ordinary one: the length is checked first', () => {
    const ordinary = `Bearer ${'A'.repeat(200)}`
    const hostile = shapes['spaces']!(64 * 1024)
    const hostileMs = fastest(() => readBearer(hostile))
    expect(hostileMs, `${hostileMs.toFixed(3)} ms`).toBeLessThan(20 * fastest(() => readBearer(ordinary)) + 0.5)
  })

  it('still reads well-formed headers', () => {
    expect(readBearer('Bearer abc').token).toBe('abc')
    expect(readBearer('bEaReR   abc  ').token).toBe('abc')
    expect(readBearer('Basic abc')).toEqual({ names: [] })
    expect(readBearer('Bearerabc')).toEqual({ names: [] })
    expect(readBearer('Bearer')).toEqual({ names: [], reason: 'malformed' })
    expect(readBearer('Bearer\tabc')).toEqual({ names: [], reason: 'malformed' })
    expect(readBearer('Bearer a b')).toEqual({ names: [], reason: 'malformed' })
    expect(readBearer(`Bearer ${'A'.repeat(8193)}`)).toEqual({ names: [], reason: 'too-long' })
  })
})

