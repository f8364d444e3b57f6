import { RevocationUnavailableError } from '../errors.js'

/**
 * Where revocations live: small enough for Workers KV, Durable Objects, Deno KV or Redis.
 * Times are Unix seconds. Only signed-in sessions (with a subject) are ever looked up:
 * an anonymous session carries no identity worth revoking, and costs no reads.
 * A store may be eventually consistent; docs/REVOCATION.md says what that costs.
 */
export interface RevocationStore {
  /**
   * Is this session revoked, by its id or because its subject was logged out everywhere
   * (created before the subject's not-before time)? Implementations should answer with
   * one read. Throwing (or rejecting) means "unknown": the `revocationFailure` policy decides.
   */
  isRevoked(query: RevocationQuery): Promise<boolean>
  /** Revoke one session until `expiresAt`, the last moment it could be accepted. */
  revoke(entry: RevokedSession): Promise<void>
  /**
   * Revoke every session of `subject` created before `notBefore`, remembered until
   * `expiresAt` (by then every such session has expired anyway). `notBefore` never moves
   * back: keep the larger of the stored and the new value.
   */
  revokeSubject(subject: string, notBefore: number, expiresAt: number): Promise<void>
  /**
   * The subject's current not-before time, if any. `login()` reads it so that a session
   * created after a sign-out-everywhere always counts as created after it. Optional: a
   * store without it makes a sign-in within the clock skew after a sign-out-everywhere
   * end at its first revocation check.
   */
  notBefore?(subject: string): Promise<number | undefined>
  /**
   * Sessions of a user (optional; docs/REVOCATION.md, "Sessions of a user"). Records a
   * sign-in, one write: `login()` calls it instead of `notBefore()`. With `limit`, the
   * oldest listed sessions beyond it (never `entry` itself) are revoked in the same
   * atomic update where the store can. The entry is forgotten by itself after `expiresAt`.
   */
  recordSession?(entry: SessionEntry, limit?: number, refuse?: boolean): Promise<RecordedSession>
  /**
   * The revocation check of a store that records sessions: `isRevoked()` plus "last seen
   * now" for a listed session, in one call. The engine calls it instead of `isRevoked()`,
   * so last-seen times cost no extra request and move at most once per `revalidateAfter`.
   */
  touchSession?(query: RevocationQuery): Promise<boolean>
  /** The subject's recorded sessions that are neither revoked nor expired. */
  listSessions?(subject: string): Promise<readonly ListedSession[]>
}

/** One sign-in, as `recordSession()` receives it. Times are Unix seconds. */
export interface SessionEntry {
  /** The session's id (128 random bits, base64url). */
  readonly sessionId: string
  /** The user id given to `login()`. */
  readonly subject: string
  /** When the session was created (signed in). */
  readonly createdAt: number
  /** The last moment the session could be accepted (absolute expiry plus clock skew). */
  readonly expiresAt: number
  /** A short client description from the `sessionLabel` option, e.g. "Firefox on Linux". */
  readonly label?: string
}

/** What `recordSession()` did. */
export interface RecordedSession {
  /** The session's creation time: `entry.createdAt`, raised to the subject's not-before time if later. */
  readonly createdAt: number
  /** Ids of the sessions revoked to stay within the limit, oldest first. */
  readonly evicted: readonly string[]
  /** With `refuse`: the subject already held `limit` sessions, so nothing was recorded or revoked. */
  readonly refused?: boolean
}

/** A recorded session, as `listSessions()` returns it. */
export interface ListedSession extends SessionEntry {
  /** The last revocation check that found it valid (coarse: at most once per `revalidateAfter`). */
  readonly lastSeenAt?: number
}

/** What `isRevoked()` is asked about: one signed-in session. */
export interface RevocationQuery {
  /** The session's id (128 random bits, base64url). */
  readonly sessionId: string
  /** The user id given to `login()`. */
  readonly subject: string
  /** When the session was created (login), Unix seconds. */
  readonly createdAt: number
}

/** One session to revoke, as `revoke()` receives it. */
export interface RevokedSession {
  /** The session's id (128 random bits, base64url). */
  readonly sessionId: string
  /** The user id given to `login()`. */
  readonly subject: string
  /** The last moment the session could be accepted (absolute expiry plus clock skew), Unix seconds. */
  readonly expiresAt: number
}

/** Rejects when `promise` has not settled within `ms`: a store that hangs counts as failing. */
export function withTimeout<V>(promise: Promise<V>, ms: number): Promise<V> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the revocation store did not answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * A store call the caller cannot do without (a revocation, a sign-in record, a device
 * list): bounded by `timeoutMs`, and a failure or a timeout becomes
 * `RevocationUnavailableError` with `message` and the store's error as `cause`.
 */
export async function required<V>(call: Promise<V>, timeoutMs: number, message: string): Promise<V> {
  try {
    return await withTimeout(call, timeoutMs)
  } catch (cause) {
    throw new RevocationUnavailableError(message, { cause })
  }
}
