/**
 * Where revocations live: small enough for Workers KV, Durable Objects, Deno KV or Redis.
 * Times are Unix seconds. Only signed-in sessions (with a subject) are ever looked up:
 * an anonymous session carries no identity worth revoking, and costs no reads.
 * A store may be eventually consistent; docs/REVOCATION.md says what that costs.
 *
 * The required part is a deny list (revoked ids, a per-subject not-before time). A store
 * that can also keep a user's sessions offers `sessions` (a `SessionDirectory`): sessions
 * signed in through it are then checked against that list instead (an allow list), so
 * signing one out removes an entry rather than adding one, and what a user stores is
 * bounded by the sessions they hold (docs/REVOCATION.md, "Sessions of a user").
 */
export interface RevocationStore {
  /**
   * Is this session revoked, by its id or because its subject was logged out everywhere
   * (created before the subject's not-before time)? Implementations should answer with
   * one read, at a cost that does not grow with the subject's history. Throwing (or
   * rejecting) means "unknown": the `revocation.failure` policy decides.
   */
  isRevoked(query: RevocationQuery): Promise<boolean>
  /** Revoke one session until `expiresAt`, the last moment it could be accepted. */
  revoke(entry: RevokedSession): Promise<void>
  /**
   * Revoke every session of `subject` created before `notBefore`, remembered until
   * `expiresAt` (by then every such session has expired anyway). `notBefore` never moves
   * back: keep the larger of the stored and the new value. Listed sessions created before
   * it are no longer listed.
   */
  revokeSubject(subject: string, notBefore: number, expiresAt: number): Promise<void>
  /**
   * The subject's current not-before time, if any. `login()` reads it (without a
   * directory) so that a session created after a sign-out-everywhere always counts as
   * created after it. Optional: a store without it makes a sign-in within the clock skew
   * after a sign-out-everywhere end at its first revocation check.
   */
  notBefore?(subject: string): Promise<number | undefined>
  /** A user's sessions (optional): listing, signing out one device or the others, `maxSessions`. */
  readonly sessions?: SessionDirectory
}

/**
 * The sessions of each user, as a store that can keep them offers them. Every method is
 * one atomic operation on the store, whatever the subject's history: its cost grows with
 * the sessions a user holds now (bounded: `MAX_SESSIONS_PER_SUBJECT`), never with past
 * sign-ins or sign-outs. docs/REVOCATION.md, "Sessions of a user", says what each does.
 */
export interface SessionDirectory {
  /**
   * A sign-in, recorded as pending: it holds a place (for the 'refuse' policy) but signs
   * nobody out and is not listed until `confirm()`, and the store forgets it after
   * `PENDING_SECONDS` unless confirmed. Dated no earlier than the subject's not-before time.
   */
  record(entry: SessionEntry, options: RecordOptions): Promise<RecordedSession>
  /**
   * The sign-in's cookie is about to be sent: list the pending session (keeping its place
   * in sign-in order) and, with `limit`, sign out the oldest other listed sessions beyond
   * it. `confirmed: false` when it is no longer pending (forgotten, or signed out meanwhile).
   */
  confirm(confirmation: SessionConfirmation): Promise<ConfirmedSession>
  /**
   * The revocation check of a listed session: revoked unless it is listed (confirmed, not
   * signed out, not expired), and when it is, its last-seen time set to now.
   */
  check(query: RevocationQuery): Promise<boolean>
  /**
   * Gives a listed (or pending) session a new id, keeping its sign-in time, order and label:
   * `regenerate()`. False, changing nothing, when `from` is no longer listed or pending.
   */
  rename(change: SessionRename): Promise<boolean>
  /** Signs out these sessions of `subject`, in one operation; how many of them were listed. */
  revoke(subject: string, sessionIds: readonly string[]): Promise<number>
  /** The subject's listed sessions that are neither signed out nor expired, in sign-in order (oldest first). */
  list(subject: string): Promise<readonly ListedSession[]>
}

/** How `SessionDirectory.record()` applies the `maxSessions` limit. */
export interface RecordOptions {
  /** The `maxSessions` limit; undefined: no limit (the store's own bound still applies). */
  readonly limit?: number
  /** 'refuse': when the subject already holds `limit` sessions (pending ones counted), record nothing. */
  readonly policy?: 'evict-oldest' | 'refuse'
  /**
   * Wall-clock time (`Date.now()`, milliseconds) after which the caller has given up: a
   * store that gets the call later must change nothing, so a sign-in the app was told
   * failed never takes effect (a slow store, a client that re-sends its queue).
   */
  readonly deadline?: number
}

/** What `SessionDirectory.confirm()` receives. */
export interface SessionConfirmation {
  /** The user id given to `login()`. */
  readonly subject: string
  /** The pending session's id. */
  readonly sessionId: string
  /** Sign out the oldest other listed sessions beyond this many. */
  readonly limit?: number
  /** As `RecordOptions.deadline`. */
  readonly deadline?: number
}

/** What `SessionDirectory.confirm()` did. */
export interface ConfirmedSession {
  /** False when the session was not pending (forgotten after `PENDING_SECONDS`, or signed out). */
  readonly confirmed: boolean
  /** Ids of the sessions signed out to stay within the limit, oldest first. */
  readonly evicted: readonly string[]
}

/** What `SessionDirectory.rename()` receives. */
export interface SessionRename {
  /** The user id given to `login()`. */
  readonly subject: string
  /** The id the client holds now. */
  readonly from: string
  /** The new id. */
  readonly to: string
  /** As `RecordOptions.deadline`. */
  readonly deadline?: number
}

/** One sign-in, as `SessionDirectory.record()` receives it. Times are Unix seconds. */
export interface SessionEntry {
  /** The session's id (128 random bits, base64url). */
  readonly sessionId: string
  /** The user id given to `login()`. */
  readonly subject: string
  /** When the user signed in. */
  readonly createdAt: number
  /** The last moment the session could be accepted (absolute expiry plus clock skew). */
  readonly expiresAt: number
  /** A short client description from `revocation.label`, e.g. "Firefox on Linux". */
  readonly label?: string
}

/** What `SessionDirectory.record()` did. */
export interface RecordedSession {
  /** With the 'refuse' policy: the subject already held `limit` sessions, so nothing was recorded. */
  readonly refused: boolean
}

/** A listed session, as `SessionDirectory.list()` returns it. */
export interface ListedSession extends SessionEntry {
  /** The last revocation check that found it valid (coarse: at most once per `revocation.revalidateAfter`). */
  readonly lastSeenAt?: number
}

/** What a revocation check is asked about: one signed-in session. */
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

/**
 * The most sessions one subject can hold in a directory (listed and pending alike are
 * bounded: beyond it the oldest listed are signed out, the oldest pending forgotten), and
 * the most revoked ids a deny list keeps per subject (beyond it the store raises the
 * subject's not-before time instead: every older session not in a directory is signed out).
 * So nothing one user does makes a store hold more than this for them (docs/REVOCATION.md).
 */
export const MAX_SESSIONS_PER_SUBJECT = 1000
/** Seconds a recorded sign-in waits for its `confirm()` (its cookie being sent) before the store forgets it. */
export const PENDING_SECONDS = 60

/** Thrown by a store that got a write after its `deadline`: it changed nothing. */
export class LateWriteError extends Error {
  constructor() {
    super('the store got the write after the caller gave up on it; nothing was changed')
    this.name = 'LateWriteError'
  }
}
