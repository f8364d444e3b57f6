/**
 * `sealed-session`: a web session in one AES-256-GCM sealed cookie. `createSessions()`
 * is the engine; `seal()`/`unseal()` seal any other value with the same secrets.
 * Adapters live in `sealed-session/hono`, `/next`, `/react-router`, `/sveltekit` and
 * `/astro`; revocation stores and session data stores (`overflow`) in `/memory`, `/kv`,
 * `/durable-object`, `/redis` and `/deno-kv`; the JWE format in `sealed-session/jwe`.
 * @packageDocumentation
 */
export { createSessions, type CookieSource, type SessionEngine, type SessionInfo } from './engine/engine.js'
export { sealedSize, type OverflowSize, type SealedSize } from './engine/measure.js'
export type { Session, SessionData, LoginOptions } from './session/session.js'
export type {
  SessionOptions,
  CommonSessionOptions,
  CookieSessionOptions,
  BearerSessionOptions,
  BearerOptions,
  LifetimeOptions,
  ClockOptions,
  RevocationOptions,
  BindingOptions,
  HeaderReader,
} from './session/options.js'
export { v1, type V1Options, type TokenFormat } from './session/format.js'
export type { SessionEvent, SessionEventType } from './session/events.js'
export type { LegacyReader, LegacyReaderName, LegacyRefusal, LegacySession } from './session/legacy.js'
export type {
  RevocationStore,
  RevocationQuery,
  RevokedSession,
  SessionDirectory,
  SessionEntry,
  RecordOptions,
  RecordedSession,
  SessionConfirmation,
  ConfirmedSession,
  SessionRename,
  ListedSession,
} from './session/revocation.js'
export { MAX_SESSIONS_PER_SUBJECT, PENDING_SECONDS, LateWriteError } from './session/revocation.js'
export type { SessionDataStore, StoredSession, StoredWrite, StoredDelete, OverflowOptions } from './session/overflow.js'
export { MAX_STORED_CHARS } from './session/overflow.js'
export type { Json } from './session/envelope.js'
export type { CookieOptions } from './cookie/options.js'
export { applyCommit, type SessionCommit } from './transport/commit.js'
export type { CommittedCookie } from './cookie/serialize.js'
export { cookieHeaderAfter } from './cookie/header.js'
export { generateSecret, type Secrets, type SecretWithId } from './keys/secrets.js'
export { seal, unseal, type SealOptions, type UnsealResult } from './seal.js'
export {
  SessionError,
  ConfigurationError,
  SessionTooLargeError,
  RevocationUnavailableError,
  SessionLimitError,
  SessionRevokedError,
  OverflowTooLargeError,
  OverflowConflictError,
  OverflowUnavailableError,
  type InvalidReason,
} from './errors.js'
