import { OverflowTooLargeError, SessionTooLargeError } from '../errors.js'
import { generateSecret } from '../keys/secrets.js'
import { MAX_BEARER_BYTES, MAX_COOKIE_BYTES } from '../limits.js'
import type { Json } from '../session/envelope.js'
import { compresses } from '../session/format.js'
import type { SessionOptions } from '../session/options.js'
import { MIN_OVERFLOW_BUDGET, resolveOverflow, type SessionDataStore } from '../session/overflow.js'
import { createSessions, type SessionEngine } from './engine.js'

/**
 * Seals per measurement with `v1({ compress: true })`: the random session id is deflated
 * with the data, so the sealed size varies by a few bytes from one session to the next
 * (docs/SIZE.md); the largest of these seals is reported.
 */
export const COMPRESSED_SAMPLES = 8

/** What `sealedSize()` measured. */
export interface SealedSize {
  /**
   * Bytes on the wire: each cookie's name plus value (as browsers count them), or the bearer
   * token. With `overflow` and data past its budget: the cookie carrying the reference. With
   * `v1({ compress: true })`: the largest of 8 seals (the size varies with the random session id).
   */
  readonly size: number
  /** The most allowed: 4096 × `cookie.maxChunks`, or 8192 for a bearer token. */
  readonly limit: number
  /** Whether `commit()` would send it rather than throw `SessionTooLargeError` (or, with `overflow`, `OverflowTooLargeError`). */
  readonly fits: boolean
  /** With the `overflow` option only: whether the data would go to the store, and its size there. */
  readonly overflow?: OverflowSize
}

/** `SealedSize.overflow`: where `commit()` would keep the data. The store is never called. */
export interface OverflowSize {
  /**
   * Whether `commit()` keeps the data in the store and a reference in the cookie (its cookies
   * without the store pass `budget`). With compression near the budget: whether the largest
   * of the 8 seals passes it, so some sessions with this data may still stay in the cookie.
   */
  readonly stored: boolean
  /** Bytes the session's cookies take with the data in them, as if there were no store. */
  readonly inCookie: number
  /** `overflow.budget`, or the limit when it is left out (the smaller of the two). */
  readonly budget: number
  /** Characters of the sealed copy the store would keep; 0 when the data stays in the cookie. */
  readonly storedSize: number
  /** The most characters one copy may take: `MAX_STORED_CHARS` (1 MiB), or the store's smaller `maxBlob`. */
  readonly storedLimit: number
}

/**
 * The sealed size of `data` as a new, anonymous session under these options (`secrets`
 * may be left out: the size does not depend on them), for an app's tests to keep its
 * session under a budget. With `overflow`, says whether the data would go to the store and
 * how large the copy would be, without calling the store. Throws `ConfigurationError` for
 * options `createSessions()` refuses.
 *
 * @example
 * ```ts
 * const { size, fits } = await sealedSize({ cart: Array.from({ length: 50 }, (_, i) => `sku-${i}`) })
 * expect(fits).toBe(true)
 * expect(size).toBeLessThan(3000)
 * ```
 */
export async function sealedSize(data: Readonly<Record<string, Json>>, options: Partial<SessionOptions> = {}): Promise<SealedSize> {
  const secrets = options.secrets ?? generateSecret()
  const samples = compresses(options.format) ? COMPRESSED_SAMPLES : 1
  const transportLimit = options.bearer !== undefined ? MAX_BEARER_BYTES : (options.cookie?.maxChunks ?? 1) * MAX_COOKIE_BYTES
  // The session in its cookies, as if there were no store: what decides whether it overflows.
  const inCookie = await measureWorst(createSessions({ ...options, secrets, overflow: undefined }), data, samples)
  const limit = inCookie.limit ?? transportLimit
  const overflow = resolveOverflow(options.overflow)
  if (overflow === undefined) return { size: inCookie.size, limit, fits: inCookie.fits }
  const budget = Math.min(overflow.budget ?? limit, limit)
  const storedLimit = overflow.maxBlob
  if (inCookie.size <= budget) {
    return { size: inCookie.size, limit, fits: true, overflow: { stored: false, inCookie: inCookie.size, budget, storedSize: 0, storedLimit } }
  }
  // Past the budget: committed through a store that keeps nothing (the app's store is never
  // called), with the smallest budget so that every seal takes the store's path.
  const probe = probeStore(storedLimit)
  const viaStore = await measureWorst(createSessions({ ...options, secrets, overflow: { store: probe.store, budget: MIN_OVERFLOW_BUDGET } }), data, samples)
  const storedSize = viaStore.stored ?? probe.largest()
  return viaStore.fits
    ? { size: viaStore.size, limit, fits: true, overflow: { stored: true, inCookie: inCookie.size, budget, storedSize, storedLimit } }
    : { size: inCookie.size, limit, fits: false, overflow: { stored: true, inCookie: inCookie.size, budget, storedSize, storedLimit } }
}

/** A store that accepts every write and keeps nothing but the largest copy's length. */
function probeStore(maxBlob: number): { readonly store: SessionDataStore; largest(): number } {
  let largest = 0
  const store: SessionDataStore = {
    maxBlob,
    get: () => Promise.resolve(undefined),
    put: (_id, { blob }) => {
      largest = Math.max(largest, blob.length)
      return Promise.resolve(true)
    },
    delete: () => Promise.resolve(true),
  }
  return { store, largest: () => largest }
}

/** What one commit of `data` as a new session sends: its bytes and cookies, or what it would have taken. */
export interface MeasuredCommit {
  /** Each cookie's name plus value, or the bearer token; over the limit, the size `SessionTooLargeError` names. */
  readonly size: number
  /** How many cookies it takes (0 for a bearer token or when it does not fit). */
  readonly cookies: number
  /** Whether `commit()` sent it rather than throw `SessionTooLargeError`. */
  readonly fits: boolean
  /** When it did not fit: the limit `SessionTooLargeError` named. */
  readonly limit?: number
  /** When `OverflowTooLargeError` was thrown: the characters of the copy it refused (and `size` is that too). */
  readonly stored?: number
}

/** Seals `data` as a new, anonymous session of `sessions` and measures the commit (the CLI's `size` shares it). */
export async function measureCommit(sessions: SessionEngine, data: Readonly<Record<string, Json>>): Promise<MeasuredCommit> {
  const session = await sessions.load(null)
  for (const [key, value] of Object.entries(data)) session.set(key, value)
  // An untouched new session sends nothing: touch() has it sealed even with no data.
  session.touch()
  try {
    const commit = await sessions.commit(session)
    const size = commit.token?.length ?? commit.cookies.reduce((sum, cookie) => sum + cookie.name.length + cookie.value.length, 0)
    return { size, cookies: commit.cookies.length, fits: true }
  } catch (error) {
    if (error instanceof OverflowTooLargeError) return { size: error.size, cookies: 0, fits: false, limit: error.limit, stored: error.size }
    if (error instanceof SessionTooLargeError) return { size: error.size, cookies: 0, fits: false, limit: error.limit }
    throw error
  }
}

/**
 * The worst of `samples` commits of `data`, each a new session: one that does not fit, else
 * the largest. One sample is exact unless the format compresses (the random session id is
 * deflated with the data).
 */
export async function measureWorst(sessions: SessionEngine, data: Readonly<Record<string, Json>>, samples: number): Promise<MeasuredCommit> {
  let worst = await measureCommit(sessions, data)
  for (let i = 1; i < samples; i++) {
    const next = await measureCommit(sessions, data)
    if ((worst.fits && !next.fits) || (worst.fits === next.fits && next.size > worst.size)) worst = next
  }
  return worst
}
