import { encodeBase64url } from '../format/base64url.js'
import { nowSeconds } from '../limits.js'
import { maskCsrfToken, newCsrfSecret, verifyCsrfToken } from './csrf.js'
import type { Json, SessionRecord } from './envelope.js'
import type { ResolvedOptions } from './options.js'
import { notBeforeOf, recordSignIn, renameSignedIn, revokeIssued, type IssuedSession } from './control.js'
import { SessionRevokedError } from '../errors.js'
import type { HeaderReader } from '../transport/transport.js'
import type { CommittedCookie } from '../cookie/serialize.js'

/** What a session may hold: an object type whose values are JSON. */
export type SessionData<T> = { [K in keyof T]?: Json }

/** Per-session lifetimes for `login()`, e.g. a longer "remember me". Seconds. */
export interface LoginOptions {
  /** Absolute lifetime of this session. At most `lifetime.maxAgeLimit`. @default `lifetime.maxAge` */
  readonly maxAge?: number
  /** Idle timeout of this session. At most `lifetime.maxAgeLimit`. @default `lifetime.idleTimeout` */
  readonly idleTimeout?: number
}

/**
 * One visitor's session for one request. Read and change it, then `commit()` it (the
 * adapters do that for you).
 *
 * @example
 * ```ts
 * const session = await sessions.load(request)
 * session.set('cart', [...(session.get('cart') ?? []), 'apple'])
 * const { setCookie } = await sessions.commit(session)
 * ```
 */
export interface Session<T extends SessionData<T> = Record<string, Json>> {
  /** 128 random bits as base64url; changes on `login()`, `regenerate()` and `destroy()`. */
  readonly id: string
  /** The user id given to `login()`; undefined for an anonymous session. */
  readonly subject: string | undefined
  /** True when the request brought no valid session cookie. */
  readonly isNew: boolean
  /** A read-only view of the data. Change it with `set()` and `delete()`. */
  readonly data: Readonly<Partial<T>>
  /** When the session was created (or last logged in). */
  readonly createdAt: Date
  /**
   * When the user signed in (`login()`), for freshness checks; undefined when anonymous.
   * After a sign-out-everywhere it may read up to `clock.skew` + 1 s later than the sign-in.
   */
  readonly authenticatedAt: Date | undefined
  /**
   * Whether the user signed in at most `maxAge` seconds ago: ask for the password again
   * before a sensitive action otherwise (OWASP ASVS 5.0 V7.5). False when anonymous.
   *
   * @example
   * ```ts
   * if (!session.isFresh(300)) return c.redirect('/login?reauth=1')
   * ```
   */
  isFresh(maxAge: number): boolean
  /** Absolute expiry: no refresh extends it. */
  readonly expiresAt: Date
  /** The session ends if unused until then; each refresh moves it forward. */
  readonly idleExpiresAt: Date
  /**
   * When the revocation store was last asked about this session (sealed in the token);
   * undefined without a store or for an anonymous session. The next check is due
   * `revocation.revalidateAfter` seconds later.
   */
  readonly lastCheckedAt: Date | undefined
  /** The value stored under `key`, or undefined. */
  get<K extends keyof T & string>(key: K): T[K] | undefined
  /** Stores a JSON value under `key`; the session is sealed again on commit. */
  set<K extends keyof T & string>(key: K, value: T[K]): void
  /** Removes `key`; the session is sealed again on commit. */
  delete(key: keyof T & string): void
  /**
   * Seal and send the session on this response even though nothing changed, moving its
   * idle expiry (adapters whose framework always sets the cookie, like React Router's
   * `commitSession()`). Nothing is sent for a session a failing store made load as signed out.
   */
  touch(): void
  /** Keep a value for the next request only (a message after a redirect). */
  flash(key: string, value: Json): void
  /** Read a flash value and forget it. */
  getFlash(key: string): Json | undefined
  /**
   * Sign `subject` in with a new session id (no session fixation: OWASP ASVS 5.0 V7.2.4),
   * keeping the data. With a revocation store, a previous signed-in id is revoked, and the
   * new session counts as created after any "sign out everywhere" of `subject`.
   * Throws `RevocationUnavailableError` when the store cannot revoke the previous id.
   */
  login(subject: string, options?: LoginOptions): Promise<void>
  /**
   * A new id for the same data and subject, e.g. after a privilege change. With a
   * revocation store, the old id is first checked (whatever `revocation.revalidateAfter` says) and
   * revoked, atomically where the store keeps a session directory:
   * `SessionRevokedError` (the session destroyed) when it was already signed out,
   * `RevocationUnavailableError` when the store cannot answer.
   */
  regenerate(): Promise<void>
  /**
   * Remove the cookie and, with a store, revoke the session id this request brought —
   * also when a failing store made the request load as signed out. The session is
   * destroyed first; if the store cannot record the revocation, this throws
   * `RevocationUnavailableError` (a copied cookie would stay valid): show it, and
   * committing the session still clears this browser's cookie.
   */
  logout(): Promise<void>
  /** Remove the cookie and forget the data. Without a store, a copied cookie stays valid until it expires. */
  destroy(): void
  /**
   * A CSRF token for a form field or header: a fresh masked form of this session's
   * secret on every call (the secret is created, and the session saved, on first use).
   */
  csrfToken(): string
  /** Whether `token` is a CSRF token of this session; compared in constant time. */
  verifyCsrf(token: unknown): boolean
}

/** A `login()` lifetime: whole seconds from 1 to `lifetime.maxAgeLimit`; RangeError otherwise. */
function loginLifetime(name: string, value: number | undefined, fallback: number, limit: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > limit) {
    throw new RangeError(`login() ${name} must be whole seconds from 1 to maxAgeLimit (${limit}); got ${String(value)}. Raise maxAgeLimit in the session options for longer sessions`)
  }
  return value
}

/** A fresh session id: 16 bytes from the platform CSPRNG (OWASP ASVS 5.0 V7.2.3: at least 128 bits). */
export function newSessionId(): string {
  return encodeBase64url(crypto.getRandomValues(new Uint8Array(16)))
}

/** The copy of a session's data in the `overflow` store that a cookie refers to, and under which id. */
export interface StoredCopy {
  readonly id: string
  readonly version: number
  readonly digest: string
}

/** The engine's view of a session: every field the commit needs. Not exported publicly. */
export class SessionState<T extends SessionData<T>> implements Session<T> {
  id: string
  subject: string | undefined
  readonly isNew: boolean
  created: number
  absoluteExpiry: number
  lastSealed: number
  idle: number | undefined
  checkedAt: number | undefined
  binding: string | undefined
  csrfSecret: string | undefined
  values: Record<string, Json>
  flashes: Record<string, Json> | undefined
  /** Key id that sealed the incoming token; undefined for a new session. */
  readonly loadedKeyId: number | undefined
  /** The signed-in session the client holds, until revoked: the only one worth revoking. */
  #issued: IssuedSession | undefined
  /** Signed in through the store's session directory (sealed in the token): checked against it. */
  listed: boolean
  /** Signed in during this request and recorded as pending: the commit confirms it. */
  confirmDue = false
  /** Cookie names of ours in the request (or last written). */
  cookieNames: readonly string[]
  /** Whether `cookieNames` hold this session; if not (garbage, expired, revoked) they are expired on commit. */
  cookiesCurrent: boolean
  dirty = false
  destroyed = false
  /** Something the client cannot see changed (a revocation check, a binding): re-seal. */
  resealDue = false
  /**
   * Loaded as signed out because the revocation store failed: the client's cookie is kept
   * for the next request, so nothing but a sign-in or a sign-out may replace it (not a CSRF
   * secret or data stored while the real session is out of reach).
   */
  keepCookie = false
  /** The request's headers, for `revocation.label` hook at `login()`. */
  requestHeaders: HeaderReader | undefined
  /** The stored copy (`overflow`) the client's cookie refers to: the commit replaces, keeps or removes it. */
  storedCopy: StoredCopy | undefined
  /** The copy this commit stored, until the commit settles. */
  nextCopy: StoredCopy | undefined
  /** Legacy cookies this session was migrated from (`migrate`): the commit expires them. */
  legacyCookies: readonly CommittedCookie[] = []
  readonly #options: ResolvedOptions

  constructor(options: ResolvedOptions, now: number, cookieNames: readonly string[], record?: SessionRecord, keyId?: number) {
    this.#options = options
    this.cookieNames = cookieNames
    this.cookiesCurrent = record !== undefined
    this.loadedKeyId = keyId
    if (record !== undefined) this.holdForRevocation(record)
    this.isNew = record === undefined
    this.id = record?.id ?? newSessionId()
    this.subject = record?.subject
    this.created = record?.createdAt ?? now
    this.absoluteExpiry = record?.absoluteExpiry ?? now + options.maxAge
    this.lastSealed = record?.lastSealed ?? now
    this.idle = record?.idleTimeout
    this.checkedAt = record?.checkedAt
    this.binding = record?.binding
    this.csrfSecret = record?.csrfSecret
    this.listed = record?.listed === true
    this.storedCopy = record?.stored === undefined ? undefined : { id: record.id, ...record.stored }
    // Copies with null prototypes: keys like "__proto__" stay plain data (no prototype pollution).
    this.values = Object.assign(Object.create(null), record?.data)
    this.flashes = record?.flashes === undefined ? undefined : Object.assign(Object.create(null), record.flashes)
  }

  /**
   * Remember the signed-in session the client holds, so `logout()`, `regenerate()` and a
   * replacing `login()` revoke it: until its absolute expiry plus the clock skew, the last
   * moment the engine could still accept it. Called also for a session that a failing
   * store made load as signed out.
   */
  holdForRevocation(record: SessionRecord): void {
    this.#issued =
      record.subject === undefined
        ? undefined
        : { sessionId: record.id, subject: record.subject, expiresAt: record.absoluteExpiry + this.#options.clockSkew, listed: record.listed === true }
  }

  get data(): Readonly<Partial<T>> {
    return Object.freeze({ ...this.values }) as Readonly<Partial<T>>
  }

  get createdAt(): Date {
    return new Date(this.created * 1000)
  }

  get lastCheckedAt(): Date | undefined {
    return this.subject === undefined || this.checkedAt === undefined ? undefined : new Date(this.checkedAt * 1000)
  }

  get authenticatedAt(): Date | undefined {
    return this.subject === undefined ? undefined : new Date(this.created * 1000)
  }

  isFresh(maxAge: number): boolean {
    if (typeof maxAge !== 'number' || !(maxAge >= 0)) throw new RangeError(`isFresh(maxAge) needs a number of seconds, got ${String(maxAge)}`)
    return this.subject !== undefined && this.#now() - this.created <= maxAge
  }

  get expiresAt(): Date {
    return new Date(this.absoluteExpiry * 1000)
  }

  get idleExpiresAt(): Date {
    return new Date((this.lastSealed + this.idleTimeout) * 1000)
  }

  get idleTimeout(): number {
    return this.idle ?? this.#options.idleTimeout
  }

  get<K extends keyof T & string>(key: K): T[K] | undefined {
    return Object.hasOwn(this.values, key) ? (this.values[key] as T[K]) : undefined
  }

  set<K extends keyof T & string>(key: K, value: T[K]): void {
    if (value === undefined) {
      this.delete(key)
      return
    }
    this.values[key] = value as Json
    this.dirty = true
  }

  delete(key: keyof T & string): void {
    if (Object.hasOwn(this.values, key)) {
      delete this.values[key]
      this.dirty = true
    }
  }

  touch(): void {
    if (!this.destroyed) this.dirty = true
  }

  flash(key: string, value: Json): void {
    this.flashes ??= Object.create(null) as Record<string, Json>
    this.flashes[key] = value
    this.dirty = true
  }

  getFlash(key: string): Json | undefined {
    if (this.flashes === undefined || !Object.hasOwn(this.flashes, key)) return undefined
    const value = this.flashes[key]
    delete this.flashes[key]
    this.dirty = true
    return value
  }

  async login(subject: string, options: LoginOptions = {}): Promise<void> {
    // A bad argument at run time is the caller's bug, not a configuration mistake: TypeError and RangeError.
    checkSubject('login(subject)', subject)
    for (const key of Object.keys(options)) {
      if (key !== 'maxAge' && key !== 'idleTimeout') throw new TypeError(`login(subject, options): \`${key}\` is not a login option (they are \`maxAge\` and \`idleTimeout\`, in seconds)`)
    }
    const limit = this.#options.maxAgeLimit
    const maxAge = loginLifetime('maxAge', options.maxAge, this.#options.maxAge, limit)
    const idle = loginLifetime('idleTimeout', options.idleTimeout, this.#options.idleTimeout, limit)
    await this.#revokeCurrent()
    const now = this.#now()
    const id = newSessionId()
    // A store with a session directory records this one as pending (the commit confirms it).
    const listed = await recordSignIn(this.#options, { sessionId: id, subject, createdAt: now, expiresAt: now + maxAge + this.#options.clockSkew }, this.requestHeaders)
    this.id = id
    this.subject = subject
    this.listed = listed
    this.confirmDue = listed
    // After a "sign out everywhere", a session outside a directory must count as created
    // after it, even within the clock skew the not-before time allows for (docs/REVOCATION.md).
    // A listed session needs no such date: the sign-out removed every listed session.
    this.created = listed ? now : Math.max(now, await notBeforeOf(this.#options, subject))
    this.absoluteExpiry = now + maxAge
    this.idle = options.idleTimeout === undefined ? undefined : idle
    // A session created now cannot be revoked yet: the first check is due after revalidateAfter.
    this.checkedAt = now
    // A new session gets a new CSRF secret too (OWASP CSRF cheat sheet: per-session tokens).
    this.csrfSecret = undefined
    this.destroyed = false
    this.keepCookie = false
    this.dirty = true
  }

  async regenerate(): Promise<void> {
    const id = newSessionId()
    // The session the client holds, or, signed in during this request, its pending entry.
    const held = this.#issued ?? (this.confirmDue && this.subject !== undefined ? { sessionId: this.id, subject: this.subject, expiresAt: this.absoluteExpiry, listed: true } : undefined)
    if (held !== undefined) {
      // Never a fresh id for a signed-out session: asked now, whatever revalidateAfter says.
      if (!(await renameSignedIn(this.#options, held, this.created, id))) this.#refuse()
      // Renamed in the directory; outside one, the old id joins the deny list.
      if (held.listed && this.#options.revocations?.sessions !== undefined) this.#issued = undefined
      else await this.#revokeCurrent()
    }
    this.id = id
    this.dirty = true
  }

  async logout(): Promise<void> {
    const issued = this.#issued
    this.destroy()
    this.#issued = issued
    await this.#revokeCurrent()
  }

  /** The store says this session was signed out: it ends here (the commit clears the cookie). */
  #refuse(): never {
    this.#issued = undefined
    this.destroy()
    throw new SessionRevokedError('This session was signed out; sign in again.')
  }

  destroy(): void {
    const now = this.#now()
    this.id = newSessionId()
    this.subject = undefined
    this.created = now
    this.absoluteExpiry = now + this.#options.maxAge
    this.lastSealed = now
    this.idle = undefined
    this.checkedAt = undefined
    this.values = Object.create(null) as Record<string, Json>
    this.flashes = undefined
    this.csrfSecret = undefined
    this.listed = false
    this.confirmDue = false
    this.destroyed = true
    this.keepCookie = false
    this.dirty = false
  }

  csrfToken(): string {
    if (this.csrfSecret === undefined) {
      this.csrfSecret = newCsrfSecret()
      this.dirty = true
    }
    return maskCsrfToken(this.csrfSecret)
  }

  verifyCsrf(token: unknown): boolean {
    return verifyCsrfToken(this.csrfSecret, token)
  }

  /** The record to seal now. */
  record(now: number): SessionRecord {
    const record: { -readonly [K in keyof SessionRecord]: SessionRecord[K] } = {
      id: this.id,
      createdAt: this.created,
      absoluteExpiry: this.absoluteExpiry,
      lastSealed: now,
      data: this.values,
    }
    if (this.idle !== undefined) record.idleTimeout = this.idle
    if (this.subject !== undefined) record.subject = this.subject
    if (this.checkedAt !== undefined) record.checkedAt = this.checkedAt
    if (this.flashes !== undefined) record.flashes = this.flashes
    if (this.binding !== undefined) record.binding = this.binding
    if (this.csrfSecret !== undefined) record.csrfSecret = this.csrfSecret
    if (this.listed && this.subject !== undefined) record.listed = true
    return record
  }

  async #revokeCurrent(): Promise<void> {
    const issued = this.#issued
    // An id minted during this request was never sent to anyone, and anonymous sessions
    // are never looked up: nothing to revoke.
    if (issued === undefined) return
    await revokeIssued(this.#options, issued)
    this.#issued = undefined
  }

  #now(): number {
    return nowSeconds(this.#options.now)
  }
}


/** Subjects of lone UTF-16 surrogates would be mangled into another subject's key by UTF-8 encoding. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * A subject is a non-empty string of well-formed Unicode: UTF-8 turns a lone surrogate into
 * U+FFFD, so "bob\uD800" would share "bob\uFFFD"'s record in every store (CWE-176). TypeError otherwise.
 */
export function checkSubject(call: string, subject: unknown): asserts subject is string {
  if (typeof subject !== 'string' || subject.length === 0) throw new TypeError(`${call} needs a non-empty string subject, such as the user id`)
  if (LONE_SURROGATE.test(subject)) throw new TypeError(`${call} needs a subject of well-formed Unicode (it has a lone surrogate)`)
}
