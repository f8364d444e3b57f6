export { createSessions, type CookieSource, type Sessions } from './engine/engine.js'
export type { Session, SessionData, LoginOptions } from './session/session.js'
export type { SessionOptions, HeaderReader } from './session/options.js'
export type { SessionEvent, SessionEventType } from './session/events.js'
export type { RevocationStore, RevocationQuery, RevokedSession } from './session/revocation.js'
export type { Json, Envelope } from './session/envelope.js'
export type { FormatFactory, FormatContext, SessionFormat, OpenedSession } from './session/format.js'
export type { CookieOptions } from './cookie/options.js'
export { applyCommit, type SessionCommit } from './transport/commit.js'
export type { CommittedCookie } from './cookie/serialize.js'
export { cookieHeaderAfter } from './cookie/header.js'
export { generateSecret, type Secrets, type SecretWithId, type NormalizedSecret } from './keys/secrets.js'
export { seal, unseal, type SealOptions, type UnsealResult } from './seal.js'
export {
  SessionError,
  ConfigurationError,
  SessionTooLargeError,
  UnsealError,
  RevocationUnavailableError,
  type InvalidReason,
} from './errors.js'
