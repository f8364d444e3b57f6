import { SessionTooLargeError } from '../errors.js'
import { MAX_CHUNKS, MAX_COOKIE_BYTES } from '../limits.js'
import { CHUNK_PREFIX_LENGTH, chunkPrefix, chunkRoom } from './chunks.js'
import type { ResolvedCookie } from './options.js'

/**
 * One cookie a commit sets or removes, with its attributes: what a framework's cookie
 * store takes (`cookies().set(cookie)` in Next.js) and what `serializeCookie()` turns
 * into a Set-Cookie value.
 */
export interface CommittedCookie {
  /** The cookie name (`name.0`, `name.1`, … for chunks). */
  readonly name: string
  /** Empty when the cookie is being removed. */
  readonly value: string
  /**
   * Seconds; 0 removes the cookie (RFC 6265 §5.3 step 11). Absent for a browser-session
   * cookie (`cookie.persistent: false`): no Max-Age, kept until the browser closes.
   */
  readonly maxAge?: number
  /** The Path attribute, as configured. */
  readonly path: string
  /** The Domain attribute; absent for a host-only cookie (the default). */
  readonly domain?: string
  /** The Secure attribute. */
  readonly secure: boolean
  /** The HttpOnly attribute. */
  readonly httpOnly: boolean
  /** The SameSite attribute. */
  readonly sameSite: 'Strict' | 'Lax' | 'None'
  /** The Partitioned attribute (CHIPS). */
  readonly partitioned: boolean
}

/** The cookie `name=value` with the configured attributes. */
export function cookieOf(cookie: ResolvedCookie, name: string, value: string, maxAge: number): CommittedCookie {
  const out: { -readonly [K in keyof CommittedCookie]: CommittedCookie[K] } = {
    name,
    value,
    path: cookie.path,
    secure: cookie.secure,
    httpOnly: cookie.httpOnly,
    sameSite: cookie.sameSite,
    partitioned: cookie.partitioned,
  }
  if (cookie.domain !== undefined) out.domain = cookie.domain
  // A removal always carries Max-Age=0; a browser-session cookie carries none.
  if (maxAge === 0 || cookie.persistent) out.maxAge = maxAge
  return out
}

/** Whether a committed cookie removes itself (Max-Age=0) rather than setting a value. */
export function isRemoval(cookie: CommittedCookie): boolean {
  return cookie.maxAge === 0
}

/** A cookie that makes the browser forget `name` (RFC 6265 §5.3 step 11: Max-Age=0). */
export function expiredCookie(cookie: ResolvedCookie, name: string): CommittedCookie {
  return cookieOf(cookie, name, '', 0)
}

/**
 * One Set-Cookie value. Name and value are ASCII by construction (token name, base64url
 * value), and the attributes were checked by `resolveCookie()`.
 */
export function serializeCookie(cookie: CommittedCookie): string {
  let line = `${cookie.name}=${cookie.value}${cookie.maxAge === undefined ? '' : `; Max-Age=${cookie.maxAge}`}; Path=${cookie.path}`
  if (cookie.domain !== undefined) line += `; Domain=${cookie.domain}`
  if (cookie.secure) line += '; Secure'
  if (cookie.httpOnly) line += '; HttpOnly'
  line += `; SameSite=${cookie.sameSite}`
  if (cookie.partitioned) line += '; Partitioned'
  return line
}

export function chunkName(cookie: ResolvedCookie, index: number): string {
  return `${cookie.name}.${index}`
}

/**
 * What a token costs as cookies (every name and `=` included, as browsers count it) and
 * what `maxChunks` cookies may hold: the figures `layOut()` checks.
 */
export function cookieSize(cookie: ResolvedCookie, token: string): { readonly size: number; readonly limit: number } {
  const limit = cookie.maxChunks * MAX_COOKIE_BYTES
  if (cookie.name.length + token.length <= MAX_COOKIE_BYTES) return { size: cookie.name.length + token.length, limit }
  const name = chunkName(cookie, 0).length
  return { size: token.length + Math.ceil(token.length / chunkRoom(cookie.name)) * (name + CHUNK_PREFIX_LENGTH), limit }
}

/**
 * Lays a token out over cookies: the plain name when it fits, else `name.0`…`name.k`
 * when chunking is allowed, each value behind the set's prefix (src/cookie/chunks.ts).
 * Throws `SessionTooLargeError` before producing anything a browser would drop.
 */
export function layOut(cookie: ResolvedCookie, token: string): readonly (readonly [string, string])[] {
  if (cookie.name.length + token.length <= MAX_COOKIE_BYTES) return [[cookie.name, token]]
  if (cookie.maxChunks > 1) {
    // Every chunk name has the same length while the index stays one digit (cap 4).
    const room = chunkRoom(cookie.name)
    const count = Math.ceil(token.length / room)
    if (count <= cookie.maxChunks) {
      const prefix = chunkPrefix(count, token)
      const out: (readonly [string, string])[] = []
      for (let i = 0; i < count; i++) out.push([chunkName(cookie, i), prefix + token.slice(i * room, (i + 1) * room)])
      return out
    }
    const needed = token.length + count * (chunkName(cookie, 0).length + CHUNK_PREFIX_LENGTH)
    throw new SessionTooLargeError(
      cookie.name,
      needed,
      cookie.maxChunks * MAX_COOKIE_BYTES,
      `Even ${cookie.maxChunks} chunks are not enough: store less in the session.`,
    )
  }
  const chunks = Math.ceil(token.length / chunkRoom(cookie.name))
  throw new SessionTooLargeError(
    cookie.name,
    cookie.name.length + token.length,
    MAX_COOKIE_BYTES,
    'Store less in the session (keep large data server-side and store its key)' +
      (chunks <= MAX_CHUNKS ? `, or allow chunking with cookie: { maxChunks: ${chunks} }.` : '.'),
  )
}
