import { describe, expect, it } from 'vitest'
import { createSessions, type SessionEvent, type SessionEngine } from '../../src/index.js'
import { Clock, CookieJar, SECRET_A } from '../support/index.js'

/**
 * Chunk sets that cannot mix (docs/FORMAT.md, "Cookies"; issue 23, item 3). Two tabs send
 * requests with the same cookies; their responses each set a chunk set and expire what
 * they saw, and the browser applies the Set-Cookie lines of both in some order. Whatever
 * the order, the next request holds write A, write B, or no session: never a token
 * stitched from both, and never a lost complete set because of a stale chunk.
 */
type Data = { v: string }
const NAME = '__Host-session'
/** Data lengths that seal to 1, 2, 3 and 4 cookies (4,071 token characters per chunk). */
const LENGTHS: Record<number, number> = { 1: 100, 2: 4000, 3: 8000, 4: 11500 }

function setup(): { sessions: SessionEngine<Data>; events: SessionEvent[] } {
  const clock = new Clock()
  const events: SessionEvent[] = []
  const sessions = createSessions<Data>({ secrets: SECRET_A, clock: { now: clock.now }, cookie: { maxChunks: 4 }, onEvent: (e) => events.push(e) })
  return { sessions, events }
}

/**
 * The reader of docs/FORMAT.md "Chunk sets", written from the page alone: the token the jar
 * holds for `NAME`, or undefined when it is refused. (Plain-cookie and 0.1 cases aside.)
 */
function tokenFromSpec(jar: CookieJar, maxChunks = 4): string | undefined {
  const chunks = Array.from({ length: maxChunks }, (_, i) => jar.get(`${NAME}.${i}`))
  if (jar.has(NAME)) return chunks.some((c) => c !== undefined) ? undefined : jar.get(NAME)
  const room = 4096 - NAME.length - 2 - 9
  const first = chunks[0]
  if (first === undefined) return undefined
  const n = Number(first[0])
  if (!(n >= 2 && n <= maxChunks)) return undefined
  const prefix = first.slice(0, 9)
  let token = ''
  for (let i = 0; i < n; i++) {
    const value = chunks[i]
    if (value === undefined || value.slice(0, 9) !== prefix) return undefined
    const part = value.slice(9)
    if (i < n - 1 ? part.length !== room : part.length < 1 || part.length > room) return undefined
    token += part
  }
  return token.slice(16, 24) === prefix.slice(1) ? token : undefined
}

/** The token a response's cookies carry. */
function tokenOfLines(lines: readonly string[]): string {
  const set = [...setBy(lines)]
  return set.length === 1 ? set[0]![1] : set.map(([, value]) => value.slice(9)).join('')
}

/** Every order of `a` and `b` that keeps each list's own order (a browser applies one response's lines in order). */
function* interleavings<T>(a: readonly T[], b: readonly T[]): Generator<T[]> {
  if (a.length === 0 || b.length === 0) {
    yield [...a, ...b]
    return
  }
  for (const rest of interleavings(a.slice(1), b)) yield [a[0]!, ...rest]
  for (const rest of interleavings(a, b.slice(1))) yield [b[0]!, ...rest]
}

/** A write of `v` on top of the cookies in `header`: what one tab's response sets and expires. */
async function write(sessions: SessionEngine<Data>, header: string, v: string): Promise<readonly string[]> {
  const session = await sessions.load(header)
  session.set('v', v)
  return (await sessions.commit(session)).setCookie
}

/** The cookies a response sets (not removals), by name. */
function setBy(lines: readonly string[]): Map<string, string> {
  return new Map(lines.filter((line) => !/Max-Age=0/.test(line)).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1, line.indexOf(';'))]))
}

/** Whether the jar holds every cookie `lines` set, with the value it set. */
function holdsAll(jar: CookieJar, lines: readonly string[]): boolean {
  return [...setBy(lines)].every(([name, value]) => jar.get(name) === value)
}

describe('chunk sets that cannot mix', () => {
  it('interleaved responses of two tabs leave write A, write B, or no session: never a stitched token, a crash, or a complete set lost', async () => {
    const { sessions } = setup()
    let orders = 0
    const outcomes = { a: 0, b: 0, none: 0 }
    for (const before of [0, 1, 2, 3, 4]) {
      // The cookies both tabs sent: nothing, or an earlier session of `before` cookies.
      const start = before === 0 ? '' : new CookieJar().update(await write(sessions, '', 'p'.repeat(LENGTHS[before]!))).header()
      for (const countA of [1, 2, 3, 4]) {
        for (const countB of [1, 2, 3, 4]) {
          const valueA = 'a'.repeat(LENGTHS[countA]!)
          const valueB = 'b'.repeat(LENGTHS[countB]!)
          const linesA = await write(sessions, start, valueA)
          const linesB = await write(sessions, start, valueB)
          expect(setBy(linesA).size).toBe(countA)
          expect(setBy(linesB).size).toBe(countB)
          for (const order of interleavings(linesA, linesB)) {
            orders++
            const jar = CookieJar.from(start).update(order)
            const label = `before ${before}, A ${countA}, B ${countB}: ${jar.names().join(' ')}`
            const session = await sessions.load(jar.header())
            const v = session.get('v')
            // Only A's value, B's value, or no session at all.
            expect([valueA, valueB, undefined], label).toContain(v)
            if (v === undefined) expect(session.isNew, label).toBe(true)
            outcomes[v === valueA ? 'a' : v === valueB ? 'b' : 'none']++
            // An independent reader following docs/FORMAT.md agrees on every jar.
            const spec = tokenFromSpec(jar)
            expect(spec === tokenOfLines(linesA) ? valueA : spec === tokenOfLines(linesB) ? valueB : undefined, label).toBe(v)
            if (spec !== undefined) expect([tokenOfLines(linesA), tokenOfLines(linesB)], label).toContain(spec)
            // A complete set is read whatever stale chunks lie beside it (the plain cookie
            // next to chunks is a duplicate: nobody can tell which is newer, so neither).
            const duplicate = jar.has(NAME) && jar.names().some((name) => name !== NAME)
            const complete = holdsAll(jar, linesA) ? valueA : holdsAll(jar, linesB) ? valueB : undefined
            if (!duplicate && complete !== undefined) expect(v, label).toBe(complete)
            // The response cleans up: the jar ends up holding exactly the session read, or nothing.
            const after = jar.update(await sessions.commit(session))
            const names = after.names().sort()
            if (v === undefined) expect(names, label).toEqual([])
            else {
              const again = await sessions.load(after.header())
              expect(again.get('v'), label).toBe(v)
              const count = v.length >= LENGTHS[2]! ? Object.entries(LENGTHS).find(([, length]) => length === v.length)![0] : '1'
              expect(names, label).toEqual(count === '1' ? [NAME] : Array.from({ length: Number(count) }, (_, i) => `${NAME}.${i}`))
            }
          }
        }
      }
    }
    // Each kind of outcome happens: the test exercised mixing, not only clean orders.
    expect(outcomes.a).toBeGreaterThan(0)
    expect(outcomes.b).toBeGreaterThan(0)
    expect(outcomes.none).toBeGreaterThan(0)
    expect(orders).toBeGreaterThan(2000)
  })

  it('reads a 2-chunk set beside a stale third chunk of an earlier 3-chunk write, and expires the stale one on that response', async () => {
    const { sessions } = setup()
    const three = await write(sessions, '', 'p'.repeat(LENGTHS[3]!))
    // A tab that saw no cookie writes 2 chunks: nothing expires the old third one.
    const two = await write(sessions, '', 'q'.repeat(LENGTHS[2]!))
    const jar = new CookieJar().update(three).update(two)
    expect(jar.names()).toEqual([`${NAME}.0`, `${NAME}.1`, `${NAME}.2`])
    const session = await sessions.load(jar.header())
    expect(session.get('v')).toBe('q'.repeat(LENGTHS[2]!))
    // Nothing changed, yet the response rewrites the set and expires the stale chunk.
    const commit = await sessions.commit(session)
    expect(commit.setCookie.filter((line) => /Max-Age=0/.test(line)).map((line) => line.split('=')[0])).toEqual([`${NAME}.2`])
    jar.update(commit)
    expect(jar.names().sort()).toEqual([`${NAME}.0`, `${NAME}.1`])
    expect((await sessions.load(jar.header())).get('v')).toBe('q'.repeat(LENGTHS[2]!))
  })

  it('refuses a set whose chunk comes from another write even when every length fits, before any decryption', async () => {
    const { sessions, events } = setup()
    const first = setBy(await write(sessions, '', 'a'.repeat(LENGTHS[2]!)))
    const second = setBy(await write(sessions, '', 'b'.repeat(LENGTHS[2]!)))
    const mixed = `${NAME}.0=${first.get(`${NAME}.0`)}; ${NAME}.1=${second.get(`${NAME}.1`)}`
    expect((await sessions.load(mixed)).isNew).toBe(true)
    expect(events.at(-1)).toEqual({ type: 'invalid', reason: 'malformed' })
    // The second chunk given the first set's prefix: joined, the generation no longer
    // matches the token's IV (and were it forged to, GCM would refuse the token).
    const relabelled = `${NAME}.0=${first.get(`${NAME}.0`)}; ${NAME}.1=${first.get(`${NAME}.0`)!.slice(0, 9)}${second.get(`${NAME}.1`)!.slice(9)}`
    expect((await sessions.load(relabelled)).isNew).toBe(true)
    expect(events.at(-1)).toMatchObject({ type: 'invalid' })
    // A set missing a chunk, or with a count above the configuration's, is refused as one.
    expect((await sessions.load(`${NAME}.0=${first.get(`${NAME}.0`)}`)).isNew).toBe(true)
    expect(events.at(-1)).toEqual({ type: 'invalid', reason: 'malformed' })
  })

  it('opens a chunk set in the 0.1 layout (no prefix) and rewrites it in the bound layout', async () => {
    const { sessions } = setup()
    const lines = await write(sessions, '', 'z'.repeat(LENGTHS[2]!))
    const parts = [...setBy(lines).values()]
    const token = parts.map((value) => value.slice(9)).join('')
    // 0.1 split the token into 4,080-character parts (4096 minus `__Host-session.N=`).
    const legacy = `${NAME}.0=${token.slice(0, 4080)}; ${NAME}.1=${token.slice(4080)}`
    const session = await sessions.load(legacy)
    expect(session.get('v')).toBe('z'.repeat(LENGTHS[2]!))
    const rewritten = setBy((await sessions.commit(session)).setCookie)
    expect([...rewritten.keys()]).toEqual([`${NAME}.0`, `${NAME}.1`])
    for (const value of rewritten.values()) expect(value).toMatch(/^2/)
  })
})
