import { resolveCookie, type CookieOptions, type ResolvedCookie } from '../cookie/options.js'
import { optionsObject, refuseUnknownKeys } from '../strict.js'
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
  clockSkewOf,
} from '../limits.js'
import type { HeaderReader } from '../transport/transport.js'
import { factoryOf, v1, type FormatFactory, type TokenFormat } from './format.js'
import type { SessionEvent } from './events.js'
import { resolveMigrate, type LegacyReader, type LegacyReaderSpec } from './legacy.js'
import { resolveOverflow, type OverflowOptions, type ResolvedOverflow } from './overflow.js'
import { MAX_SESSIONS_PER_SUBJECT, type RevocationStore, type SessionDirectory } from './revocation.js'

/** Warn at 80% of the limit: room for a few more values before `too-large`. */
const DEFAULT_SIZE_WARNING = 0.8

const DIRECTORY_METHODS: readonly (keyof SessionDirectory)[] = ['record', 'confirm', 'check', 'rename', 'revoke', 'list']

/** `lifetime` of `createSessions()`: how long a session lasts. Durations are in seconds. */
export interface LifetimeOptions {
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
}

/** `clock` of `createSessions()`: the time, and how far machines may disagree about it. */
export interface ClockOptions {
  /** The clock, in milliseconds since the Unix epoch (inject one in tests). @default Date.now */
  readonly now?: () => number
  /** Clock difference tolerated between machines, in seconds (at most 300). @default 30 */
  readonly skew?: number
}

/**
 * `revocation` of `createSessions()`: the store that signs sessions out, and what it
 * controls (docs/REVOCATION.md).
 */
export interface RevocationOptions {
  /** The store: `memoryRevocations()`, `kvRevocations()`, `redisRevocations()`, `durableObjectRevocations()`, `denoKvRevocations()`, or your own. */
  readonly store: RevocationStore
  /** Ask the store about a session at most once per this many seconds. @default 60 */
  readonly revalidateAfter?: number
  /** Give up on a store call after this many milliseconds; a timeout is a failure. @default 2000 */
  readonly timeout?: number
  /**
   * When the store cannot answer: 'closed' treats the request as signed out (the cookie is
   * kept for the next request); 'open' accepts the session and asks again next request. @default 'closed'
   */
  readonly failure?: 'closed' | 'open'
  /**
   * At most this many signed-in sessions per subject (1 to 1000). Needs a store with
   * `sessions` (a session directory): memory, Redis, Durable Object, Deno KV
   * (docs/REVOCATION.md, "Sessions of a user"). @default no limit
   */
  readonly maxSessions?: number
  /**
   * What `login()` does at the `maxSessions` limit: 'evict-oldest' signs out the oldest
   * session (event `evicted`); 'refuse' signs nobody out and throws `SessionLimitError`
   * (ask the user to sign out a device first). Atomic in the stores with `sessions`. @default 'evict-oldest'
   */
  readonly atLimit?: 'evict-oldest' | 'refuse'
  /**
   * A short description of the client, recorded at `login()` with stores that list a
   * user's sessions, e.g. browser and OS parsed from the User-Agent. Stored as given (at
   * most 100 characters); never used for security decisions. @default none
   *
   * @example
   * ```ts
   * label: (headers) => /Firefox/.test(headers.get('user-agent') ?? '') ? 'Firefox' : undefined
   * ```
   */
  readonly label?: (headers: HeaderReader) => string | undefined
}

/**
 * `binding` of `createSessions()`: ties each session to a value derived from the request,
 * such as the User-Agent. Only a digest of the value is sealed. Avoid the IP address: it
 * changes on mobile networks and behind proxies (docs/SECURITY.md).
 */
export interface BindingOptions {
  /** The value of a request; `undefined` binds to "no value". */
  readonly value: (headers: HeaderReader) => string | undefined | Promise<string | undefined>
  /**
   * What a mismatch does. 'strict' refuses the session (event `invalid`, reason `binding`).
   * 'soft' keeps it, binds it to the new value and emits `binding-changed`: an anomaly
   * signal for monitoring (OWASP session management cheat sheet: detect, then decide)
   * instead of signing the user out when, say, their browser updates. @default 'strict'
   */
  readonly mode?: 'strict' | 'soft'
}

/**
 * `bearer` of `createSessions()`: the token travels in `Authorization: Bearer <token>` (API
 * and mobile clients) instead of a cookie, and never falls back to cookies or the query
 * string. Expiry, rotation and revocation are the same.
 */
export interface BearerOptions {
  /** The response header carrying a new or refreshed token ('' after destroy). @default 'Session-Token' */
  readonly header?: string
}

/** The options of `createSessions()` every transport shares. Durations are in seconds. */
export interface CommonSessionOptions {
  /**
   * One secret, or a list newest first (the newest seals, all open). At least 32
   * characters of random text each: `generateSecret()` or `npx sealed-session secret`.
   */
  readonly secrets: Secrets
  /** The token format: `v1({ cipher, tokenCache, epochSeconds })`, or `jweFormat()` from `sealed-session/jwe` for interop. @default v1() (docs/FORMAT.md) */
  readonly format?: TokenFormat
  /** How long a session lasts: `{ maxAge, idleTimeout, maxAgeLimit, refreshAfter }`. @default 7 days, 1 day idle */
  readonly lifetime?: LifetimeOptions
  /** The clock and the tolerated skew between machines: `{ now, skew }`. @default Date.now, 30 s */
  readonly clock?: ClockOptions
  /** Revocation and session control through a store: `{ store, revalidateAfter, timeout, failure, maxSessions, atLimit, label }`. @default none: no store is asked */
  readonly revocation?: RevocationOptions
  /** Binds each session to a value of the request: `{ value, mode }`. A cookie presented with another value is refused (or re-bound with mode 'soft'). @default none */
  readonly binding?: BindingOptions
  /** Receives lifecycle and failure events. Never receives tokens, ids or secrets. @default none */
  readonly onEvent?: (event: SessionEvent) => void
  /**
   * Emit `size-warning` when a committed session's sealed cookies pass this share of their
   * limit (4096 bytes times `cookie.maxChunks`; 8192 for the bearer token), naming its
   * largest keys: a warning before `too-large`. A number above 0 and at most 1, or `false`
   * for no warning (docs/SIZE.md). @default 0.8
   */
  readonly sizeWarning?: number | false
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
   * Keep a session too large for its cookie in a data store: its sealed data under its
   * session id, and a sealed reference in the cookie; below the budget it stays fully in
   * the cookie (docs/OVERFLOW.md). @default none: a session past the limit throws `SessionTooLargeError`
   *
   * @example
   * ```ts
   * overflow: { store: memorySessionData() }
   * ```
   */
  readonly overflow?: OverflowOptions
}

/** The cookie transport (the default): `cookie` sets the cookie's name and attributes. */
export interface CookieSessionOptions extends CommonSessionOptions {
  /** Cookie name and attributes. @default `{ name: '__Host-session', secure: true, httpOnly: true, sameSite: 'Lax', path: '/' }` */
  readonly cookie?: CookieOptions
  /** Not with `cookie`: a session travels in a cookie or as a bearer token, not both. */
  readonly bearer?: undefined
}

/** The bearer transport: `bearer: {}` or `bearer: { header }`. */
export interface BearerSessionOptions extends CommonSessionOptions {
  /** Read `Authorization: Bearer <token>`; send new tokens in `header`. */
  readonly bearer: BearerOptions
  /** Not with `bearer`: a session travels in a cookie or as a bearer token, not both. */
  readonly cookie?: undefined
}

/**
 * Options of `createSessions()` and of every adapter: `secrets`, then one object per part
 * it configures (`cookie` or `bearer`, `format`, `lifetime`, `clock`, `revocation`,
 * `binding`), events, migration and `overflow`. Every object refuses keys it does not know.
 */
export type SessionOptions = CookieSessionOptions | BearerSessionOptions

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
  readonly revocationFailure: 'closed' | 'open'
  readonly onEvent: ((event: SessionEvent) => void) | undefined
  readonly binding: BindingOptions['value'] | undefined
  readonly bindingMode: 'strict' | 'soft'
  readonly transport: 'cookie' | 'bearer'
  readonly tokenHeader: string
  readonly maxSessions: number | undefined
  readonly maxSessionsPolicy: 'evict-oldest' | 'refuse'
  readonly sessionLabel: RevocationOptions['label']
  readonly migrate: readonly LegacyReaderSpec[]
  readonly sizeWarning: number | false
  readonly overflow: ResolvedOverflow | undefined
}

/** Every top-level key of `SessionOptions`, checked against the interfaces at compile time. */
const SESSION_KEYS = Object.keys({
  secrets: true,
  cookie: true,
  bearer: true,
  format: true,
  lifetime: true,
  clock: true,
  revocation: true,
  binding: true,
  onEvent: true,
  sizeWarning: true,
  migrate: true,
  overflow: true,
} satisfies Record<keyof CookieSessionOptions | keyof BearerSessionOptions, true>)

const LIFETIME_KEYS = Object.keys({ maxAge: true, idleTimeout: true, maxAgeLimit: true, refreshAfter: true } satisfies Record<keyof LifetimeOptions, true>)
const CLOCK_KEYS = Object.keys({ now: true, skew: true } satisfies Record<keyof ClockOptions, true>)
const REVOCATION_KEYS = Object.keys({
  store: true,
  revalidateAfter: true,
  timeout: true,
  failure: true,
  maxSessions: true,
  atLimit: true,
  label: true,
} satisfies Record<keyof RevocationOptions, true>)
const BINDING_KEYS = Object.keys({ value: true, mode: true } satisfies Record<keyof BindingOptions, true>)
const BEARER_KEYS = Object.keys({ header: true } satisfies Record<keyof BearerOptions, true>)

const COOKIE_ATTRIBUTE = 'cookie attributes go under `cookie: { … }`'
const moved = (group: string, key: string = ''): string => `write \`${group}: { ${key} }\``

/** Keys people bring from iron-session, Auth.js, express-session, React Router and sealed-session 0.1, with ours. */
const SESSION_HINTS: Readonly<Record<string, string>> = {
  password: "iron-session's `password` is `secrets` here (one secret or a list, newest first)",
  secret: 'the option is `secrets` (one secret or a list, newest first)',
  cookieName: 'write `cookie: { name }`',
  cookieOptions: 'write `cookie: { … }` (lifetimes go under `lifetime: { maxAge, idleTimeout }`)',
  ttl: "iron-session's `ttl` is `lifetime: { maxAge }` here (seconds)",
  expires: 'a session lasts `lifetime.maxAge` seconds from sign-in: write `lifetime: { maxAge, idleTimeout }`',
  store: 'a revocation store is `revocation: { store }`',
  revocationStore: 'a revocation store is `revocation: { store }`',
  name: COOKIE_ATTRIBUTE,
  secure: COOKIE_ATTRIBUTE,
  httpOnly: COOKIE_ATTRIBUTE,
  sameSite: COOKIE_ATTRIBUTE,
  path: COOKIE_ATTRIBUTE,
  domain: COOKIE_ATTRIBUTE,
  csrf: 'CSRF is the adapter\'s second argument, e.g. `session(options, { csrf: true })`',
  // sealed-session 0.1's flat options (CHANGELOG.md, "Upgrading from 0.1").
  maxAge: moved('lifetime', 'maxAge'),
  idleTimeout: moved('lifetime', 'idleTimeout'),
  maxAgeLimit: moved('lifetime', 'maxAgeLimit'),
  refreshAfter: moved('lifetime', 'refreshAfter'),
  now: moved('clock', 'now'),
  clockSkew: moved('clock', 'skew'),
  epochSeconds: 'write `format: v1({ epochSeconds })`',
  cipher: 'write `format: v1({ cipher })`',
  tokenCache: 'write `format: v1({ tokenCache })`',
  compress: 'write `format: v1({ compress: true })` (docs/SECURITY.md says when not to)',
  revocations: moved('revocation', 'store'),
  revalidateAfter: moved('revocation', 'store, revalidateAfter'),
  revocationTimeout: moved('revocation', 'store, timeout'),
  revocationFailure: moved('revocation', 'store, failure'),
  maxSessions: moved('revocation', 'store, maxSessions'),
  maxSessionsPolicy: moved('revocation', 'store, maxSessions, atLimit'),
  sessionLabel: moved('revocation', 'store, label'),
  bindingMode: moved('binding', 'value, mode'),
  transport: "the transport is chosen by the key: `cookie: { … }` (the default) or `bearer: { header }`",
  tokenHeader: moved('bearer', 'header'),
}

/** A group's options object: checked for unknown keys, `{}` when left out. */
function group<T extends object>(value: T | undefined, name: string, known: readonly string[], hints?: Readonly<Record<string, string>>): Partial<T> {
  if (value === undefined) return {}
  refuseUnknownKeys(optionsObject(value, `\`${name}\``), { path: `${name}.`, noun: `an option of \`${name}\``, known, ...(hints === undefined ? {} : { hints }) })
  return value
}

/** Checks every option now, so a mistake fails at start-up and never at a user's request. */
export function resolveOptions(options: SessionOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigurationError('createSessions() needs an options object with at least { secrets }')
  }
  refuseUnknownKeys(options, { path: '', noun: 'an option of createSessions()', known: SESSION_KEYS, hints: SESSION_HINTS })
  if (options.cookie !== undefined && options.bearer !== undefined) {
    throw new ConfigurationError('`cookie` and `bearer` are two transports: a session travels in a cookie or as a bearer token; remove one')
  }
  const cookie = resolveCookie(options.cookie)
  const secrets = normalizeSecrets(options.secrets)
  const life = group(options.lifetime, 'lifetime', LIFETIME_KEYS, { expires: 'a session lasts `maxAge` seconds from sign-in', ttl: "iron-session's `ttl` is `maxAge` here" })
  const maxAge = duration('lifetime.maxAge', life.maxAge, DEFAULT_MAX_AGE, 1)
  const idleTimeout = duration('lifetime.idleTimeout', life.idleTimeout, DEFAULT_IDLE_TIMEOUT, 1)
  const maxAgeLimit = checkLifetime('lifetime.maxAgeLimit (or maxAge/idleTimeout)', duration('lifetime.maxAgeLimit', life.maxAgeLimit, Math.max(maxAge, idleTimeout), 1))
  if (maxAge > maxAgeLimit || idleTimeout > maxAgeLimit) {
    throw new ConfigurationError(`lifetime.maxAge (${maxAge}) and lifetime.idleTimeout (${idleTimeout}) must not exceed lifetime.maxAgeLimit (${maxAgeLimit})`)
  }
  const refreshAfter = duration('lifetime.refreshAfter', life.refreshAfter, Math.floor(idleTimeout / 4), 0)
  if (refreshAfter >= idleTimeout) {
    throw new ConfigurationError(`lifetime.refreshAfter (${refreshAfter}) must be shorter than lifetime.idleTimeout (${idleTimeout}), or sessions expire while in use`)
  }
  const clock = group(options.clock, 'clock', CLOCK_KEYS, { clockSkew: 'write `skew`' })
  if (clock.now !== undefined && typeof clock.now !== 'function') throw new ConfigurationError('clock.now must be a function returning milliseconds')
  const clockSkew = clockSkewOf(clock.skew, 'clock.skew')
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') throw new ConfigurationError('onEvent must be a function')
  const binding = bindingOf(options.binding)
  const format = factoryOf(options.format ?? DEFAULT_FORMAT)
  if (format === undefined) throw new ConfigurationError('format must be v1({ … }), or jweFormat() from sealed-session/jwe (custom token formats are not supported)')
  const bearer = options.bearer === undefined ? undefined : group(options.bearer, 'bearer', BEARER_KEYS, { tokenHeader: 'write `header`' })
  const transport = bearer === undefined ? 'cookie' : 'bearer'
  const tokenHeader = bearer?.header ?? 'Session-Token'
  if (typeof tokenHeader !== 'string' || !HTTP_TOKEN.test(tokenHeader)) throw new ConfigurationError(`bearer.header ${JSON.stringify(tokenHeader)} is not a header name`)
  const revocation = revocationOf(options.revocation)
  return {
    cookie,
    format,
    secrets,
    clockSkew,
    maxAge,
    idleTimeout,
    maxAgeLimit,
    refreshAfter,
    now: clock.now ?? Date.now,
    ...revocation,
    onEvent: options.onEvent,
    ...binding,
    transport,
    tokenHeader,
    migrate: resolveMigrate(options.migrate, cookie.name, transport),
    sizeWarning: sizeWarningOf(options.sizeWarning),
    overflow: resolveOverflow(options.overflow),
  }
}

/** The default format, made once: `v1()`. */
const DEFAULT_FORMAT = v1()

/** `binding: { value, mode }`. */
function bindingOf(options: BindingOptions | undefined): Pick<ResolvedOptions, 'binding' | 'bindingMode'> {
  if (options === undefined) return { binding: undefined, bindingMode: 'strict' }
  const binding = group(options, 'binding', BINDING_KEYS, { bindingMode: 'write `mode`' })
  if (typeof binding.value !== 'function') throw new ConfigurationError('binding.value must be a function of the request headers, e.g. (headers) => headers.get(\'user-agent\') ?? undefined')
  const mode = binding.mode ?? 'strict'
  if (mode !== 'strict' && mode !== 'soft') throw new ConfigurationError(`binding.mode must be 'strict' or 'soft', got ${JSON.stringify(mode)}`)
  return { binding: binding.value, bindingMode: mode }
}

/** `revocation: { store, … }`: the store's shape, its timing and session control. */
function revocationOf(
  options: RevocationOptions | undefined,
): Pick<ResolvedOptions, 'revocations' | 'revalidateAfter' | 'revocationTimeout' | 'revocationFailure' | 'maxSessions' | 'maxSessionsPolicy' | 'sessionLabel'> {
  const revocation = group(options, 'revocation', REVOCATION_KEYS, {
    revocations: 'write `store`',
    revocationTimeout: 'write `timeout` (milliseconds)',
    revocationFailure: 'write `failure`',
    maxSessionsPolicy: 'write `atLimit`',
    sessionLabel: 'write `label`',
  })
  const { store } = revocation
  if (options !== undefined && store === undefined) {
    throw new ConfigurationError('revocation needs a `store`: memoryRevocations(), kvRevocations(), redisRevocations(), durableObjectRevocations() or denoKvRevocations()')
  }
  if (
    store !== undefined &&
    (typeof store !== 'object' ||
      store === null ||
      typeof store.isRevoked !== 'function' ||
      typeof store.revoke !== 'function' ||
      typeof store.revokeSubject !== 'function' ||
      (store.notBefore !== undefined && typeof store.notBefore !== 'function'))
  ) {
    throw new ConfigurationError('revocation.store must implement isRevoked(), revoke() and revokeSubject() (and optionally notBefore() and sessions)')
  }
  const directory = store?.sessions
  if (directory !== undefined && !DIRECTORY_METHODS.every((method) => typeof directory?.[method] === 'function')) {
    throw new ConfigurationError(`revocation.store.sessions must implement ${DIRECTORY_METHODS.map((m) => `${m}()`).join(', ')}`)
  }
  const failure = revocation.failure ?? 'closed'
  if (failure !== 'closed' && failure !== 'open') {
    throw new ConfigurationError(`revocation.failure must be 'closed' or 'open', got ${JSON.stringify(failure)}`)
  }
  const { maxSessions, label } = revocation
  if (maxSessions !== undefined) {
    if (typeof maxSessions !== 'number' || !Number.isInteger(maxSessions) || maxSessions < 1 || maxSessions > MAX_SESSIONS_PER_SUBJECT) {
      throw new ConfigurationError(`revocation.maxSessions must be a whole number of sessions from 1 to ${MAX_SESSIONS_PER_SUBJECT}; got ${String(maxSessions)}`)
    }
    if (directory === undefined) {
      throw new ConfigurationError('revocation.maxSessions needs a store that records sessions (memoryRevocations, redisRevocations, durableObjectRevocations or denoKvRevocations)')
    }
  }
  if (label !== undefined && typeof label !== 'function') throw new ConfigurationError('revocation.label must be a function of the request headers')
  const atLimit = revocation.atLimit ?? 'evict-oldest'
  if (atLimit !== 'evict-oldest' && atLimit !== 'refuse') {
    throw new ConfigurationError(`revocation.atLimit must be 'evict-oldest' or 'refuse', got ${JSON.stringify(atLimit)}`)
  }
  return {
    revocations: store,
    revalidateAfter: duration('revocation.revalidateAfter', revocation.revalidateAfter, DEFAULT_REVALIDATE_AFTER, 0),
    revocationTimeout: duration('revocation.timeout', revocation.timeout, DEFAULT_REVOCATION_TIMEOUT_MS, 1),
    revocationFailure: failure,
    maxSessions,
    maxSessionsPolicy: atLimit,
    sessionLabel: label,
  }
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
