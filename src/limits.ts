/**
 * Every limit and default the library enforces, in one place, so the engine, `seal()`,
 * the cookie options, the JWE format and the CLI refuse exactly the same things.
 * No imports but the error class: every layer may use this module.
 */
import { ConfigurationError } from './errors.js'

export const MINUTE = 60
export const HOUR: number = 60 * MINUTE
export const DAY: number = 24 * HOUR

/** Browsers keep a cookie only while its name plus value fits 4096 bytes (RFC 6265bis §5.6). */
export const MAX_COOKIE_BYTES = 4096
/** RFC 6265bis §5.6: user agents cap Max-Age and Expires at 400 days. */
export const MAX_COOKIE_AGE: number = 400 * DAY
/** At most this many chunk cookies: Node's default 16 KiB header limit. */
export const MAX_CHUNKS = 4
/** Header sizes servers accept (Node: 16 KiB for all headers): a bearer token stays under 8 KiB. */
export const MAX_BEARER_BYTES = 8192
/** The longest token string any opener looks at; longer input is refused unread. */
export const MAX_TOKEN_CHARS: number = 64 * 1024
/**
 * The most bytes a compressed v1 plaintext may inflate to: the size of the longest token
 * any opener reads, so compression never lets a token carry (or a hostile one make the
 * server hold) more than an uncompressed one could.
 */
export const MAX_PLAINTEXT_BYTES: number = MAX_TOKEN_CHARS
/** NIST SP 800-38D §8.3: at most 2^32 random-IV seals per key; at 10^6 seals/s that is 4294 s. */
export const MAX_EPOCH_SECONDS: number = Math.floor(2 ** 32 / 1_000_000)
export const MIN_EPOCH_SECONDS = 60
/** A larger skew would let an expired or revoked token live on for minutes. */
export const MAX_CLOCK_SKEW: number = 5 * MINUTE

export const DEFAULT_MAX_AGE: number = 7 * DAY
export const DEFAULT_IDLE_TIMEOUT: number = DAY
export const DEFAULT_EPOCH_SECONDS: number = HOUR
export const DEFAULT_CLOCK_SKEW = 30
export const DEFAULT_REVALIDATE_AFTER: number = MINUTE
export const DEFAULT_REVOCATION_TIMEOUT_MS = 2000

/** RFC 9110 §5.6.2 token characters: header names, and the cookie-name grammar of RFC 6265 §4.1.1. */
export const HTTP_TOKEN: RegExp = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** Unix seconds of a millisecond clock. */
export function nowSeconds(now: () => number): number {
  return Math.floor(now() / 1000)
}

/** A whole number of seconds, at least `min`; `fallback` when not given. */
export function duration(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ConfigurationError(`${name} must be a whole number of seconds, at least ${min}; got ${String(value)}`)
  }
  return value
}

/** The timing settings shared by sessions and `seal()`, checked by one set of rules. */
export interface Timing {
  readonly epochSeconds: number
  readonly clockSkew: number
}

export function resolveTiming(options: { readonly epochSeconds?: number; readonly clockSkew?: number }): Timing {
  return { epochSeconds: epochSecondsOf(options.epochSeconds), clockSkew: clockSkewOf(options.clockSkew, 'clockSkew') }
}

/** A key epoch length in seconds: 60 to 4294. */
export function epochSecondsOf(value: number | undefined): number {
  const epochSeconds = duration('epochSeconds', value, DEFAULT_EPOCH_SECONDS, MIN_EPOCH_SECONDS)
  if (epochSeconds > MAX_EPOCH_SECONDS) {
    throw new ConfigurationError(
      `epochSeconds is ${epochSeconds}; at most ${MAX_EPOCH_SECONDS} keeps one key under NIST SP 800-38D's 2^32 random-IV seals at 10^6 seals per second`,
    )
  }
  return epochSeconds
}

/** A tolerated clock difference in seconds: 0 to 300. */
export function clockSkewOf(value: number | undefined, name: string): number {
  const clockSkew = duration(name, value, DEFAULT_CLOCK_SKEW, 0)
  if (clockSkew > MAX_CLOCK_SKEW) throw new ConfigurationError(`${name} is ${clockSkew} s; at most ${MAX_CLOCK_SKEW} s`)
  return clockSkew
}

/** A lifetime a cookie can carry: at most 400 days. */
export function checkLifetime(name: string, seconds: number): number {
  if (seconds > MAX_COOKIE_AGE) {
    throw new ConfigurationError(`${name} is ${seconds} s; browsers cap cookie lifetime at 400 days (${MAX_COOKIE_AGE} s, RFC 6265bis §5.6.2)`)
  }
  return seconds
}
