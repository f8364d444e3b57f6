import { nowSeconds } from '../limits.js'
import { checkOptions } from '../strict.js'
import { ConfigurationError } from '../errors.js'
import { LateWriteError } from '../session/revocation.js'
import type { SessionDataStore, StoredSession } from '../session/overflow.js'
import { LATE_WRITE, objectName } from './durable-object.js'

/** The calls this store makes on one `SessionOverflow` object (RPC). `DurableObjectStub<SessionOverflow>` fits it. */
export interface SessionDataStub {
  /** The stored copy, unless none or expired. */
  get(): Promise<StoredSession | undefined>
  /** Compare-and-set: stores if the copy there has version `expected` (0: none), for `ttl` seconds. */
  put(stored: StoredSession, expected: number, ttl: number, deadline?: number): Promise<boolean>
  /** Removes the copy (only version `expected`, when given). */
  delete(expected?: number): Promise<boolean>
}

/** The part of a Durable Object namespace binding this store uses: a Worker's `DurableObjectNamespace<SessionOverflow>` fits it. */
export interface SessionDataNamespace<Id = unknown> {
  /** The id of the object named `name`. */
  idFromName(name: string): Id
  /** A stub for the object with that id. */
  get(id: Id): SessionDataStub
}

/** Options of `durableObjectSessionData()`. */
export interface DurableObjectSessionDataOptions {
  /** Keeps several session configurations apart in one namespace. @default '' */
  readonly prefix?: string
  /** The clock, in milliseconds: a copy lives `expiresAt` minus now from its write. @default Date.now */
  readonly now?: () => number
}

/**
 * Session data (`overflow`) in Durable Objects: one `SessionOverflow` object per session id,
 * strongly consistent, each write an atomic compare-and-set on the version, refused when
 * it reaches the object after the engine's deadline; an alarm deletes the copy at the
 * session's expiry. The Worker exports the class and binds it (wrangler.toml):
 *
 * ```toml
 * [[durable_objects.bindings]]
 * name = "SESSION_DATA"
 * class_name = "SessionOverflow"
 *
 * [[migrations]]
 * tag = "v2"
 * new_sqlite_classes = ["SessionOverflow"]
 * ```
 *
 * @example
 * ```ts
 * import { durableObjectSessionData } from 'sealed-session/durable-object'
 * export { SessionOverflow } from 'sealed-session/durable-object'
 *
 * app.use(session((c) => ({
 *   secrets: c.env.SESSION_SECRETS,
 *   overflow: { store: durableObjectSessionData(c.env.SESSION_DATA) },
 * })))
 * ```
 */
export function durableObjectSessionData<Id>(namespace: SessionDataNamespace<Id>, options: DurableObjectSessionDataOptions = {}): SessionDataStore {
  checkOptions('durableObjectSessionData()', options, ['prefix', 'now'])
  const prefix = options.prefix ?? ''
  if (typeof prefix !== 'string') throw new ConfigurationError('durableObjectSessionData(): prefix must be a string, such as "app:"')
  const now = (): number => nowSeconds(options.now ?? Date.now)
  const object = (id: string): SessionDataStub => namespace.get(namespace.idFromName(objectName(prefix, id)))
  return {
    get: (id) => object(id).get(),
    put: async (id, stored, { expected, expiresAt, deadline }) => {
      if (deadline !== undefined && Date.now() > deadline) throw new LateWriteError()
      try {
        return await object(id).put({ version: stored.version, blob: stored.blob }, expected, Math.max(1, expiresAt - now()), deadline)
      } catch (error) {
        throw error instanceof Error && error.message === LATE_WRITE ? new LateWriteError() : error
      }
    },
    delete: (id, { expected } = {}) => object(id).delete(expected),
  }
}
