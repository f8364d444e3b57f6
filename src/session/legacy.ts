import { ConfigurationError } from '../errors.js'
import { optionsObject, refuseUnknownKeys } from '../strict.js'
import type { Json } from './envelope.js'

/** The libraries whose cookies `migrate` can read: one shipped reader each. */
export type LegacyReaderName = 'iron-session' | 'auth-js' | 'react-router'

/**
 * Why a legacy cookie was not taken: it is not the peer's format (`malformed`), it was
 * not sealed by any configured secret (`signature`, `unknown-key`), the peer's own expiry
 * rule refuses it (`expired`), it opened but is not what the peer writes (`payload`), the
 * application's `map` refused or threw (`map`), two cookies claim the name (`duplicate`),
 * it is longer than a browser keeps (`too-long`), or the sign-in could not be recorded
 * in the store (`sign-in`).
 */
export type LegacyRefusal = 'malformed' | 'signature' | 'unknown-key' | 'expired' | 'payload' | 'map' | 'duplicate' | 'too-long' | 'sign-in'

/** What the application's `map` makes of a legacy session: our data, and the user to sign in (as `login()`), if any. */
export interface LegacySession {
  /** Signs the migrated session in as `login(subject)` would (recorded in the store like a sign-in). */
  readonly subject?: string
  /** The session data to keep, as `session.set()` would store it (an `undefined` value is left out, as `set()` does). */
  readonly data: Readonly<Record<string, Json | undefined>>
}

/** One legacy cookie the response expires: its name, Path and Domain as the old application set them. */
export interface LegacyCookieName {
  readonly name: string
  readonly path: string
  readonly domain: string | undefined
}

/** What a reader found in a request: nothing, a refusal, or the peer's session and the key that opened it. */
export type LegacyRead =
  | { readonly found: false }
  | { readonly found: true; readonly cookies: readonly LegacyCookieName[]; readonly ok: false; readonly reason: LegacyRefusal }
  | {
      readonly found: true
      readonly cookies: readonly LegacyCookieName[]
      readonly ok: true
      readonly value: unknown
      /** The peer's id of the secret that opened it (iron's password id, a list index for the others). */
      readonly keyId: number | string
      /** Whether that is the secret the peer would seal with now. */
      readonly newest: boolean
    }

/** The internal face of a shipped reader. Never throws for anything a client sent. */
export interface LegacyReaderSpec {
  readonly reader: LegacyReaderName
  /** The legacy cookie's name (chunks add `.0`, `.1`, …). */
  readonly cookieName: string
  read(cookieHeader: string, nowMs: number): Promise<LegacyRead>
  /** The legacy cookie names the request carries (no crypto): expired next to a session of ours. */
  sent(cookieHeader: string): readonly LegacyCookieName[]
  map(value: unknown): LegacySession
}

const SPECS = new WeakMap<object, LegacyReaderSpec>()

/** Only this module can name it: a type no object literal outside the package can satisfy. */
declare const shipped: unique symbol

/**
 * A reader of another library's session cookie, for the `migrate` option: made by
 * `ironSession()` (sealed-session/migrate/iron-session), `authJs()`
 * (sealed-session/migrate/auth-js) or `reactRouterCookie()`
 * (sealed-session/migrate/react-router). Only these fit: a reader of someone else's
 * cookie format is security-critical code, reviewed here, so the interface stays
 * internal (as with token formats), and `createSessions()` refuses anything else.
 */
export interface LegacyReader {
  /** Which library's cookie it reads. */
  readonly reader: LegacyReaderName
  /** Marks the readers this package ships. */
  readonly [shipped]: true
}

/** The spec behind a reader built by `shippedReader()`. */
export function specOf(reader: LegacyReader): LegacyReaderSpec {
  const spec = SPECS.get(reader)
  if (spec === undefined) throw new ConfigurationError('migrate takes readers made by ironSession(), authJs() or reactRouterCookie() from sealed-session/migrate/…')
  return spec
}

/** Wraps a spec as a reader the `migrate` option accepts. */
export function shippedReader(spec: LegacyReaderSpec): LegacyReader {
  const reader = Object.freeze({ reader: spec.reader }) as unknown as LegacyReader
  SPECS.set(reader, spec)
  return reader
}

/** The options every reader shares: where the old cookie lives and what becomes of it. */
export interface LegacyCookieOptions<T> {
  /** The Path the old application set its cookie with, so the removal reaches it. @default '/' */
  readonly path?: string
  /** The Domain the old application set its cookie with, if any. @default none (host-only) */
  readonly domain?: string
  /** Turns the old session into ours. Called only for a cookie that verified; return `{ data }` (and `subject` to sign the user in). */
  readonly map: (old: T) => LegacySession
}

/** Checks a reader's options object: known keys only, a function `map`, a sane path and domain. */
export function checkReaderOptions(factory: string, options: unknown, known: readonly string[]): { path: string; domain: string | undefined; map: (old: unknown) => LegacySession } {
  const object = optionsObject(options, `${factory} options`) as Record<string, unknown>
  refuseUnknownKeys(object, { path: '', noun: `an option of ${factory}`, known: [...known, 'path', 'domain', 'map'] })
  const { path = '/', domain, map } = object
  if (typeof map !== 'function') throw new ConfigurationError(`${factory} needs \`map: (old) => ({ subject, data })\`, turning the old session into ours`)
  if (typeof path !== 'string' || !path.startsWith('/') || /[;\s\x00-\x1f\x7f]/.test(path)) throw new ConfigurationError(`${factory}: \`path\` must be a cookie path starting with '/'`)
  if (domain !== undefined && (typeof domain !== 'string' || !/^\.?[A-Za-z0-9.-]+$/.test(domain))) throw new ConfigurationError(`${factory}: \`domain\` must be a host name`)
  return { path, domain: domain as string | undefined, map: map as (old: unknown) => LegacySession }
}

/** A cookie name as RFC 6265 allows it (a token), or `ConfigurationError`. */
export function checkCookieName(factory: string, key: string, name: unknown): string {
  if (typeof name !== 'string' || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) throw new ConfigurationError(`${factory}: \`${key}\` must be a cookie name`)
  return name
}

/** The `migrate` option: up to three shipped readers, each reading a different cookie. */
export function resolveMigrate(value: unknown, ourName: string, transport: string): readonly LegacyReaderSpec[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw new ConfigurationError('migrate must be a list of readers, e.g. [ironSession({ cookieName, password, map })]')
  if (value.length > 0 && transport !== 'cookie') throw new ConfigurationError('migrate reads legacy cookies: it needs the cookie transport')
  if (value.length > 3) throw new ConfigurationError('migrate takes at most three readers')
  const specs = value.map((reader: unknown) => {
    if (typeof reader !== 'object' || reader === null || !SPECS.has(reader)) throw new ConfigurationError('migrate takes readers made by ironSession(), authJs() or reactRouterCookie() from sealed-session/migrate/…')
    const spec = specOf(reader as LegacyReader)
    if (spec.cookieName === ourName) throw new ConfigurationError(`migrate: the ${spec.reader} cookie is named like ours (${ourName}); give the session a new cookie name (cookie: { name })`)
    return spec
  })
  if (new Set(specs.map((spec) => spec.cookieName)).size !== specs.length) throw new ConfigurationError('migrate: two readers read the same cookie name')
  return specs
}
