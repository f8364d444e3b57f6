import { ConfigurationError, type InvalidReason } from './errors.js'
import { checkOptions } from './strict.js'
import { makeCodec, openString, sealString, type Codec } from './keys/codec.js'
import { normalizeSecrets, type Secrets } from './keys/secrets.js'
import { checkLifetime, duration, MAX_TOKEN_CHARS, nowSeconds, resolveTiming } from './limits.js'
import type { Json } from './json.js'

/** Options shared by `seal()` and `unseal()`: pass the same object to both. It is checked once per object, so make a new object to change it. */
export interface SealOptions {
  /** As for sessions: one secret or a list, newest first. */
  readonly secrets: Secrets
  /**
   * What the value is for, e.g. 'sign-in-link'. A value sealed for one purpose never
   * opens for another (it is bound into the key), nor as a session cookie.
   */
  readonly purpose: string
  /** Lifetime in seconds. `unseal()` refuses anything meant to live longer. At most 400 days. */
  readonly ttl: number
  /** The clock, in milliseconds since the Unix epoch. @default Date.now */
  readonly now?: () => number
  /** Length of a key epoch in seconds, 60 to 4294 (as for sessions). @default 3600 */
  readonly epochSeconds?: number
  /** Clock difference tolerated between machines, in seconds, at most 300 (as for sessions). @default 30 */
  readonly clockSkew?: number
  /** 'webcrypto' keeps sealing and opening on `crypto.subtle` only; same tokens either way. @default 'auto' (as for sessions) */
  readonly cipher?: 'auto' | 'webcrypto'
  /** Bytes of the isolate's cache of opened tokens, shared with sessions; false: off for these options. @default 1048576 (as for sessions) */
  readonly tokenCache?: number | false
}

/** What `unseal()` returns: the value and its expiry, or why the token was refused. */
export type UnsealResult =
  | { readonly ok: true; readonly value: Json; readonly expiresAt: Date }
  | { readonly ok: false; readonly reason: InvalidReason }

const encoder = new TextEncoder()
// Not fatal: the plaintext was authenticated, so it is UTF-8 we encoded ourselves, and
// strict validation costs about 3× the decode.
const decoder = new TextDecoder()

interface Checked {
  readonly codec: Codec
  readonly ttl: number
}

/** Every key of `SealOptions`, checked against the interface at compile time. */
const SEAL_KEYS = Object.keys({
  secrets: true,
  purpose: true,
  ttl: true,
  now: true,
  epochSeconds: true,
  clockSkew: true,
  cipher: true,
  tokenCache: true,
} satisfies Record<keyof SealOptions, true>)

/** Checked options per options object: sealing many values with one object checks it once. */
const checked = new WeakMap<SealOptions, Checked>()

function check(options: SealOptions): Checked {
  const cached = checked.get(options)
  if (cached !== undefined) return cached
  checkOptions('seal()/unseal()', options, SEAL_KEYS)
  if (typeof options.purpose !== 'string' || options.purpose.length === 0) {
    throw new ConfigurationError('seal()/unseal() need a non-empty purpose, such as "sign-in-link"')
  }
  if (options.ttl === undefined) throw new ConfigurationError('seal()/unseal() need a ttl: the lifetime in seconds, at most 400 days')
  const ttl = checkLifetime('ttl', duration('ttl', options.ttl, 0, 1))
  // The same rules as createSessions(): one module of limits (src/limits.ts).
  const { epochSeconds, clockSkew } = resolveTiming(options)
  // ':' cannot appear in a cookie name (RFC 6265 token), so no purpose collides with a session cookie's.
  const codec = makeCodec(normalizeSecrets(options.secrets), `value:${options.purpose}`, epochSeconds, ttl, clockSkew, options.cipher, options.tokenCache)
  const result = { codec, ttl }
  checked.set(options, result)
  return result
}

function nowOf(options: SealOptions): number {
  return nowSeconds(options.now ?? Date.now)
}

/**
 * Seals any JSON value in the v1 format, for things that are not the session: a sign-in
 * link, an OAuth state cookie. Same secrets, same rotation.
 *
 * @example
 * ```ts
 * const options = { secrets: env.SESSION_SECRETS, purpose: 'sign-in-link', ttl: 900 }
 * const token = await seal({ email: 'ada@example.com' }, options)
 * const opened = await unseal(token, options)
 * if (opened.ok) console.log(opened.value)
 * ```
 */
export async function seal(value: Json, options: SealOptions): Promise<string> {
  const { codec, ttl } = check(options)
  const now = nowOf(options)
  const json = JSON.stringify(value)
  if (json === undefined) throw new TypeError('seal() takes a JSON value')
  return sealString(codec, encoder.encode(json), now + ttl, now)
}

/** Opens a value from `seal()`. Never throws for a bad token: `{ ok: false, reason }`. */
export async function unseal(token: string, options: SealOptions): Promise<UnsealResult> {
  const { codec } = check(options)
  const now = nowOf(options)
  if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS) return { ok: false, reason: 'malformed' }
  const opened = await openString(codec, token, now)
  if (!opened.ok) return opened
  try {
    return { ok: true, value: JSON.parse(decoder.decode(opened.plaintext)) as Json, expiresAt: new Date(opened.header.expiresAt * 1000) }
  } catch {
    return { ok: false, reason: 'payload' }
  }
}
