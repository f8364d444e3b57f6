import { encodeBase64url } from '../format/base64url.js'
import { nowSeconds } from '../limits.js'
import { maskCsrfToken, newCsrfSecret, verifyCsrfToken } from './csrf.js'
import type { Json, SessionRecord } from './envelope.js'
import type { ResolvedOptions } from './options.js'
import { notBeforeOf, recordSignIn, renameSignedIn, revokeIssued, type IssuedSession } from './control.js'
import { SessionRevokedError } from '../errors.js'
import type { HeaderReader } from '../transport/transport.js'
import { isRemoval, type CommittedCookie } from '../cookie/serialize.js'

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

/** What `load()` found: the cookie names sent, and the record the token held with the key that opened it. */
export interface LoadedFrom {
  /** Cookie names of ours in the request. */
  readonly cookieNames: readonly string[]
  /** The request's headers (for `revocation.label` at `login()`). */
  readonly headers: HeaderReader
  /** A new session's binding (the digest of this request's value). */
  readonly binding?: string | undefined
  readonly record?: SessionRecord
  readonly keyId?: number
}

/** A session record as the session holds it while a request changes it: `SessionRecord`'s fields, each present. */
type MutableRecord = { -readonly [K in Exclude<keyof SessionRecord, 'stored' | 'data' | 'flashes'>]-?: SessionRecord[K] | (undefined extends SessionRecord[K] ? undefined : never) } & {
  data: Record<string, Json>
  flashes: Record<string, Json> | undefined
}

/** What a commit should do: keep the client's cookie, or write, sealing a token expiring at `expiresAt` when `seal`. */
export type CommitPlan =
  | { readonly keep: true }
  | { readonly keep: false; readonly seal: boolean; readonly expiresAt: number; readonly rotated: boolean }

const KEEP: CommitPlan = Object.freeze({ keep: true })

/**
 * The engine's view of a session, and its state machine: `load()` tells it what it found
 * (`constructor`, `loaded()`, `keepClientSession()`, `migrated()`), `commit()` asks it what
 * to do (`plan()`, `commitEvent()`) and tells it what happened (`committed()`). Not exported publicly.
 */
export class SessionState<T extends SessionData<T>> implements Session<T> {
  /**
   * The session record, in the one shape the format seals (`SessionRecord`): what the
   * session is; the fields below are what this request does with it.
   */
  #r: MutableRecord
  readonly isNew: boolean

  get id(): string {
    return this.#r.id
  }

  get subject(): string | undefined {
    return this.#r.subject
  }

  /** Signed in through the store's session directory (sealed in the token): checked against it. */
  get listed(): boolean {
    return this.#r.listed === true
  }
  /** Key id that sealed the incoming token; undefined for a new session. */
  readonly loadedKeyId: number | undefined
  /** The signed-in session the client holds, until revoked: the only one worth revoking. */
  #issued: IssuedSession | undefined
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

  constructor(options: ResolvedOptions, now: number, found: LoadedFrom) {
    const { cookieNames, record, keyId } = found
    this.#options = options
    this.cookieNames = cookieNames
    this.cookiesCurrent = record !== undefined
    this.loadedKeyId = keyId
    this.requestHeaders = found.headers
    if (record !== undefined) this.holdForRevocation(record)
    this.isNew = record === undefined
    this.#r = {
      id: record?.id ?? newSessionId(),
      createdAt: record?.createdAt ?? now,
      absoluteExpiry: record?.absoluteExpiry ?? now + options.maxAge,
      lastSealed: record?.lastSealed ?? now,
      // Copies with null prototypes: keys like "__proto__" stay plain data (no prototype pollution).
      data: Object.assign(Object.create(null), record?.data),
      idleTimeout: record?.idleTimeout,
      subject: record?.subject,
      checkedAt: record?.checkedAt,
      binding: record?.binding ?? found.binding,
      csrfSecret: record?.csrfSecret,
      flashes: record?.flashes === undefined ? undefined : Object.assign(Object.create(null), record.flashes),
      listed: record?.listed === true ? true : undefined,
    }
    this.storedCopy = record?.stored === undefined ? undefined : { id: record.id, ...record.stored }
  }

  /**
   * What load found beside the token, told to the session: the client's binding changed
   * (soft binding re-binds it), the store just confirmed the session, or its chunks need a
   * rewrite. Each is something the client cannot see, so the commit re-seals.
   */
  loaded(facts: { readonly rebind?: string | undefined; readonly checkedAt?: number | undefined; readonly rewrite?: boolean; readonly legacyCookies?: readonly CommittedCookie[] }): void {
    if (facts.rebind !== undefined) this.#r.binding = facts.rebind
    if (facts.checkedAt !== undefined) this.#r.checkedAt = facts.checkedAt
    if (facts.rebind !== undefined || facts.checkedAt !== undefined || facts.rewrite === true) this.resealDue = true
    if (facts.legacyCookies !== undefined) this.legacyCookies = facts.legacyCookies
  }

  /**
   * Loaded signed out because the store failed: the client keeps its cookie (the commit
   * sends nothing), and `logout()` still revokes, and removes the stored data of, the
   * session it holds.
   */
  keepClientSession(record: SessionRecord): void {
    this.holdForRevocation(record)
    this.storedCopy = record.stored === undefined ? undefined : { id: record.id, ...record.stored }
    this.keepCookie = true
  }

  /** Migrated from a legacy cookie: its data is ours now, and the commit expires the old cookies. */
  migrated(data: Readonly<Record<string, Json | undefined>>, oldCookies: readonly CommittedCookie[]): void {
    for (const [key, value] of Object.entries(data)) if (value !== undefined) this.#r.data[key] = value
    this.dirty = true
    this.legacyCookies = oldCookies
  }

  /**
   * What the commit should do now: send nothing (the client keeps its cookie), or write
   * the transport's cookies, sealing a token when the session changed or a re-seal is due
   * (a rotated key, something the client cannot see, or `refreshAfter` passed), expiring
   * at the earlier of its absolute and idle expiry.
   */
  plan(now: number, newestKeyId: number): CommitPlan {
    if (this.keepCookie) return KEEP
    const rotated = this.loadedKeyId !== undefined && this.loadedKeyId !== newestKeyId
    const due = !this.isNew && !this.destroyed && (rotated || this.resealDue || now - this.#r.lastSealed >= this.#options.refreshAfter)
    const expiresAt = Math.min(this.#r.absoluteExpiry, now + this.idleTimeout)
    return { keep: false, seal: (this.dirty || due) && expiresAt > now, expiresAt, rotated }
  }

  /** The event a commit that did (`sealed`) or did not seal reports, if any. */
  commitEvent(sealed: boolean, plan: CommitPlan): 'created' | 'rotated' | 'refreshed' | 'destroyed' | undefined {
    if (!sealed) return this.destroyed ? 'destroyed' : undefined
    if (this.isNew || this.destroyed) return 'created'
    if (!plan.keep && plan.rotated) return 'rotated'
    return this.dirty ? undefined : 'refreshed'
  }

  /** The commit's legacy cookies to expire, handed over once. */
  takeLegacyCookies(): readonly CommittedCookie[] {
    const cookies = this.legacyCookies
    this.legacyCookies = []
    return cookies
  }

  /**
   * What the commit did: sealed at `sealedAt` (if it sealed) and sent `cookies`. The session
   * is now as the client will hold it: nothing is left to send until it changes again.
   */
  committed(sealedAt: number | undefined, cookies: readonly CommittedCookie[]): void {
    if (sealedAt !== undefined) {
      this.#r.lastSealed = sealedAt
      this.confirmDue = false
    }
    if (cookies.length > 0) {
      this.cookieNames = cookies.filter((cookie) => !isRemoval(cookie)).map((cookie) => cookie.name)
      this.cookiesCurrent = true
    }
    this.dirty = false
    this.destroyed = false
    this.resealDue = false
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
    return Object.freeze({ ...this.#r.data }) as Readonly<Partial<T>>
  }

  get createdAt(): Date {
    return new Date(this.#r.createdAt * 1000)
  }

  get lastCheckedAt(): Date | undefined {
    return this.#r.subject === undefined || this.#r.checkedAt === undefined ? undefined : new Date(this.#r.checkedAt * 1000)
  }

  get authenticatedAt(): Date | undefined {
    return this.#r.subject === undefined ? undefined : new Date(this.#r.createdAt * 1000)
  }

  isFresh(maxAge: number): boolean {
    if (typeof maxAge !== 'number' || !(maxAge >= 0)) throw new RangeError(`isFresh(maxAge) needs a number of seconds, got ${String(maxAge)}`)
    return this.#r.subject !== undefined && this.#now() - this.#r.createdAt <= maxAge
  }

  get expiresAt(): Date {
    return new Date(this.#r.absoluteExpiry * 1000)
  }

  get idleExpiresAt(): Date {
    return new Date((this.#r.lastSealed + this.idleTimeout) * 1000)
  }

  get idleTimeout(): number {
    return this.#r.idleTimeout ?? this.#options.idleTimeout
  }

  get<K extends keyof T & string>(key: K): T[K] | undefined {
    return Object.hasOwn(this.#r.data, key) ? (this.#r.data[key] as T[K]) : undefined
  }

  set<K extends keyof T & string>(key: K, value: T[K]): void {
    if (value === undefined) {
      this.delete(key)
      return
    }
    this.#r.data[key] = value as Json
    this.dirty = true
  }

  delete(key: keyof T & string): void {
    if (Object.hasOwn(this.#r.data, key)) {
      delete this.#r.data[key]
      this.dirty = true
    }
  }

  touch(): void {
    if (!this.destroyed) this.dirty = true
  }

  flash(key: string, value: Json): void {
    this.#r.flashes ??= Object.create(null) as Record<string, Json>
    this.#r.flashes[key] = value
    this.dirty = true
  }

  getFlash(key: string): Json | undefined {
    if (this.#r.flashes === undefined || !Object.hasOwn(this.#r.flashes, key)) return undefined
    const value = this.#r.flashes[key]
    delete this.#r.flashes[key]
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
    this.#r.id = id
    this.#r.subject = subject
    this.#r.listed = listed ? true : undefined
    this.confirmDue = listed
    // After a "sign out everywhere", a session outside a directory must count as created
    // after it, even within the clock skew the not-before time allows for (docs/REVOCATION.md).
    // A listed session needs no such date: the sign-out removed every listed session.
    this.#r.createdAt = listed ? now : Math.max(now, await notBeforeOf(this.#options, subject))
    this.#r.absoluteExpiry = now + maxAge
    this.#r.idleTimeout = options.idleTimeout === undefined ? undefined : idle
    // A session created now cannot be revoked yet: the first check is due after revalidateAfter.
    this.#r.checkedAt = now
    // A new session gets a new CSRF secret too (OWASP CSRF cheat sheet: per-session tokens).
    this.#r.csrfSecret = undefined
    this.destroyed = false
    this.keepCookie = false
    this.dirty = true
  }

  async regenerate(): Promise<void> {
    const id = newSessionId()
    // The session the client holds, or, signed in during this request, its pending entry.
    const held = this.#issued ?? (this.confirmDue && this.#r.subject !== undefined ? { sessionId: this.#r.id, subject: this.#r.subject, expiresAt: this.#r.absoluteExpiry, listed: true } : undefined)
    if (held !== undefined) {
      // Never a fresh id for a signed-out session: asked now, whatever revalidateAfter says.
      if (!(await renameSignedIn(this.#options, held, this.#r.createdAt, id))) this.#refuse()
      // Renamed in the directory; outside one, the old id joins the deny list.
      if (held.listed && this.#options.revocations?.sessions !== undefined) this.#issued = undefined
      else await this.#revokeCurrent()
    }
    this.#r.id = id
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
    this.#r.id = newSessionId()
    this.#r.subject = undefined
    this.#r.createdAt = now
    this.#r.absoluteExpiry = now + this.#options.maxAge
    this.#r.lastSealed = now
    this.#r.idleTimeout = undefined
    this.#r.checkedAt = undefined
    this.#r.data = Object.create(null) as Record<string, Json>
    this.#r.flashes = undefined
    this.#r.csrfSecret = undefined
    this.#r.listed = undefined
    this.confirmDue = false
    this.destroyed = true
    this.keepCookie = false
    this.dirty = false
  }

  csrfToken(): string {
    if (this.#r.csrfSecret === undefined) {
      this.#r.csrfSecret = newCsrfSecret()
      this.dirty = true
    }
    return maskCsrfToken(this.#r.csrfSecret)
  }

  verifyCsrf(token: unknown): boolean {
    return verifyCsrfToken(this.#r.csrfSecret, token)
  }

  /** The record to seal now. */
  record(now: number): SessionRecord {
    const record: { -readonly [K in keyof SessionRecord]: SessionRecord[K] } = {
      id: this.#r.id,
      createdAt: this.#r.createdAt,
      absoluteExpiry: this.#r.absoluteExpiry,
      lastSealed: now,
      data: this.#r.data,
    }
    if (this.#r.idleTimeout !== undefined) record.idleTimeout = this.#r.idleTimeout
    if (this.#r.subject !== undefined) record.subject = this.#r.subject
    if (this.#r.checkedAt !== undefined) record.checkedAt = this.#r.checkedAt
    if (this.#r.flashes !== undefined) record.flashes = this.#r.flashes
    if (this.#r.binding !== undefined) record.binding = this.#r.binding
    if (this.#r.csrfSecret !== undefined) record.csrfSecret = this.#r.csrfSecret
    if (this.#r.listed === true && this.#r.subject !== undefined) record.listed = true
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
