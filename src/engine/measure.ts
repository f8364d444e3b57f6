import { SessionTooLargeError } from '../errors.js'
import { generateSecret } from '../keys/secrets.js'
import { MAX_BEARER_BYTES, MAX_COOKIE_BYTES } from '../limits.js'
import type { Json } from '../session/envelope.js'
import type { SessionOptions } from '../session/options.js'
import { createSessions, type SessionEngine } from './engine.js'

/** What `sealedSize()` measured. */
export interface SealedSize {
  /** Bytes on the wire: each cookie's name plus value (as browsers count them), or the bearer token. */
  readonly size: number
  /** The most allowed: 4096 × `cookie.maxChunks`, or 8192 for a bearer token. */
  readonly limit: number
  /** Whether `commit()` would send it rather than throw `SessionTooLargeError`. */
  readonly fits: boolean
}

/**
 * The sealed size of `data` as a new, anonymous session under these options (`secrets`
 * may be left out: the size does not depend on them), for an app's tests to keep its
 * session under a budget. Throws `ConfigurationError` for options `createSessions()` refuses.
 *
 * @example
 * ```ts
 * const { size, fits } = await sealedSize({ cart: Array.from({ length: 50 }, (_, i) => `sku-${i}`) })
 * expect(fits).toBe(true)
 * expect(size).toBeLessThan(3000)
 * ```
 */
export async function sealedSize(data: Readonly<Record<string, Json>>, options: Partial<SessionOptions> = {}): Promise<SealedSize> {
  const sessions = createSessions({ ...options, secrets: options.secrets ?? generateSecret() })
  const limit = options.bearer !== undefined ? MAX_BEARER_BYTES : (options.cookie?.maxChunks ?? 1) * MAX_COOKIE_BYTES
  const measured = await measureCommit(sessions, data)
  return { size: measured.size, limit: measured.limit ?? limit, fits: measured.fits }
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
    if (error instanceof SessionTooLargeError) return { size: error.size, cookies: 0, fits: false, limit: error.limit }
    throw error
  }
}
