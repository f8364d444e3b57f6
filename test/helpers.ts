import { createSessions, type SessionCommit, type SessionEvent, type SessionOptions, type Sessions, type Json } from '../src/index.js'

/** Fixed test secrets: 43 characters, as generateSecret() makes them. */
export const SECRET_A = 'k3Jz0q2p9QmV8uYc1tXwE4rB7nL5sH6dF0gA2iK9oPz'
export const SECRET_B = 'Zq8wX1cV4bN7mL0kJ3hG6fD9sA2pO5iU8yT1rE4wQ7e'
export const SECRET_C = 'Mn4Bv7Cx0Zl3Kj6Hg9Fd2Sa5Po8Iu1Yt4Re7Wq0Eb3n'

/** A clock the test moves by hand, in milliseconds. */
export class Clock {
  ms: number
  constructor(start = Date.UTC(2026, 10, 22, 12, 0, 0)) {
    this.ms = start
  }
  readonly now = (): number => this.ms
  advance(seconds: number): void {
    this.ms += seconds * 1000
  }
  get seconds(): number {
    return Math.floor(this.ms / 1000)
  }
}

export interface Harness<T extends { [K in keyof T]?: Json }> {
  sessions: Sessions<T>
  clock: Clock
  events: SessionEvent[]
}

export function harness<T extends { [K in keyof T]?: Json } = Record<string, Json>>(options: Partial<SessionOptions> = {}): Harness<T> {
  const clock = new Clock()
  const events: SessionEvent[] = []
  const sessions = createSessions<T>({ secrets: SECRET_A, now: clock.now, onEvent: (e) => events.push(e), ...options })
  return { sessions, clock, events }
}

/** The Cookie request header a browser would send after receiving `commit`. */
export function cookieHeader(commit: SessionCommit, previous = ''): string {
  const jar = new Map<string, string>()
  for (const pair of previous.split(';')) {
    const eq = pair.indexOf('=')
    if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
  }
  for (const line of commit.setCookie) {
    const [pair] = line.split(';')
    const eq = pair!.indexOf('=')
    const name = pair!.slice(0, eq)
    if (/;\s*Max-Age=0(;|$)/i.test(line)) jar.delete(name)
    else jar.set(name, pair!.slice(eq + 1))
  }
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ')
}

/** The token inside the first Set-Cookie of a commit. */
export function tokenOf(commit: SessionCommit): string {
  const first = commit.setCookie[0]
  if (first === undefined) throw new Error('commit set no cookie')
  return first.slice(first.indexOf('=') + 1, first.indexOf(';'))
}
