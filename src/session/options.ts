import { resolveCookie, type CookieOptions, type ResolvedCookie } from '../cookie/options.js'
import { refuseUnknownKeys } from '../strict.js'
import { ConfigurationError } from '../errors.js'
import { normalizeSecrets, type NormalizedSecret, type Secrets } from '../keys/secrets.js'
import {
  checkLifetime,
  DEFAULT_IDLE_TIMEOUT,
  DEFAULT_MAX_AGE,
  DEFAULT_REVALIDATE_AFTER,
  DEFAULT_REVOCATION_TIMEOUT_MS,
  duration,
  HTTP_TOKEN,
  resolveTiming,
} from '../limits.js'
import type { HeaderReader } from '../transport/transport.js'
import { isShippedFormat, v1Format, type FormatFactory } from './format.js'
import type { SessionEvent } from './events.js'
import { resolveMigrate, type LegacyReader, type LegacyReaderSpec } from './legacy.js'
import { MAX_SESSIONS_PER_SUBJECT, type RevocationStore, type SessionDirectory } from './revocation.js'

/** Warn at 80% of the limit: room for a few more values before `too-large`. */
const DEFAULT_SIZE_WARNING = 0.8

const DIRECTORY_METHODS: readonly (keyof SessionDirectory)[] = ['record', 'confirm', 'check', 'rename', 'revoke', 'list']

/** Options of `createSessions()`. Durations are in seconds. */
export interface SessionOptions {
  /**
   * One secret, or a list newest first (the newest seals, all open). At least 32
   * characters of random text each: `generateSecret()` or `npx sealed-session secret`.
   */
  readonly secrets: Secrets
  /** Cookie name and attributes. @default `{ name: '__Host-session', secure: true, httpOnly: true, sameSite: 'Lax', path: '/' }` */
  readonly cookie?: CookieOptions
  /** Absolute lifetime from creation or `login()`. @default 604800 (7 days) */
  readonly maxAge?: number
  /** A session unused this long ends. @default 86400 (1 day) */
  readonly idleTimeout?: number
  /**
   * The largest `maxAge` or `idleTimeout` that `login()` may ask for (remember me). It bounds
   * which key epochs are accepted. At most 400 days. @default the larger of maxAge and idleTimeout
   */
  readonly maxAgeLimit?: number
  /**
   * Re-seal an unchanged session (moving its idle expiry) once this much time has passed
   * since it was last sealed; 0 re-seals on every response. @default idleTimeout / 4
   */
  readonly refreshAfter?: number
  /** Length of a key epoch; each epoch has its own AES key. @default 3600 */
  readonly epochSeconds?: number
  /** Clock difference tolerated between machines. @default 30 */
  readonly clockSkew?: number
  /** The clock, in milliseconds since the Unix epoch. @default Date.now */
  readonly now?: () => number
  /** Optional revocation store (`kvRevocations`, `memoryRevocations`, or your own). @default none: no revocation checks */
  readonly revocations?: RevocationStore
  /** Ask the revocation store about a session at most once per this many seconds. @default 60 */
  readonly revalidateAfter?: number
  /** Give up on a revocation check after this many milliseconds; a timeout is a failure. @default 2000 */
  readonly revocationTimeout?: number
  /**
   * When the revocation store cannot answer: 'closed' treats the request as signed out
   * (the cookie is kept for the next request); 'open' accepts the session and asks again
   * next request. @default 'closed'
   */
  readonly revocationFailure?: 'closed' | 'open'
  /** Receives lifecycle and failure events. Never receives tokens, ids or secrets. @default none */
  readonly onEvent?: (event: SessionEvent) => void
  /**
   * Binds each session to a value derived from the request, such as the User-Agent. A
   * cookie presented with a different value is refused (event `invalid`, reason
   * `binding`). Only a digest of the value is sealed. Avoid the IP address: it changes
   * on mobile networks and behind proxies (docs/SECURITY.md). @default none
   */
  readonly binding?: (headers: HeaderReader) => string | undefined | Promise<string | undefined>
  /**
   * What a binding mismatch does. 'strict' refuses the session (event `invalid`, reason
   * `binding`). 'soft' keeps it, binds it to the new value and emits `binding-changed`:
   * an anomaly signal for monitoring (OWASP session management cheat sheet: detect, then
   * decide) instead of signing the user out when, say, their browser updates. @default 'strict'
   */
  readonly bindingMode?: 'strict' | 'soft'
  /**
   * How the token travels. 'cookie' (the default) reads and writes the session cookie.
   * 'bearer' reads only `Authorization: Bearer <token>` (API and mobile clients) and
   * returns refreshed tokens in the `tokenHeader` response header; it never falls back to
   * cookies or the query string. Expiry, rotation and revocation are the same. @default 'cookie'
   */
  readonly transport?: 'cookie' | 'bearer'
  /** With the bearer transport: the response header carrying a new or refreshed token ('' after destroy). @default 'Session-Token' */
  readonly tokenHeader?: string
  /** The token format. @default the v1 token (docs/FORMAT.md); `jweFormat()` from `sealed-session/jwe` for interop */
  readonly format?: FormatFactory
  /**
   * The AES-GCM implementation of the v1 token. 'auto' uses the runtime's synchronous
   * `node:crypto` cipher where `process.getBuiltinModule` offers one (Node ≥ 20.16, Bun,
   * Deno) and Web Crypto elsewhere; 'webcrypto' always uses `crypto.subtle`. Same tokens
   * either way (docs/SECURITY.md, "Cipher paths"). @default 'auto'
   */
  readonly cipher?: 'auto' | 'webcrypto'
  /**
   * Bytes of the per-isolate cache of opened tokens: a cookie seen before skips its
   * decryption (expiry, idle timeout, binding and revocation are still checked on every
   * request). One cache per isolate, sized by the largest budget any configuration asks
   * for; about 512 bytes plus the token and its plaintext per entry. `false` turns it off
   * for this configuration. @default 1048576 (1 MiB)
   */
  readonly tokenCache?: number | false
  /**
   * Deflate the session before sealing it, per cookie and only when that makes it smaller
   * (JSON sessions often shrink by half or more: BENCHMARKS.md). Cookies of either kind
   * always open. Leave it off when a session holds a secret next to data an attacker can
   * choose and the attacker can see the cookie's length: compression turns the length into
   * a leak (CRIME, BREACH; docs/SECURITY.md, "Compression"). @default false
   */
  readonly compress?: boolean
  /**
   * At most this many signed-in sessions per subject: `login()` signs out (revokes) the
   * oldest beyond it, atomically in the memory, Redis, Durable Object and Deno KV stores.
   * Needs a store with `sessions` (a session directory) (docs/REVOCATION.md, "Sessions of a user"). @default no limit
   */
  readonly maxSessions?: number
  /**
   * What `login()` does at the `maxSessions` limit: 'evict-oldest' signs out the oldest
   * session (event `evicted`); 'refuse' signs nobody out and throws `SessionLimitError`
   * (ask the user to sign out a device first). Atomic in the same stores. @default 'evict-oldest'
   */
  readonly maxSessionsPolicy?: 'evict-oldest' | 'refuse'
  /**
   * A short description of the client, recorded at `login()` with stores that list a
   * user's sessions, e.g. browser and OS parsed from the User-Agent. Stored as given (at
   * most 100 characters); never used for security decisions. @default none
   *
   * @example
   * ```ts
   * sessionLabel: (headers) => /Firefox/.test(headers.get('user-agent') ?? '') ? 'Firefox' : undefined
   * ```
   */
  readonly sessionLabel?: (headers: HeaderReader) => string | undefined
  /**
   * Readers of another library's session cookie, for switching without signing anyone
   * out: on a request with no cookie of ours, the first legacy cookie that verifies
   * becomes the session (the reader's `map` gives its data and, optionally, the user to
   * sign in), and the response seals it as ours and expires the old cookie. Readers
   * never write the old format (docs/migrate/). @default none
   *
   * @example
   * ```ts
   * migrate: [reactRouterCookie({ secrets: [process.env.OLD_SECRET ?? ''], map: (old) => ({ data: { cart: old.cart ?? [] } }) })]
   * ```
   */
  readonly migrate?: readonly LegacyReader[]
  /**
   * Emit `size-warning` when a committed session's sealed cookies pass this share of their
   * limit (4096 bytes times `cookie.maxChunks`; 8192 for the bearer token), naming its
   * largest keys: a warning before `too-large`. A number above 0 and at most 1, or `false`
   * for no warning (docs/SIZE.md). @default 0.8
   */
  readonly sizeWarning?: number | false
}

export type { HeaderReader }

/** The options after every check, one name per setting. */
export interface ResolvedOptions {
  readonly cookie: ResolvedCookie
  readonly format: FormatFactory
  readonly secrets: readonly NormalizedSecret[]
  readonly clockSkew: number
  readonly maxAge: number
  readonly idleTimeout: number
  readonly maxAgeLimit: number
  readonly refreshAfter: number
  readonly now: () => number
  readonly revocations: RevocationStore | undefined
  readonly revalidateAfter: number
  readonly revocationTimeout: number
  readonly epochSeconds: number
  readonly revocationFailure: 'closed' | 'open'
  readonly onEvent: ((event: SessionEvent) => void) | undefined
  readonly binding: SessionOptions['binding']
  readonly bindingMode: 'strict' | 'soft'
  readonly transport: 'cookie' | 'bearer'
  readonly tokenHeader: string
  readonly cipher: 'auto' | 'webcrypto' | undefined
  readonly tokenCache: number | false | undefined
  readonly compress: boolean
  readonly maxSessions: number | undefined
  readonly maxSessionsPolicy: 'evict-oldest' | 'refuse'
  readonly sessionLabel: SessionOptions['sessionLabel']
  readonly migrate: readonly LegacyReaderSpec[]
  readonly sizeWarning: number | false
}

/** Every key of `SessionOptions`, checked against the interface at compile time. */
const SESSION_KEYS = Object.keys({
  secrets: true,
  cookie: true,
  maxAge: true,
  idleTimeout: true,
  maxAgeLimit: true,
  refreshAfter: true,
  epochSeconds: true,
  clockSkew: true,
  now: true,
  revocations: true,
  revalidateAfter: true,
  revocationTimeout: true,
  revocationFailure: true,
  onEvent: true,
  binding: true,
  bindingMode: true,
  transport: true,
  tokenHeader: true,
  format: true,
  cipher: true,
  tokenCache: true,
  compress: true,
  maxSessions: true,
  maxSessionsPolicy: true,
  sessionLabel: true,
  migrate: true,
  sizeWarning: true,
} satisfies Record<keyof SessionOptions, true>)

const COOKIE_ATTRIBUTE = 'cookie attributes go under `cookie: { … }`'

/** Keys people bring from iron-session, Auth.js, express-session and React Router, with ours. */
const SESSION_HINTS: Readonly<Record<string, string>> = {
  password: "iron-session's `password` is `secrets` here (one secret or a list, newest first)",
  secret: 'the option is `secrets` (one secret or a list, newest first)',
  cookieName: 'write `cookie: { name }`',
  cookieOptions: 'write `cookie: { … }` (lifetimes stay top-level: `maxAge`, `idleTimeout`)',
  ttl: "iron-session's `ttl` is `maxAge` here (seconds)",
  expires: 'a session lasts `maxAge` seconds from sign-in: use `maxAge` (and `idleTimeout`)',
  store: 'a revocation store is the `revocations` option',
  revocationStore: 'a revocation store is the `revocations` option',
  name: COOKIE_ATTRIBUTE,
  secure: COOKIE_ATTRIBUTE,
  httpOnly: COOKIE_ATTRIBUTE,
  sameSite: COOKIE_ATTRIBUTE,
  path: COOKIE_ATTRIBUTE,
  domain: COOKIE_ATTRIBUTE,
  csrf: 'CSRF is the adapter\'s second argument, e.g. `session(options, { csrf: true })`',
}

/** Checks every option now, so a mistake fails at start-up and never at a user's request. */
export function resolveOptions(options: SessionOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigurationError('createSessions() needs an options object with at least { secrets }')
  }
  refuseUnknownKeys(options, { path: '', noun: 'an option of createSessions()', known: SESSION_KEYS, hints: SESSION_HINTS })
  const cookie = resolveCookie(options.cookie)
  const secrets = normalizeSecrets(options.secrets)
  const maxAge = duration('maxAge', options.maxAge, DEFAULT_MAX_AGE, 1)
  const idleTimeout = duration('idleTimeout', options.idleTimeout, DEFAULT_IDLE_TIMEOUT, 1)
  const maxAgeLimit = checkLifetime('maxAgeLimit (or maxAge/idleTimeout)', duration('maxAgeLimit', options.maxAgeLimit, Math.max(maxAge, idleTimeout), 1))
  if (maxAge > maxAgeLimit || idleTimeout > maxAgeLimit) {
    throw new ConfigurationError(`maxAge (${maxAge}) and idleTimeout (${idleTimeout}) must not exceed maxAgeLimit (${maxAgeLimit})`)
  }
  const refreshAfter = duration('refreshAfter', options.refreshAfter, Math.floor(idleTimeout / 4), 0)
  if (refreshAfter >= idleTimeout) {
    throw new ConfigurationError(`refreshAfter (${refreshAfter}) must be shorter than idleTimeout (${idleTimeout}), or sessions expire while in use`)
  }
  const { epochSeconds, clockSkew } = resolveTiming(options)
  const revalidateAfter = duration('revalidateAfter', options.revalidateAfter, DEFAULT_REVALIDATE_AFTER, 0)
  const failure = options.revocationFailure ?? 'closed'
  if (failure !== 'closed' && failure !== 'open') {
    throw new ConfigurationError(`revocationFailure must be 'closed' or 'open', got ${JSON.stringify(failure)}`)
  }
  if (options.now !== undefined && typeof options.now !== 'function') throw new ConfigurationError('now must be a function returning milliseconds')
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') throw new ConfigurationError('onEvent must be a function')
  if (options.binding !== undefined && typeof options.binding !== 'function') throw new ConfigurationError('binding must be a function of the request headers')
  const bindingMode = options.bindingMode ?? 'strict'
  if (bindingMode !== 'strict' && bindingMode !== 'soft') throw new ConfigurationError(`bindingMode must be 'strict' or 'soft', got ${JSON.stringify(bindingMode)}`)
  if (options.format !== undefined && !isShippedFormat(options.format)) {
    throw new ConfigurationError('format must be jweFormat() from sealed-session/jwe, or left out for the v1 token (custom token formats are not supported)')
  }
  const transport = options.transport ?? 'cookie'
  if (transport !== 'cookie' && transport !== 'bearer') {
    throw new ConfigurationError(`transport must be 'cookie' or 'bearer', got ${JSON.stringify(transport)}`)
  }
  const tokenHeader = options.tokenHeader ?? 'Session-Token'
  if (!HTTP_TOKEN.test(tokenHeader)) throw new ConfigurationError(`tokenHeader ${JSON.stringify(tokenHeader)} is not a header name`)
  if (options.format !== undefined && options.format !== v1Format) {
    // These configure the v1 token only: with another format they would silently do nothing.
    for (const key of ['cipher', 'tokenCache', 'epochSeconds', 'compress'] as const) {
      if (options[key] !== undefined) throw new ConfigurationError(`\`${key}\` configures the v1 token format; the format given (e.g. jweFormat()) does not use it: remove it`)
    }
  }
  if (transport !== 'bearer' && options.tokenHeader !== undefined) {
    throw new ConfigurationError("`tokenHeader` is the bearer transport's response header: set transport: 'bearer', or remove it")
  }
  const store = options.revocations
  if (
    store !== undefined &&
    (typeof store !== 'object' ||
      store === null ||
      typeof store.isRevoked !== 'function' ||
      typeof store.revoke !== 'function' ||
      typeof store.revokeSubject !== 'function' ||
      (store.notBefore !== undefined && typeof store.notBefore !== 'function'))
  ) {
    throw new ConfigurationError('revocations must implement isRevoked(), revoke() and revokeSubject() (and optionally notBefore() and sessions)')
  }
  const directory = store?.sessions
  if (directory !== undefined && !DIRECTORY_METHODS.every((method) => typeof directory?.[method] === 'function')) {
    throw new ConfigurationError(`revocations.sessions must implement ${DIRECTORY_METHODS.map((m) => `${m}()`).join(', ')}`)
  }
  const { maxSessions, maxSessionsPolicy, sessionLabel } = userSessions(options)
  return {
    cookie,
    format: options.format ?? v1Format,
    secrets,
    clockSkew,
    maxAge,
    idleTimeout,
    maxAgeLimit,
    refreshAfter,
    now: options.now ?? Date.now,
    revocations: store,
    revalidateAfter,
    revocationTimeout: duration('revocationTimeout', options.revocationTimeout, DEFAULT_REVOCATION_TIMEOUT_MS, 1),
    epochSeconds,
    revocationFailure: failure,
    onEvent: options.onEvent,
    binding: options.binding,
    bindingMode,
    transport,
    tokenHeader,
    cipher: options.cipher,
    tokenCache: options.tokenCache,
    compress: compressOf(options.compress),
    maxSessions,
    maxSessionsPolicy,
    sessionLabel,
    migrate: resolveMigrate(options.migrate, cookie.name, transport),
    sizeWarning: sizeWarningOf(options.sizeWarning),
  }
}

/** `compress`: a boolean, off unless asked for (docs/SECURITY.md, "Compression"). */
function compressOf(compress: boolean | undefined): boolean {
  if (compress !== undefined && typeof compress !== 'boolean') throw new ConfigurationError(`compress must be true or false, got ${JSON.stringify(compress)}`)
  return compress === true
}

/** A share of the limit in (0, 1], or `false`. */
function sizeWarningOf(share: number | false | undefined): number | false {
  if (share === undefined) return DEFAULT_SIZE_WARNING
  if (share === false) return false
  if (typeof share !== 'number' || !(share > 0 && share <= 1)) {
    throw new ConfigurationError(`sizeWarning must be a share of the cookie limit above 0 and at most 1 (e.g. 0.8), or false; got ${String(share)}`)
  }
  return share
}

/** `maxSessions` (a whole number ≥ 1, with a store that records sessions) and `sessionLabel`. */
function userSessions(options: SessionOptions): Pick<ResolvedOptions, 'maxSessions' | 'maxSessionsPolicy' | 'sessionLabel'> {
  const { maxSessions, sessionLabel } = options
  if (maxSessions !== undefined) {
    if (typeof maxSessions !== 'number' || !Number.isInteger(maxSessions) || maxSessions < 1 || maxSessions > MAX_SESSIONS_PER_SUBJECT) {
      throw new ConfigurationError(`maxSessions must be a whole number of sessions from 1 to ${MAX_SESSIONS_PER_SUBJECT}; got ${String(maxSessions)}`)
    }
    if (options.revocations?.sessions === undefined) {
      throw new ConfigurationError('maxSessions needs a revocations store that records sessions (memoryRevocations, redisRevocations, durableObjectRevocations or denoKvRevocations)')
    }
  }
  if (sessionLabel !== undefined && typeof sessionLabel !== 'function') throw new ConfigurationError('sessionLabel must be a function of the request headers')
  const maxSessionsPolicy = options.maxSessionsPolicy ?? 'evict-oldest'
  if (maxSessionsPolicy !== 'evict-oldest' && maxSessionsPolicy !== 'refuse') {
    throw new ConfigurationError(`maxSessionsPolicy must be 'evict-oldest' or 'refuse', got ${JSON.stringify(maxSessionsPolicy)}`)
  }
  return { maxSessions, maxSessionsPolicy, sessionLabel }
}
