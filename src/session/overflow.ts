import { ConfigurationError } from '../errors.js'
import { DEFAULT_REVOCATION_TIMEOUT_MS, duration } from '../limits.js'
import { optionsObject, refuseUnknownKeys } from '../strict.js'

/**
 * Where a session too large for its cookie keeps its data (the `overflow` option):
 * small enough for memory, Redis, Workers KV, Durable Objects and Deno KV. The store only
 * ever sees sealed blobs (AES-256-GCM under keys from the session secrets) and session
 * ids: never plaintext. docs/OVERFLOW.md says what each rule protects against.
 */
export interface SessionDataStore {
  /** The copy stored under `sessionId`, or undefined when there is none (never stored, deleted, expired). */
  get(sessionId: string): Promise<StoredSession | undefined>
  /**
   * Stores `stored` under `sessionId` only if the copy there now has version `expected`
   * (0: only if there is none), atomically where the backend can (compare-and-set), and
   * has the backend drop it after `expiresAt`. False, changing nothing, when the version
   * differs: a newer write won. A store that gets the call after `deadline` must change
   * nothing (throw `LateWriteError`).
   */
  put(sessionId: string, stored: StoredSession, options: StoredWrite): Promise<boolean>
  /**
   * Removes the copy under `sessionId`: any copy, or with `expected` only the copy of that
   * version (false, changing nothing, when the version there differs).
   */
  delete(sessionId: string, options?: StoredDelete): Promise<boolean>
  /**
   * The most characters of `blob` this store keeps, when it keeps fewer than
   * `MAX_STORED_CHARS` (Deno KV: `DENO_KV_MAX_BLOB`). `commit()` refuses a larger copy with
   * `OverflowTooLargeError` before any store call. @default MAX_STORED_CHARS
   */
  readonly maxBlob?: number
}

/** One stored copy: its version (1, 2, … per session id) and the sealed data. */
export interface StoredSession {
  /** Counts the writes under one session id, from 1. */
  readonly version: number
  /** The sealed data: a v1 token (base64url), at most `MAX_STORED_CHARS` characters. */
  readonly blob: string
}

/** How `SessionDataStore.put()` writes. */
export interface StoredWrite {
  /** The version the stored copy must have now; 0: there must be none. */
  readonly expected: number
  /** Unix seconds after which the backend may drop the copy: the session's absolute expiry plus the clock skew. */
  readonly expiresAt: number
  /** Wall-clock time (`Date.now()`, ms) after which the caller has given up: a later write must change nothing. */
  readonly deadline?: number
}

/** How `SessionDataStore.delete()` removes. */
export interface StoredDelete {
  /** Remove only the copy of this version. */
  readonly expected?: number
}

/**
 * The most characters one stored copy may take (1 MiB): what one session can make a store
 * hold is bounded, and a larger session is refused loudly at commit (`OverflowTooLargeError`).
 */
export const MAX_STORED_CHARS: number = 1024 * 1024

/** The smallest `overflow.budget`: the reference cookie itself takes about 250 bytes. */
export const MIN_OVERFLOW_BUDGET = 512

/** The `overflow` option of `createSessions()`. */
export interface OverflowOptions {
  /** Where sessions too large for the cookie keep their data: `memorySessionData()`, `redisSessionData()`, `kvSessionData()`, … */
  readonly store: SessionDataStore
  /**
   * Keep the session in the cookie while its sealed cookies take at most this many bytes
   * (names included); past it, the data goes to the store. At least 512. @default the
   * cookie limit: 4096 bytes times `cookie.maxChunks` (8192 for the bearer token)
   */
  readonly budget?: number
  /** Give up on a store call after this many milliseconds: a read then signs the request out (its cookie kept), a write throws `OverflowUnavailableError`. @default 2000 */
  readonly timeout?: number
}

/** Whether `value` is a stored copy of the right shape: anything else a store returns counts as missing. */
export function isStoredSession(value: unknown): value is StoredSession {
  if (typeof value !== 'object' || value === null) return false
  const { version, blob } = value as { version?: unknown; blob?: unknown }
  return typeof version === 'number' && Number.isSafeInteger(version) && version >= 1 && typeof blob === 'string' && blob.length <= MAX_STORED_CHARS
}

/** The `overflow` option after its checks. */
export interface ResolvedOverflow {
  readonly store: SessionDataStore
  /** Undefined: the transport's limit. */
  readonly budget: number | undefined
  /** Milliseconds a store call may take. */
  readonly timeout: number
  /** The most characters one stored copy may take: the store's `maxBlob`, at most `MAX_STORED_CHARS`. */
  readonly maxBlob: number
}

/** Every key of `OverflowOptions`, checked against the interface at compile time. */
const OVERFLOW_KEYS = Object.keys({ store: true, budget: true, timeout: true } satisfies Record<keyof OverflowOptions, true>)

/** Checks the `overflow` option: a store with get(), put() and delete(), and a whole-number budget of at least 512 bytes. */
export function resolveOverflow(overflow: OverflowOptions | undefined): ResolvedOverflow | undefined {
  if (overflow === undefined) return undefined
  refuseUnknownKeys(optionsObject(overflow, '`overflow` ({ store, budget?, timeout? })'), { path: 'overflow.', noun: 'an option of `overflow`', known: OVERFLOW_KEYS })
  const { store, budget } = overflow
  if (typeof store !== 'object' || store === null || typeof store.get !== 'function' || typeof store.put !== 'function' || typeof store.delete !== 'function') {
    throw new ConfigurationError('overflow.store must implement get(), put() and delete() (memorySessionData(), redisSessionData(), kvSessionData(), durableObjectSessionData(), denoKvSessionData())')
  }
  if (budget !== undefined && (typeof budget !== 'number' || !Number.isInteger(budget) || budget < MIN_OVERFLOW_BUDGET)) {
    throw new ConfigurationError(`overflow.budget must be a whole number of bytes, at least ${MIN_OVERFLOW_BUDGET} (the reference cookie needs about 250); got ${String(budget)}`)
  }
  const { maxBlob = MAX_STORED_CHARS } = store
  if (typeof maxBlob !== 'number' || !Number.isInteger(maxBlob) || maxBlob < 1 || maxBlob > MAX_STORED_CHARS) {
    throw new ConfigurationError(`overflow.store.maxBlob must be a whole number of characters from 1 to ${MAX_STORED_CHARS} (MAX_STORED_CHARS); got ${String(maxBlob)}`)
  }
  return { store, budget, timeout: duration('overflow.timeout', overflow.timeout, DEFAULT_REVOCATION_TIMEOUT_MS, 1), maxBlob }
}
