import type { CommittedCookie } from '../cookie/serialize.js'
import type { Json } from '../session/envelope.js'
import { emit, emitHashed } from '../session/events.js'
import type { LegacyCookieName, LegacyReaderSpec, LegacySession } from '../session/legacy.js'
import type { ResolvedOptions } from '../session/options.js'
import type { SessionData, SessionState } from '../session/session.js'
import type { HeaderReader } from '../transport/transport.js'

/**
 * Issue 24: a request with no cookie of ours and a legacy cookie that verifies becomes a
 * session of ours. Readers are asked in order; the first cookie found decides (verified
 * or refused: a refused one is ignored like any bad cookie, with an event). Returns
 * whether `session` was filled in. Never throws for anything a client sent.
 */
export async function migrateLegacy<T extends SessionData<T>>(options: ResolvedOptions, headers: HeaderReader, session: SessionState<T>, nowMs: number): Promise<boolean> {
  const header = headers.get('cookie') ?? ''
  for (const spec of options.migrate) {
    const read = await spec.read(header, nowMs)
    if (!read.found) continue
    if (!read.ok) {
      emit(options.onEvent, { type: 'legacy-refused', reader: spec.reader, reason: read.reason })
      continue
    }
    if (!read.newest) emit(options.onEvent, { type: 'old-secret', reader: spec.reader, keyId: read.keyId })
    const mapped = mapped_(spec, read.value)
    if (mapped === undefined) {
      emit(options.onEvent, { type: 'legacy-refused', reader: spec.reader, reason: 'map' })
      continue
    }
    if (mapped.subject !== undefined) {
      try {
        await session.login(mapped.subject)
      } catch {
        // A store that cannot record the sign-in (or a 'refuse' limit): not migrated now,
        // and the legacy cookie is kept, so the next request tries again.
        emit(options.onEvent, { type: 'legacy-refused', reader: spec.reader, reason: 'sign-in' })
        return false
      }
    }
    session.migrated(mapped.data, read.cookies.map((cookie) => expiredLegacyCookie(options, cookie)))
    await emitHashed(options.onEvent, session.id, (sessionIdHash) => ({ type: 'legacy-migrated', reader: spec.reader, sessionIdHash }))
    return true
  }
  return false
}

/**
 * Legacy cookies sent next to a session of ours: expired on this request's commit, so an
 * old cookie whose removal was lost (a commitSession() that sends one cookie, a response
 * that never arrived) cannot bring a session back after the user signs out.
 */
export function sentLegacyCookies(options: ResolvedOptions, headers: HeaderReader): readonly CommittedCookie[] {
  const header = headers.get('cookie')
  if (header === null) return []
  return options.migrate.flatMap((spec) => spec.sent(header).map((cookie) => expiredLegacyCookie(options, cookie)))
}

/** The application's `map`, guarded: a throw or a result that is not `{ data: object, subject?: string }` is a refusal. */
function mapped_(spec: LegacyReaderSpec, value: unknown): LegacySession | undefined {
  let result: unknown
  try {
    result = spec.map(value)
  } catch {
    return undefined
  }
  if (typeof result !== 'object' || result === null) return undefined
  const { subject, data } = result as { subject?: unknown; data?: unknown }
  if (subject !== undefined && (typeof subject !== 'string' || subject.length === 0)) return undefined
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined
  return { subject, data: data as Record<string, Json | undefined> }
}

/**
 * Removes a legacy cookie (RFC 6265 §5.3 step 11: Max-Age=0 with the same name, path and
 * domain). A `__Secure-`/`__Host-` name is only accepted with Secure, so it carries it;
 * others follow our cookie's Secure setting.
 */
function expiredLegacyCookie(options: ResolvedOptions, cookie: LegacyCookieName): CommittedCookie {
  const out: { -readonly [K in keyof CommittedCookie]: CommittedCookie[K] } = {
    name: cookie.name,
    value: '',
    maxAge: 0,
    path: cookie.path,
    secure: options.cookie.secure || cookie.name.startsWith('__Secure-') || cookie.name.startsWith('__Host-'),
    httpOnly: true,
    sameSite: 'Lax',
    partitioned: false,
  }
  if (cookie.domain !== undefined) out.domain = cookie.domain
  return out
}
