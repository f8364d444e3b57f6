import { nowSeconds } from '../limits.js'
import type { RevocationStore } from '../session/revocation.js'

/**
 * The calls this store makes on one `SessionRevocations` object (Durable Object RPC).
 * `DurableObjectStub<SessionRevocations>` from `@cloudflare/workers-types` fits it.
 * Times are Unix seconds; `now` is the caller's clock.
 */
export interface SessionRevocationsStub {
  /** Is the session revoked, by its id or by the subject's not-before time? */
  isRevoked(sessionId: string, createdAt: number, now: number): Promise<boolean>
  /** Revokes one session until `expiresAt`. */
  revokeSession(sessionId: string, expiresAt: number, now: number): Promise<void>
  /** Revokes the subject's sessions created before `notBefore`, remembered until `expiresAt`. */
  revokeSubject(notBefore: number, expiresAt: number, now: number): Promise<void>
  /** The subject's not-before time while it still matters. */
  notBefore(now: number): Promise<number | undefined>
  /** Records a sign-in; with `limit`, revokes the oldest other recorded sessions beyond it. */
  recordSession(
    sessionId: string,
    createdAt: number,
    expiresAt: number,
    label: string | undefined,
    limit: number | undefined,
    now: number,
    refuse?: boolean,
  ): Promise<{ createdAt: number; evicted: string[]; refused?: boolean }>
  /** `isRevoked()`, and the session's last-seen time set to `now`. */
  touchSession(sessionId: string, createdAt: number, now: number): Promise<boolean>
  /** The recorded sessions that are neither revoked nor expired. */
  listSessions(now: number): Promise<RecordedSessionRow[]>
}

/** A recorded session, as the object's `listSessions()` returns it (times in Unix seconds). */
export interface RecordedSessionRow {
  readonly sessionId: string
  readonly createdAt: number
  readonly expiresAt: number
  readonly lastSeenAt?: number
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
   * Prefix of each object's name (the subject follows it), to keep several session
   * configurations apart in one namespace. @default ''
   */
  readonly prefix?: string
  /** The clock, in milliseconds. @default Date.now */
  readonly now?: () => number
}

/**
 * Revocations in Durable Objects: one `SessionRevocations` object per subject, named after
 * it, holding that user's revoked session ids and not-before time in its SQLite storage.
 * Strongly consistent: a revocation is visible to the next check from anywhere, so the
 * only lag left is `revalidateAfter`. Each call is one RPC to the subject's object;
 * revocations of one user at the same moment all land (the object runs them one at a
 * time); an alarm deletes the object's storage once nothing in it can matter. It records
 * sessions too: list them, sign out one device or the others, and `maxSessions` applied
 * inside the object, atomically.
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
  const prefix = options.prefix ?? ''
  const now = (): number => nowSeconds(options.now ?? Date.now)
  const object = (subject: string): SessionRevocationsStub => namespace.get(namespace.idFromName(prefix + subject))
  return {
    isRevoked: async (query) => object(query.subject).isRevoked(query.sessionId, query.createdAt, now()),
    notBefore: async (subject) => object(subject).notBefore(now()),
    revoke: async (entry) => object(entry.subject).revokeSession(entry.sessionId, entry.expiresAt, now()),
    revokeSubject: async (subject, notBefore, expiresAt) => object(subject).revokeSubject(notBefore, expiresAt, now()),
  }
}
