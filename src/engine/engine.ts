import { nowSeconds } from '../limits.js'
import type { Json, SessionRecord } from '../session/envelope.js'
import { emit, emitHashed } from '../session/events.js'
import { timingSafeEqual } from '../session/csrf.js'
import type { OpenedSession, SessionFormat } from '../session/format.js'
import { resolveOptions, type ResolvedOptions, type SessionOptions } from '../session/options.js'
import { checkSubject } from '../session/session.js'
import { SessionState, type Session, type SessionData } from '../session/session.js'
import { bearerTransport } from '../transport/bearer.js'
import { cookieCommit, NOTHING, type SessionCommit } from '../transport/commit.js'
import { cookieTransport } from '../transport/cookie.js'
import type { Incoming, Transport } from '../transport/transport.js'
import { bindingOf, headersOf, type Binding, type CookieSource } from './request.js'
import { checkRevocation, confirmSignIn, revokeEverywhere } from '../session/control.js'
import { listSessions, revokeOtherSessions, revokeSession, type SessionInfo } from './devices.js'
import { SessionTooLargeError } from '../errors.js'
import { migrateLegacy, sentLegacyCookies } from './migrate.js'
import { warnSize } from './size.js'
import { dropStored, openStored, readError, sealSession, settleStored, storedCodec, type OverflowEngine } from './overflow.js'

export type { CookieSource, SessionInfo }

/** The engine returned by `createSessions()`. */
export interface SessionEngine<T extends SessionData<T> = Record<string, Json>> {
  /** Reads the session from the request. Never throws for anything a client sent: bad input is a new session. */
  load(source: CookieSource): Promise<Session<T>>
  /**
   * The Set-Cookie values (or bearer token) and headers for this session's response:
   * nothing when nothing changed and no refresh is due. Throws `SessionTooLargeError`
   * when the session no longer fits, before producing any header.
   */
  commit(session: Session<T>): Promise<SessionCommit>
  /**
   * Log `subject` out everywhere: every session of theirs created before now (allowing for
   * the clock skew) is revoked. Needs `revocation: { store }`; throws `RevocationUnavailableError`
   * when the store cannot record it.
   */
  revokeSubject(subject: string): Promise<void>
  /**
   * The signed-in sessions of a subject, or of the given session's subject (marking it
   * `current`), newest first: for a "Your devices" page. Needs a store that records
   * sessions (`ConfigurationError` otherwise); `RevocationUnavailableError` when it fails.
   *
   * @example
   * ```ts
   * const devices = await sessions.listSessions(session)
   * ```
   */
  listSessions(of: string | Session<T>): Promise<SessionInfo[]>
  /**
   * Sign out one device: the session of `subject` whose `handle` `listSessions()` gave.
   * False when no listed session of `subject` has that handle (already gone). Throws as
   * `listSessions()` does.
   */
  revokeSession(subject: string, handle: string): Promise<boolean>
  /** Sign out every other listed session of this session's user; resolves with how many. Throws as `listSessions()` does. */
  revokeOtherSessions(session: Session<T>): Promise<number>
  /** The resolved cookie name. */
  readonly cookieName: string
}

/** One configuration, resolved once: its options, where tokens travel, and how they are sealed (and stored data, with `overflow`). */
interface Engine extends OverflowEngine {
  readonly options: ResolvedOptions
  readonly transport: Transport
  readonly format: SessionFormat
}

/**
 * Creates the session engine. Options are checked now: a mistake throws
 * `ConfigurationError` here, never at a user's request.
 *
 * @example
 * ```ts
 * import { applyCommit, createSessions } from 'sealed-session'
 *
 * const sessions = createSessions<{ cart: string[] }>({ secrets: process.env.SESSION_SECRETS ?? '' })
 * export async function handle(request: Request): Promise<Response> {
 *   const session = await sessions.load(request)
 *   session.set('cart', ['apple'])
 *   const response = new Response('ok')
 *   applyCommit(response.headers, await sessions.commit(session))
 *   return response
 * }
 * ```
 */
export function createSessions<T extends SessionData<T> = Record<string, Json>>(options: SessionOptions): SessionEngine<T> {
  const resolved = resolveOptions(options)
  const transport = resolved.transport === 'bearer' ? bearerTransport(resolved.tokenHeader, resolved.cookie.name) : cookieTransport(resolved.cookie)
  const format = resolved.format({
    secrets: resolved.secrets,
    purpose: transport.purpose,
    maxAgeLimit: resolved.maxAgeLimit,
    clockSkew: resolved.clockSkew,
  })
  const engine: Engine = { options: resolved, transport, format, codec: storedCodec(resolved, transport.purpose) }
  return {
    cookieName: resolved.cookie.name,
    load: (source) => load<T>(engine, source),
    commit: (session) => commit(engine, session),
    revokeSubject: (subject) => revokeSubject(resolved, subject),
    listSessions: (of) => listSessions(resolved, of),
    revokeSession: (subject, handle) => revokeSession(resolved, subject, handle),
    revokeOtherSessions: (session) => revokeOtherSessions(resolved, session),
  }
}

async function load<T extends SessionData<T>>(engine: Engine, source: CookieSource): Promise<SessionState<T>> {
  const { options, transport } = engine
  const now = nowSeconds(options.now)
  const headers = headersOf(source)
  const incoming: Incoming = transport.read(headers)
  // The common case (no hook, no store, no overflow copy) awaits nothing but the token (issue 20 §3).
  const binding = options.binding === undefined ? undefined : await bindingOf(options, headers)
  const fresh = (cookieNames = incoming.names): SessionState<T> => new SessionState<T>(options, now, { cookieNames, headers, binding: binding?.digest })
  const opening = accept(engine, incoming, binding, now)
  const accepted = 'then' in opening ? await opening : opening
  if (!accepted.ok) {
    const session = fresh()
    // Legacy cookies are read only when the client sent no cookie of ours at all: once
    // ours exists (even expired or signed out), an old cookie never brings a session back.
    if (options.migrate.length > 0) {
      if (incoming.names.length === 0) await migrateLegacy(options, headers, session, options.now())
      else session.loaded({ legacyCookies: sentLegacyCookies(options, headers) })
    }
    return session
  }
  const status = options.revocations === undefined || accepted.record.subject === undefined ? 'not-due' : await checkRevocation(options, accepted.record, now)
  if (status === 'revoked' || status === 'unavailable') {
    await emitHashed(options.onEvent, accepted.record.id, (sessionIdHash) =>
      status === 'revoked' ? { type: 'revoked', sessionIdHash } : { type: 'revocation-error', sessionIdHash, operation: 'check', failure: options.revocationFailure },
    )
    if (status === 'revoked') {
      await dropStored(options, accepted.record)
      return fresh()
    }
  }
  // Fail closed: signed out for this request, the cookie kept for the next one, and
  // logout() still revokes the session (and removes the stored data) the client holds.
  const closed = (): SessionState<T> => {
    const held = fresh([])
    held.keepClientSession(accepted.record)
    return held
  }
  if (status === 'unavailable' && options.revocationFailure === 'closed') return closed()
  // With `overflow`, a cookie that names stored data is filled from the store (docs/OVERFLOW.md).
  const filled = accepted.record.stored === undefined ? { ok: true as const, record: accepted.record } : await openStored(engine, accepted.record, now)
  if (!filled.ok) {
    if (filled.reason === 'unavailable') await readError(options, accepted.record.id)
    if (filled.reason === 'stale') await emitHashed(options.onEvent, accepted.record.id, (sessionIdHash) => ({ type: 'overflow-stale', sessionIdHash }))
    // A stale copy of the cookie, or a request racing a write, never sees other data nor
    // clears the newer cookie; a store that cannot answer fails closed (no data to serve).
    if (filled.reason === 'unavailable' || filled.reason === 'stale') return closed()
    emit(options.onEvent, { type: 'invalid', reason: 'overflow' })
    return fresh()
  }
  const { record } = filled
  const session = new SessionState<T>(options, now, { cookieNames: incoming.names, headers, record, keyId: accepted.keyId })
  session.loaded({
    // Soft binding, or a session sealed before binding was configured: bound to this value now.
    rebind: binding?.digest !== undefined && (record.binding === undefined || !accepted.bound) ? binding.digest : undefined,
    checkedAt: status === 'valid' ? now : undefined,
    // Chunks of an earlier, longer write (or 0.1's layout): re-sealed, so the response expires them.
    rewrite: incoming.rewrite === true,
    ...(options.migrate.length > 0 ? { legacyCookies: sentLegacyCookies(options, headers) } : {}),
  })
  return session
}

/** A token the session policy accepts, or a refusal (already reported as an event). */
type Accepted = { readonly ok: true; readonly record: SessionRecord; readonly keyId: number; readonly bound: boolean } | { readonly ok: false }

/**
 * Opens the request's token and applies the policy that needs no store: the format's
 * checks, absolute and idle expiry (with the clock skew), and the client binding.
 */
function accept({ options, format }: Engine, incoming: Incoming, binding: Binding | undefined, now: number): Accepted | Promise<Accepted> {
  if (incoming.token === undefined) {
    if (incoming.reason !== undefined) emit(options.onEvent, { type: 'invalid', reason: incoming.reason })
    return REFUSED
  }
  const opened = format.open(incoming.token, now)
  // A token seen before opens from the cache without a promise: no await on the hot path.
  return 'then' in opened ? opened.then((value) => judge(options, value, binding, now)) : judge(options, opened, binding, now)
}

/** The policy that needs no store, on an opened token: expiry (with the clock skew) and the client binding. */
function judge(options: ResolvedOptions, opened: OpenedSession, binding: Binding | undefined, now: number): Accepted | Promise<Accepted> {
  if (!opened.ok) {
    emit(options.onEvent, opened.reason === 'expired' ? { type: 'expired', reason: 'header' } : { type: 'invalid', reason: opened.reason })
    return REFUSED
  }
  const { record } = opened
  if (opened.keyId !== options.secrets[0]!.id) emit(options.onEvent, { type: 'old-secret', keyId: opened.keyId })
  // The header's expiry was min(absolute, idle) when sealed; the idle timeout configured now
  // may be shorter (a config change), so the record is held to today's rule too.
  const idleExpiry = record.lastSealed + (record.idleTimeout ?? options.idleTimeout)
  const expiry = Math.min(record.absoluteExpiry, idleExpiry)
  if (expiry + options.clockSkew <= now) {
    const reason = record.absoluteExpiry === expiry ? 'absolute' : 'idle'
    return emitHashed(options.onEvent, record.id, (sessionIdHash) => ({ type: 'expired', sessionIdHash, reason })).then(() => REFUSED)
  }
  const bound = bindingMatches(record.binding, binding)
  if (!bound && options.bindingMode === 'strict') {
    emit(options.onEvent, { type: 'invalid', reason: 'binding' })
    return REFUSED
  }
  const accepted: Accepted = { ok: true, record, keyId: opened.keyId, bound }
  // Soft binding: keep the session, report the change (a missing value keeps the old binding).
  if (!bound) return emitHashed(options.onEvent, record.id, (sessionIdHash) => ({ type: 'binding-changed', sessionIdHash })).then(() => accepted)
  return accepted
}

const REFUSED: Accepted = Object.freeze({ ok: false })

/**
 * A session sealed with a binding opens only when this request's value has the same
 * digest: a missing value (the header dropped) or a failed hook is a mismatch. Compared
 * in constant time. Without a `binding` hook configured, bindings are not checked.
 */
function bindingMatches(sealed: string | undefined, binding: Binding | undefined): boolean {
  if (sealed === undefined || binding === undefined) return true
  return binding.digest !== undefined && timingSafeEqual(encoder.encode(binding.digest), encoder.encode(sealed))
}

const encoder = new TextEncoder()

async function commit<T extends SessionData<T>>(engine: Engine, session: Session<T>): Promise<SessionCommit> {
  const { options, transport } = engine
  if (!(session instanceof SessionState)) {
    throw new TypeError('commit() takes a session returned by load() of the same createSessions()')
  }
  const now = nowSeconds(options.now)
  const plan = session.plan(now, options.secrets[0]!.id)
  // Signed out only because the store failed: the client keeps its cookie (see load()).
  if (plan.keep) {
    session.committed(undefined, [])
    return NOTHING
  }
  const token = plan.seal ? await sealSession(engine, session, now, plan.expiresAt) : undefined
  let result: SessionCommit
  try {
    result = transport.write({ token, maxAge: plan.expiresAt - now, destroyed: session.destroyed, names: session.cookieNames, current: session.cookiesCurrent })
  } catch (error) {
    if (error instanceof SessionTooLargeError) {
      await emitHashed(options.onEvent, session.id, (sessionIdHash) => ({ type: 'too-large', sessionIdHash, size: error.size, limit: error.limit }))
    }
    throw error
  }
  if (token !== undefined) {
    const { size, limit } = transport.measure(token)
    await warnSize(options, session.id, session.data, size, limit)
  }
  // Migrated from a legacy cookie: expire it on the same response, whatever else happened.
  const legacy = session.takeLegacyCookies()
  if (legacy.length > 0) result = cookieCommit([...result.cookies, ...legacy])
  // A sign-in of this request is listed now that its cookie is about to go out (and
  // maxSessions signs out the oldest), never before: see confirmSignIn().
  if (session.confirmDue && token !== undefined && session.subject !== undefined) await confirmSignIn(options, session.subject, session.id)
  if (options.overflow !== undefined) await settleStored(options, session, token !== undefined)
  const type = options.onEvent === undefined ? undefined : session.commitEvent(token !== undefined, plan)
  if (type !== undefined) {
    await emitHashed(options.onEvent, session.id, (sessionIdHash) =>
      type === 'rotated' ? { type, sessionIdHash, fromKeyId: session.loadedKeyId!, toKeyId: options.secrets[0]!.id } : { type, sessionIdHash },
    )
  }
  session.committed(token === undefined ? undefined : now, result.cookies)
  return result
}

/**
 * Sign-out-everywhere: sessions of `subject` created at or before now plus the clock skew
 * are revoked, so neither a sign-in in the same second nor one sealed by a server whose
 * clock runs ahead (within the skew) survives it; `login()` reads the not-before time, so
 * a sign-in after it always counts as later (docs/REVOCATION.md).
 */
async function revokeSubject(options: ResolvedOptions, subject: string): Promise<void> {
  checkSubject('revokeSubject(subject)', subject)
  await revokeEverywhere(options, subject, nowSeconds(options.now))
}
