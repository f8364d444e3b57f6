/**
 * Typed errors with stable `code` strings, in the style of jose's `util/errors.ts`.
 *
 * Configuration mistakes throw when options are built. A request whose cookie is
 * missing, malformed, tampered or expired never throws: it yields a new, empty
 * session and an `invalid` event instead. Decryption failures are deliberately
 * generic so that an error message is never an oracle (RFC 5116 §2.2: a failed
 * authenticated decryption returns only FAIL).
 */
export class SessionError extends Error {
  /** The stable code of this class, for `instanceof`-free checks: `error.code === SessionError.code`. */
  static readonly code: string = 'ERR_SESSION'
  /** A stable, machine-readable error code. */
  readonly code: string = 'ERR_SESSION'

  /**
   * Creates the error; the class name becomes its `name`.
   * @param message - what went wrong and what to do about it.
   * @param options - `cause`: the error that led to this one.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

/** Options that can never work: a short secret, a cookie a browser would reject, a bad lifetime. */
export class ConfigurationError extends SessionError {
  /** The stable code of this class: compare `error.code` with it. */
  static override readonly code: string = 'ERR_SESSION_CONFIGURATION'
  /** Always 'ERR_SESSION_CONFIGURATION'. */
  override readonly code: string = 'ERR_SESSION_CONFIGURATION'
}

/**
 * The sealed session does not fit in the cookie(s) a browser keeps. Browsers drop a
 * cookie whose name plus value exceeds 4096 bytes without telling anyone
 * (RFC 6265bis §5.6, Chromium's `kMaxCookieNamePlusValueSize`), so we throw before any
 * header is produced.
 */
export class SessionTooLargeError extends SessionError {
  /** The stable code of this class: compare `error.code` with it. */
  static override readonly code: string = 'ERR_SESSION_TOO_LARGE'
  /** Always 'ERR_SESSION_TOO_LARGE'. */
  override readonly code: string = 'ERR_SESSION_TOO_LARGE'
  /** The cookie name that would have been set. */
  readonly cookieName: string
  /** Bytes the cookie (name plus value, all chunks) would need. */
  readonly size: number
  /** The most bytes allowed with the configured chunking. */
  readonly limit: number

  /**
   * Creates the error with a message naming the sizes and the fix.
   * @param cookieName - the cookie (or header) that would have been set.
   * @param size - bytes it would need; `limit` - bytes allowed; `hint` - what to do.
   */
  constructor(cookieName: string, size: number, limit: number, hint: string) {
    super(
      `Session cookie "${cookieName}" needs ${size} bytes (name + value) but at most ${limit} fit ` +
        `(${size - limit} bytes over); browsers silently drop larger cookies. ${hint}`,
    )
    this.cookieName = cookieName
    this.size = size
    this.limit = limit
  }
}

/**
 * The revocation store could not record a revocation (`logout()`, `regenerate()`, a
 * replacing `login()`, `revokeSubject()`): it failed or did not answer within
 * `revocation.timeout`. The store's own error is the `cause`.
 */
export class RevocationUnavailableError extends SessionError {
  /** The stable code of this class: compare `error.code` with it. */
  static override readonly code: string = 'ERR_SESSION_REVOCATION_UNAVAILABLE'
  /** Always 'ERR_SESSION_REVOCATION_UNAVAILABLE'. */
  override readonly code: string = 'ERR_SESSION_REVOCATION_UNAVAILABLE'
}

/**
 * `login()` with `maxSessionsPolicy: 'refuse'`: the user already holds `maxSessions`
 * signed-in sessions, so this sign-in was refused (nothing recorded, nobody signed out).
 * Show the user their devices and let them sign one out.
 */
export class SessionLimitError extends SessionError {
  /** The stable code of this class: compare `error.code` with it. */
  static override readonly code: string = 'ERR_SESSION_LIMIT'
  /** Always 'ERR_SESSION_LIMIT'. */
  override readonly code: string = 'ERR_SESSION_LIMIT'
  /** The `maxSessions` limit that was reached. */
  readonly limit: number

  /**
   * Creates the error with a message naming the limit and what to do.
   * @param limit - the `maxSessions` setting.
   */
  constructor(limit: number) {
    super(`This user already has ${limit} signed-in sessions (maxSessions); sign one out first, or use maxSessionsPolicy 'evict-oldest'.`)
    this.limit = limit
  }
}

/**
 * `regenerate()` asked the store about the session (whatever `revocation.revalidateAfter` says) and
 * found it signed out: this device was signed out by id (its own `logout()` elsewhere,
 * "sign out this device", `revokeOtherSessions()`, `maxSessions`) or everywhere. The
 * session is already destroyed, so committing it clears the cookie; send the user to
 * sign in again. Without this a signed-out cookie could mint itself a fresh, unrevoked id.
 */
export class SessionRevokedError extends SessionError {
  /** The stable code of this class: compare `error.code` with it. */
  static override readonly code: string = 'ERR_SESSION_REVOKED'
  /** Always 'ERR_SESSION_REVOKED'. */
  override readonly code: string = 'ERR_SESSION_REVOKED'
}

/**
 * A session too large even for the `overflow` store: its sealed data would pass
 * `MAX_STORED_CHARS` (1 MiB), the bound on what one session can make a store hold. A
 * `SessionTooLargeError` too (same `size` and `limit`, in characters), thrown by `commit()`
 * before anything is stored or any header produced.
 */
export class OverflowTooLargeError extends SessionTooLargeError {
  /** The stable code of this class: compare `error.code` with it. */
  static override readonly code: string = 'ERR_SESSION_OVERFLOW_TOO_LARGE'
  /** Always 'ERR_SESSION_OVERFLOW_TOO_LARGE'. */
  override readonly code: string = 'ERR_SESSION_OVERFLOW_TOO_LARGE'

  /**
   * Creates the error with a message naming the sizes.
   * @param cookieName - the session's cookie; `size` - characters the sealed data needs; `limit` - the most stored.
   */
  constructor(cookieName: string, size: number, limit: number) {
    super(cookieName, size, limit, '')
    this.message = `Session "${cookieName}" needs ${size} characters of sealed data but the overflow store keeps at most ${limit} per session; store less in the session.`
  }
}

/**
 * `commit()` of a session whose data lives in the `overflow` store lost a race: another
 * request wrote a newer copy since this one loaded (compare-and-set on the version). Nothing
 * was stored and no header produced; the other request's write stands. Load the session
 * again and repeat the change, or tell the user to retry.
 */
export class OverflowConflictError extends SessionError {
  /** The stable code of this class: compare `error.code` with it. */
  static override readonly code: string = 'ERR_SESSION_OVERFLOW_CONFLICT'
  /** Always 'ERR_SESSION_OVERFLOW_CONFLICT'. */
  override readonly code: string = 'ERR_SESSION_OVERFLOW_CONFLICT'
}

/**
 * The `overflow` store could not store a session's data at `commit()`: it failed or did
 * not answer within `revocationTimeout` (a late write changes nothing). The store's error
 * is the `cause`; no header was produced, so the client keeps the session it had.
 */
export class OverflowUnavailableError extends SessionError {
  /** The stable code of this class: compare `error.code` with it. */
  static override readonly code: string = 'ERR_SESSION_OVERFLOW_UNAVAILABLE'
  /** Always 'ERR_SESSION_OVERFLOW_UNAVAILABLE'. */
  override readonly code: string = 'ERR_SESSION_OVERFLOW_UNAVAILABLE'
}

/**
 * Why an incoming token was refused. Reasons read from the cleartext header before
 * decryption (`version`, `unknown-key`, `stale-epoch`, `expired`) are hints about
 * unauthenticated bytes; only `decrypt` means the authentication tag was checked.
 * `overflow`: the cookie refers to data in the `overflow` store that is gone or is not
 * the copy it names (docs/OVERFLOW.md).
 */
export type InvalidReason =
  | 'malformed'
  | 'version'
  | 'unknown-key'
  | 'stale-epoch'
  | 'expired'
  | 'decrypt'
  | 'payload'
  | 'duplicate'
  | 'too-long'
  | 'overflow'
