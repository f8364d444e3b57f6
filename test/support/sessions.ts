import { createSessions, type Json, type SessionEvent, type SessionOptions, type SessionEngine } from '../../src/index.js'
import { withOptions, type OptionsPatch } from './options.js'

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
  sessions: SessionEngine<T>
  clock: Clock
  events: SessionEvent[]
}

/** Sessions on a hand-moved clock, with every event recorded. */
export function harness<T extends { [K in keyof T]?: Json } = Record<string, Json>>(options: OptionsPatch = {}): Harness<T> {
  const clock = new Clock()
  const events: SessionEvent[] = []
  const sessions = createSessions<T>(withOptions({ secrets: SECRET_A, clock: { now: clock.now }, onEvent: (e) => events.push(e) }, options))
  return { sessions, clock, events }
}
