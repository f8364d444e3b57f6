import { SessionTooLargeError } from '../errors.js'
import { MAX_CHUNKS, MAX_COOKIE_BYTES, type ResolvedCookie } from './options.js'

/** One Set-Cookie value. Name and value are ASCII by construction (token name, base64url value). */
export function serializeCookie(cookie: ResolvedCookie, name: string, value: string, maxAge: number): string {
  return `${name}=${value}; Max-Age=${maxAge}${cookie.attributes}`
}

/** A Set-Cookie value that makes the browser forget `name` (RFC 6265 §5.3 step 11: Max-Age=0). */
export function expireCookie(cookie: ResolvedCookie, name: string): string {
  return `${name}=; Max-Age=0${cookie.attributes}`
}

export function chunkName(cookie: ResolvedCookie, index: number): string {
  return `${cookie.name}.${index}`
}

/**
 * Lays a token out over cookies: the plain name when it fits, else `name.0`…`name.k`
 * when chunking is allowed. Throws `SessionTooLargeError` before producing anything a
 * browser would drop.
 */
export function layOut(cookie: ResolvedCookie, token: string): readonly (readonly [string, string])[] {
  if (cookie.name.length + token.length <= MAX_COOKIE_BYTES) return [[cookie.name, token]]
  if (cookie.maxChunks > 1) {
    // Every chunk name has the same length while the index stays one digit (cap 4).
    const room = MAX_COOKIE_BYTES - chunkName(cookie, 0).length
    const count = Math.ceil(token.length / room)
    if (count <= cookie.maxChunks) {
      const out: (readonly [string, string])[] = []
      for (let i = 0; i < count; i++) out.push([chunkName(cookie, i), token.slice(i * room, (i + 1) * room)])
      return out
    }
    const needed = token.length + count * chunkName(cookie, 0).length
    throw new SessionTooLargeError(
      cookie.name,
      needed,
      cookie.maxChunks * MAX_COOKIE_BYTES,
      `Even ${cookie.maxChunks} chunks are not enough: store less in the session.`,
    )
  }
  const chunks = Math.ceil(token.length / (MAX_COOKIE_BYTES - chunkName(cookie, 0).length))
  throw new SessionTooLargeError(
    cookie.name,
    cookie.name.length + token.length,
    MAX_COOKIE_BYTES,
    'Store less in the session (keep large data server-side and store its key)' +
      (chunks <= MAX_CHUNKS ? `, or allow chunking with cookie: { maxChunks: ${chunks} }.` : '.'),
  )
}
