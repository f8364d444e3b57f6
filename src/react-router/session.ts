import type { CommittedCookie } from '../cookie/serialize.js'
import type { FlashSessionData, Session as RouterSession, SessionData as RouterSessionData } from 'react-router'
import type { SessionEngine } from '../engine/engine.js'
import type { Json } from '../session/envelope.js'
import type { LoginOptions, Session } from '../session/session.js'

/**
 * React Router's `Session` (`get`, `set`, `has`, `unset`, `flash`, `id`, `data`), sealed
 * by this library, plus what a sealed session adds: sign-in with a new id, sign-out that
 * revokes, expiry times and CSRF tokens.
 */
export interface SealedSession<Data = RouterSessionData, FlashData = Data> extends RouterSession<Data, FlashData> {
  /**
   * The sealed session's id: 128 random bits, new on `login()`, `regenerate()` and sign-out.
   * (React Router's cookie storage gives `''`: its sessions have no id.)
   */
  readonly id: string
  /** The user id given to `login()`; undefined while signed out. */
  readonly subject: string | undefined
  /** True when the request brought no valid session cookie (none, tampered, expired or revoked). */
  readonly isNew: boolean
  /** When the session was created or last signed in. */
  readonly createdAt: Date
  /** Absolute expiry: no activity extends it. */
  readonly expiresAt: Date
  /** The session ends if unused until then; each commit moves it forward. */
  readonly idleExpiresAt: Date
  /**
   * Signs `subject` in under a new session id (no session fixation), keeping the data. With
   * a revocation store, the previous signed-in id is revoked. Optional per-session
   * lifetimes (`{ maxAge, idleTimeout }` in seconds) make a "remember me".
   */
  login(subject: string, options?: LoginOptions): Promise<void>
  /** A new id for the same data, e.g. after a privilege change (the old id is revoked with a store). */
  regenerate(): Promise<void>
  /**
   * Signs out: the data is forgotten and, with a revocation store, the session id this
   * request brought is revoked. `destroySession()` calls this. Throws
   * `RevocationUnavailableError` when the store cannot record it; committing still clears
   * this browser's cookie.
   */
  logout(): Promise<void>
  /** A CSRF token for a form field or header: a fresh masked form of this session's secret on every call. */
  csrfToken(): string
  /** Whether `token` is a CSRF token of this session, compared in constant time. */
  verifyCsrf(token: unknown): boolean
}

/** The key React Router keeps a flash value under in `session.data` (its own `flash()` helper). */
const flashKey = (name: string): string => `__flash_${name}__`

/**
 * The React Router face of one sealed `Session`. Flash values live in the sealed data
 * under `__flash_<name>__` keys, as React Router keeps them, so `data`, `has()` and
 * `get()` behave exactly like React Router's own sessions.
 */
export class RouterSessionState<Data, FlashData> implements SealedSession<Data, FlashData> {
  /** The sealed session behind this one. */
  readonly sealed: Session
  /** The storage that loaded it: a session is committed only by its own storage. */
  readonly owner: object
  /** The engine that loaded it, which commits it. */
  readonly engine: SessionEngine
  /** Signed out in this request (`destroySession()` or `logout()`): commit expires the cookie. */
  signedOut: boolean = false
  /** Legacy cookies (`migrate`) a commitSession() could not carry next to ours: the middleware sends their removal. */
  legacyRemovals: readonly CommittedCookie[] = []

  constructor(sealed: Session, owner: object, engine: SessionEngine) {
    this.sealed = sealed
    this.owner = owner
    this.engine = engine
  }

  get id(): string {
    return this.sealed.id
  }

  get data(): FlashSessionData<Data, FlashData> {
    // A fresh copy each time, as React Router gives: changing it never changes the session.
    return { ...this.sealed.data } as FlashSessionData<Data, FlashData>
  }

  get subject(): string | undefined {
    return this.sealed.subject
  }

  get isNew(): boolean {
    return this.sealed.isNew
  }

  get createdAt(): Date {
    return this.sealed.createdAt
  }

  get expiresAt(): Date {
    return this.sealed.expiresAt
  }

  get idleExpiresAt(): Date {
    return this.sealed.idleExpiresAt
  }

  has(name: (keyof Data | keyof FlashData) & string): boolean {
    return this.sealed.get(name) !== undefined || this.sealed.get(flashKey(name)) !== undefined
  }

  get<Key extends (keyof Data | keyof FlashData) & string>(
    name: Key,
  ): (Key extends keyof Data ? Data[Key] : undefined) | (Key extends keyof FlashData ? FlashData[Key] : undefined) | undefined {
    type Value = (Key extends keyof Data ? Data[Key] : undefined) | (Key extends keyof FlashData ? FlashData[Key] : undefined)
    const value = this.sealed.get(name)
    if (value !== undefined) return value as Value
    const flashed = this.sealed.get(flashKey(name))
    // A flash value is read once: gone from the session committed after this request.
    if (flashed !== undefined) this.sealed.delete(flashKey(name))
    return flashed as Value | undefined
  }

  set<Key extends keyof Data & string>(name: Key, value: Data[Key]): void {
    this.sealed.set(name, value as Json)
  }

  flash<Key extends keyof FlashData & string>(name: Key, value: FlashData[Key]): void {
    this.sealed.set(flashKey(name), value as Json)
  }

  unset(name: keyof Data & string): void {
    this.sealed.delete(name)
  }

  async login(subject: string, options?: LoginOptions): Promise<void> {
    await this.sealed.login(subject, options)
    this.signedOut = false
  }

  regenerate(): Promise<void> {
    return this.sealed.regenerate()
  }

  async logout(): Promise<void> {
    this.signedOut = true
    await this.sealed.logout()
  }

  csrfToken(): string {
    return this.sealed.csrfToken()
  }

  verifyCsrf(token: unknown): boolean {
    return this.sealed.verifyCsrf(token)
  }

  /**
   * Marks the session for sealing even when nothing changed: React Router's
   * `commitSession()` always returns a cookie (and so moves the idle expiry forward).
   * `set()` of a present value marks it changed without changing it; with no data at all,
   * a placeholder key is set and removed. Not after a sign-out, which must expire the cookie.
   */
  touch(): void {
    if (!this.signedOut) this.sealed.touch()
  }
}

