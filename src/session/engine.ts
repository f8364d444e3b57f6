import { readCookies } from '../cookie/parse.js'
import { bearerCommitOf, commitOf, NOTHING, type SessionCommit } from '../cookie/response.js'
import { checkBearerSize, readBearer } from './bearer.js'
import { expireCookie, layOut, serializeCookie } from '../cookie/serialize.js'
import { ConfigurationError, SessionTooLargeError } from '../errors.js'
import { hashSessionId, type SessionEvent } from './events.js'
import { encodeBase64url } from '../format/base64url.js'
import { sha256 } from '../keys/digest.js'
import { timingSafeEqual } from './csrf.js'
import { resolveOptions, type HeaderReader, type ResolvedOptions, type SessionOptions } from './options.js'
import { SessionState, type Session, type SessionData } from './session.js'
import type { Json } from './envelope.js'

/** Where a Cookie header can come from: a Request, its Headers, or the header text. */
export type CookieSource =
  | { readonly headers: { get(name: string): string | null } }
  | { get(name: string): string | null }
  | string
  | null
  | undefined

/** The engine returned by `createSessions()`. */
export interface Sessions<T extends SessionData<T> = Record<string, Json>> {
  /** Reads the session cookie. Never throws for anything a client sent: bad input is a new session. */
  load(source: CookieSource): Promise<Session<T>>
  /**
   * The Set-Cookie values and headers for this session's response: nothing when nothing
   * changed and no refresh is due. Throws `SessionTooLargeError` when the session no
   * longer fits, before producing any header.
   */
  commit(session: Session<T>): Promise<SessionCommit>
  /** Log `subject` out everywhere: every session of theirs created before now is revoked. Needs `revocations`. */
  revokeSubject(subject: string): Promise<void>
  /** The resolved cookie name (the purpose bound into every token). */
  readonly cookieName: string
}

/**
 * Creates the session engine. Options are checked now: a mistake throws
 * `ConfigurationError` here, never at a user's request.
 *
 * @example
 * ```ts
 * const sessions = createSessions<{ cart: string[] }>({ secrets: env.SESSION_SECRETS.split(' ') })
 * const session = await sessions.load(request)
 * session.set('cart', ['apple'])
 * const response = new Response('ok')
 * applyCommit(response.headers, await sessions.commit(session))
 * ```
 */
export function createSessions<T extends SessionData<T> = Record<string, Json>>(options: SessionOptions): Sessions<T> {
  const resolved = resolveOptions(options)
  return {
    cookieName: resolved.cookie.name,
    load: (source) => load<T>(resolved, source),
    commit: (session) => commit(resolved, session),
    revokeSubject: async (subject) => {
      const store = resolved.revocations
      if (store === undefined) throw new ConfigurationError('revokeSubject() needs the revocations option (kvRevocations or another store)')
      const now = seconds(resolved)
      await store.revokeSubject(subject, now, now + resolved.maxAgeLimit + resolved.skew)
    },
  }
}

const encoder = new TextEncoder()

function seconds(options: ResolvedOptions): number {
  return Math.floor(options.now() / 1000)
}

function headersOf(source: CookieSource): HeaderReader {
  if (source === null || source === undefined) return { get: () => null }
  if (typeof source === 'string') return { get: (name) => (name.toLowerCase() === 'cookie' ? source : null) }
  return 'headers' in source ? source.headers : source
}

/** A header value, or null when reading it throws (a hostile or broken headers object). */
function safeGet(headers: HeaderReader, name: string): string | null {
  try {
    return headers.get(name)
  } catch {
    return null
  }
}

/** The binding digest for this request; `null` when the hook failed (treated as a mismatch). */
async function bindingOf(options: ResolvedOptions, headers: HeaderReader): Promise<string | undefined | null> {
  if (options.binding === undefined) return undefined
  try {
    const value = await options.binding(headers)
    return value === undefined ? undefined : encodeBase64url((await sha256(`sealed-session binding\0${value}`)).slice(0, 16))
  } catch {
    return null
  }
}

async function load<T extends SessionData<T>>(options: ResolvedOptions, source: CookieSource): Promise<SessionState<T>> {
  const now = seconds(options)
  let headers: HeaderReader
  try {
    headers = headersOf(source)
  } catch {
    headers = { get: () => null }
  }
  const header = safeGet(headers, 'cookie') ?? ''
  const incoming = options.tokenHeader === undefined ? readCookies(header, options.cookie) : readBearer(safeGet(headers, 'authorization'))
  const binding = await bindingOf(options, headers)
  const fresh = (names = incoming.names): SessionState<T> => {
    const session = new SessionState<T>(options, now, names)
    if (binding !== null) session.binding = binding
    return session
  }
  if (incoming.token === undefined) {
    if (incoming.reason !== undefined) emit(options, { type: 'invalid', reason: incoming.reason })
    return fresh()
  }
  const opened = await options.format.open(incoming.token, now)
  if (!opened.ok) {
    emit(options, opened.reason === 'expired' ? { type: 'expired', reason: 'header' } : { type: 'invalid', reason: opened.reason })
    return fresh()
  }
  const { envelope } = opened
  const skew = options.skew
  const idle = envelope.t ?? options.idleTimeout
  if (envelope.x + skew <= now || envelope.a + idle + skew <= now) {
    await emitHashed(options, envelope.i, (sessionIdHash) => ({
      type: 'expired',
      sessionIdHash,
      reason: envelope.x + skew <= now ? 'absolute' : 'idle',
    }))
    return fresh()
  }
  // A session bound to another client value (or whose value cannot be computed) ends.
  if (envelope.b !== undefined && binding !== undefined && (binding === null || !timingSafeEqual(encoder.encode(binding), encoder.encode(envelope.b)))) {
    emit(options, { type: 'invalid', reason: 'binding' })
    return fresh()
  }
  const session = new SessionState<T>(options, now, incoming.names, envelope, opened.keyId)
  if (binding !== undefined && binding !== null && envelope.b === undefined) {
    session.binding = binding
    session.resealDue = true
  }
  const store = options.revocations
  const subject = envelope.s
  const due = envelope.r === undefined || now - envelope.r >= options.revalidateAfter || envelope.r > now + skew
  if (store !== undefined && subject !== undefined && due) {
    let revoked: boolean
    try {
      revoked = await withTimeout(store.isRevoked({ sessionId: envelope.i, subject, createdAt: envelope.c }), options.revocationTimeout)
    } catch {
      await emitHashed(options, envelope.i, (sessionIdHash) => ({ type: 'revocation-error', sessionIdHash, failOpen: options.failOpen }))
      // Fail closed: signed out for this request, but the cookie stays for the next one.
      return options.failOpen ? session : fresh([])
    }
    if (revoked) {
      await emitHashed(options, envelope.i, (sessionIdHash) => ({ type: 'revoked', sessionIdHash }))
      return fresh()
    }
    session.checkedAt = now
    session.resealDue = true
  }
  return session
}

async function commit<T extends SessionData<T>>(options: ResolvedOptions, session: Session<T>): Promise<SessionCommit> {
  if (!(session instanceof SessionState)) {
    throw new TypeError('commit() takes a session returned by load() of the same createSessions()')
  }
  const now = seconds(options)
  const newest = options.secrets[0]!.id
  const rotated = session.loadedKeyId !== undefined && session.loadedKeyId !== newest
  const due = !session.isNew && !session.destroyed && (rotated || session.resealDue || now - session.lastSealed >= options.refreshAfter)
  const setCookie: string[] = []
  let written: readonly string[] = []

  let bearer: string | undefined
  if (session.dirty || due) {
    const expiresAt = Math.min(session.absoluteExpiry, now + session.idleTimeout)
    if (expiresAt > now) {
      const token = await options.format.seal(session.envelope(now), expiresAt, now)
      let cookies: readonly (readonly [string, string])[]
      try {
        if (options.tokenHeader !== undefined) checkBearerSize(token)
        cookies = options.tokenHeader === undefined ? layOut(options.cookie, token) : []
      } catch (error) {
        if (error instanceof SessionTooLargeError) {
          await emitHashed(options, session.id, (sessionIdHash) => ({ type: 'too-large', sessionIdHash, size: error.size, limit: error.limit }))
        }
        throw error
      }
      for (const [name, value] of cookies) setCookie.push(serializeCookie(options.cookie, name, value, expiresAt - now))
      written = cookies.map(([name]) => name)
      bearer = token
      const type = session.isNew || session.destroyed ? 'created' : rotated ? 'rotated' : session.dirty ? undefined : 'refreshed'
      if (type === 'rotated') {
        await emitHashed(options, session.id, (sessionIdHash) => ({ type, sessionIdHash, fromKeyId: session.loadedKeyId!, toKeyId: newest }))
      } else if (type !== undefined) {
        await emitHashed(options, session.id, (sessionIdHash) => ({ type, sessionIdHash }))
      }
      session.lastSealed = now
    }
  } else if (session.destroyed) {
    await emitHashed(options, session.id, (sessionIdHash) => ({ type: 'destroyed', sessionIdHash }))
  }

  if (options.tokenHeader !== undefined) {
    const destroyed = session.destroyed && bearer === undefined
    session.dirty = false
    session.destroyed = false
    session.resealDue = false
    if (bearer !== undefined) return bearerCommitOf(options.tokenHeader, bearer)
    return destroyed ? bearerCommitOf(options.tokenHeader, '') : NOTHING
  }

  // Expire every cookie of ours the browser holds that this response does not overwrite:
  // the old token after destroy(), stale chunks after a resize, or a garbage value.
  const replaced = setCookie.length > 0 || session.destroyed || !session.cookiesCurrent
  if (replaced) {
    const stale = new Set(session.cookieNames)
    if (session.destroyed) stale.add(options.cookie.name)
    for (const name of written) stale.delete(name)
    for (const name of stale) setCookie.push(expireCookie(options.cookie, name))
    session.cookieNames = written
    session.cookiesCurrent = true
  }
  session.dirty = false
  session.destroyed = false
  session.resealDue = false
  return setCookie.length === 0 ? NOTHING : commitOf(setCookie)
}

/** Rejects when `promise` has not settled within `ms`: a store that hangs counts as failing. */
function withTimeout<V>(promise: Promise<V>, ms: number): Promise<V> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('revocation check timed out')), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function emit(options: ResolvedOptions, event: SessionEvent): void {
  if (options.onEvent === undefined) return
  try {
    options.onEvent(event)
  } catch {
    // A failing event handler must not fail the request.
  }
}

/** Hashes the id only when someone listens: no digest on the hot path otherwise. */
async function emitHashed(options: ResolvedOptions, id: string, make: (sessionIdHash: string) => SessionEvent): Promise<void> {
  if (options.onEvent === undefined) return
  emit(options, make(await hashSessionId(id)))
}
