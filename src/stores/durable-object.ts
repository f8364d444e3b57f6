import { nowSeconds } from '../limits.js'
import { checkOptions } from '../strict.js'
import { ConfigurationError } from '../errors.js'
import { LateWriteError, type ListedSession, type RevocationStore, type SessionDirectory } from '../session/revocation.js'

/**
 * The calls this store makes on one `SessionRevocations` object (Durable Object RPC).
 * `DurableObjectStub<SessionRevocations>` from `@cloudflare/workers-types` fits it.
 * Times are Unix seconds; `now` is the caller's clock. Deadlines are wall-clock
 * milliseconds (`Date.now()`): a write that reaches the object after its deadline changes
 * nothing and throws.
 */
export interface SessionRevocationsStub {
  /** Is the session revoked, by its id or by the subject's not-before time? */
  isRevoked(sessionId: string, createdAt: number, now: number): Promise<boolean>
  /** Revokes one session until `expiresAt`. */
  revokeSession(sessionId: string, expiresAt: number, now: number): Promise<void>
  /** Revokes the subject's sessions created before `notBefore`, remembered until `expiresAt`; empties the directory. */
  revokeSubject(notBefore: number, expiresAt: number, now: number): Promise<void>
  /** The subject's not-before time while it still matters. */
  notBefore(now: number): Promise<number | undefined>
  /** Records a sign-in as pending; with `policy: 'refuse'` and `limit`, nothing at the limit. */
  record(
    entry: { sessionId: string; createdAt: number; expiresAt: number; label?: string | undefined },
    options: { limit?: number | undefined; policy?: 'evict-oldest' | 'refuse' | undefined; deadline?: number | undefined },
    now: number,
  ): Promise<{ refused: boolean }>
  /** Lists a pending sign-in; with `limit`, signs out the oldest other listed sessions beyond it. */
  confirm(sessionId: string, options: { limit?: number | undefined; deadline?: number | undefined }, now: number): Promise<{ confirmed: boolean; evicted: string[] }>
  /** Revoked unless the session is listed; when it is, its last-seen time set to `now`. */
  check(sessionId: string, now: number): Promise<boolean>
  /** Gives a listed or pending session a new id; false when `from` is neither. */
  rename(from: string, to: string, options: { deadline?: number | undefined }, now: number): Promise<boolean>
  /** Signs out these sessions in one step; how many of them were listed. */
  revokeSessions(sessionIds: string[], now: number): Promise<number>
  /** The listed sessions that are not expired, in sign-in order (oldest first). */
  list(now: number): Promise<RecordedSessionRow[]>
}

/** A listed session, as the object's `list()` returns it (times in Unix seconds). */
export interface RecordedSessionRow {
  /** The session's id. */
  readonly sessionId: string
  /** When the user signed in. */
  readonly createdAt: number
  /** The last moment the session could be accepted. */
  readonly expiresAt: number
  /** The last revocation check that found it valid. */
  readonly lastSeenAt?: number
  /** The app's label for the client. */
  readonly label?: string
}

/**
 * The part of a Durable Object namespace binding this store uses: a Worker's
 * `DurableObjectNamespace<SessionRevocations>` fits it.
 */
export interface SessionRevocationsNamespace<Id = unknown> {
  /** The id of the object named `name` (the same name gives the same object, everywhere). */
  idFromName(name: string): Id
  /** A stub for the object with that id. */
  get(id: Id): SessionRevocationsStub
}

/** Options of `durableObjectRevocations()`. */
export interface DurableObjectRevocationsOptions {
  /**
   * Keeps several session configurations apart in one namespace: each object's name holds
   * the prefix and the subject apart (`app:` + `admin:bob` and `app:admin:` + `bob` are
   * different objects). @default ''
   */
  readonly prefix?: string
  /** The clock, in milliseconds. @default Date.now */
  readonly now?: () => number
}

/** The message of the error the object throws for a write after its deadline (mapped to `LateWriteError`). */
export const LATE_WRITE = 'SessionRevocations: the write arrived after its deadline; nothing was changed'

/**
 * Revocations and a session directory in Durable Objects: one `SessionRevocations` object
 * per subject, holding that user's revoked session ids, not-before time and sessions
 * (pending and listed) in its SQLite storage. Strongly consistent: a sign-out is visible to
 * the next check from anywhere, so the only lag left is `revocation.revalidateAfter`. Every call is
 * one RPC to the subject's object, which runs its calls one at a time, each in one SQLite
 * transaction: racing sign-ins under `maxSessions` and a batch sign-out of every other
 * device are atomic. A check is one primary-key lookup, whatever the user's history; what a
 * user holds is bounded by `MAX_SESSIONS_PER_SUBJECT`; a sign-in write that reaches the
 * object after its deadline changes nothing (`LateWriteError`); an alarm deletes the
 * object's storage once nothing in it can matter.
 *
 * The Worker must export the class and bind it (wrangler.toml):
 *
 * ```toml
 * [[durable_objects.bindings]]
 * name = "SESSION_REVOCATIONS"
 * class_name = "SessionRevocations"
 *
 * [[migrations]]
 * tag = "v1"
 * new_sqlite_classes = ["SessionRevocations"]
 * ```
 *
 * @example
 * ```ts
 * import { durableObjectRevocations } from 'sealed-session/durable-object'
 * export { SessionRevocations } from 'sealed-session/durable-object'
 *
 * app.use(session((c) => ({
 *   secrets: c.env.SESSION_SECRETS,
 *   revocations: durableObjectRevocations(c.env.SESSION_REVOCATIONS),
 * })))
 * ```
 */
export function durableObjectRevocations<Id>(namespace: SessionRevocationsNamespace<Id>, options: DurableObjectRevocationsOptions = {}): RevocationStore {
  checkOptions('durableObjectRevocations()', options, ['prefix', 'now'])
  const prefix = options.prefix ?? ''
  if (typeof prefix !== 'string') throw new ConfigurationError('durableObjectRevocations(): prefix must be a string, such as "app:"')
  const now = (): number => nowSeconds(options.now ?? Date.now)
  const object = (subject: string): SessionRevocationsStub => namespace.get(namespace.idFromName(objectName(prefix, subject)))
  const sessions: SessionDirectory = {
    record: ({ sessionId, subject, createdAt, expiresAt, label }, { limit, policy, deadline }) =>
      onTime(deadline, () => object(subject).record({ sessionId, createdAt, expiresAt, label }, { limit, policy, deadline }, now())),
    confirm: ({ subject, sessionId, limit, deadline }) => onTime(deadline, () => object(subject).confirm(sessionId, { limit, deadline }, now())),
    check: async ({ subject, sessionId }) => object(subject).check(sessionId, now()),
    rename: ({ subject, from, to, deadline }) => onTime(deadline, () => object(subject).rename(from, to, { deadline }, now())),
    revoke: async (subject, ids) => (ids.length === 0 ? 0 : object(subject).revokeSessions([...ids], now())),
    list: async (subject) => (await object(subject).list(now())).map((row): ListedSession => ({ ...row, subject })),
  }
  return {
    isRevoked: async (query) => object(query.subject).isRevoked(query.sessionId, query.createdAt, now()),
    notBefore: async (subject) => object(subject).notBefore(now()),
    revoke: async (entry) => object(entry.subject).revokeSession(entry.sessionId, entry.expiresAt, now()),
    revokeSubject: async (subject, notBefore, expiresAt) => object(subject).revokeSubject(notBefore, expiresAt, now()),
    sessions,
  }
}

/**
 * The object's name: prefix and subject as a JSON array, so no pair of them names another
 * pair's object whatever they contain. No hashing is needed: the runtime derives the id
 * from the name by itself, at any length.
 */
export function objectName(prefix: string, subject: string): string {
  return JSON.stringify([prefix, subject])
}

/**
 * A write with a deadline: refused here when it is already past, and the object's own
 * refusal (it compares its clock when the call arrives) becomes `LateWriteError`.
 */
async function onTime<V>(deadline: number | undefined, write: () => Promise<V>): Promise<V> {
  if (deadline !== undefined && Date.now() > deadline) throw new LateWriteError()
  try {
    return await write()
  } catch (error) {
    throw error instanceof Error && error.message === LATE_WRITE ? new LateWriteError() : error
  }
}
