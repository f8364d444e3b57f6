import { SessionTooLargeError } from '../errors.js'
import { MAX_BEARER_BYTES } from '../limits.js'
import { bearerCommit, NOTHING } from './commit.js'
import type { Incoming, Transport } from './transport.js'

const NONE: Incoming = Object.freeze({ names: Object.freeze([]) })
const SCHEME = 'bearer'
/** Room for the scheme and a few spaces around a token of the largest size we issue. */
const MAX_AUTHORIZATION = MAX_BEARER_BYTES + 64

/**
 * `Authorization: Bearer <token>` in, the `header` response header out. Cookies are never
 * read, and nothing falls back to a query string (RFC 6750 §2.3 discourages URI tokens:
 * they end up in logs and Referer headers). The purpose differs from the cookie's, so
 * the two kinds of token are not interchangeable.
 */
export function bearerTransport(header: string, cookieName: string): Transport {
  return {
    purpose: `bearer:${cookieName}`,
    read: (headers) => readBearer(headers.get('authorization')),
    write({ token, destroyed }) {
      if (token === undefined) return destroyed ? bearerCommit(header, '') : NOTHING
      if (token.length > MAX_BEARER_BYTES) {
        throw new SessionTooLargeError('Authorization', token.length, MAX_BEARER_BYTES, 'Store less in the session: servers refuse larger headers.')
      }
      return bearerCommit(header, token)
    },
    measure: (token) => ({ size: token.length, limit: MAX_BEARER_BYTES }),
  }
}

/**
 * RFC 6750 §2.1: `credentials = "Bearer" 1*SP b64token`, the scheme case-insensitive
 * (RFC 9110 §11.1). One linear pass and a length check first, no regular expression: a
 * backtracking pattern made a 32 KB header of spaces cost half a second.
 */
export function readBearer(authorization: string | null): Incoming {
  if (authorization === null) return NONE
  const length = authorization.length
  // Another scheme (Basic, …) is not ours: no session, and nothing to report.
  if (length < SCHEME.length || authorization.slice(0, SCHEME.length).toLowerCase() !== SCHEME) return NONE
  if (length > SCHEME.length && !isSpace(authorization.charCodeAt(SCHEME.length))) return NONE
  if (length > MAX_AUTHORIZATION) return { names: [], reason: 'too-long' }
  let start = SCHEME.length
  while (start < length && authorization.charCodeAt(start) === 32) start++
  let end = length
  while (end > start && authorization.charCodeAt(end - 1) === 32) end--
  if (start === end || start === SCHEME.length) return { names: [], reason: 'malformed' }
  for (let i = start; i < end; i++) if (isSpace(authorization.charCodeAt(i))) return { names: [], reason: 'malformed' }
  if (end - start > MAX_BEARER_BYTES) return { names: [], reason: 'too-long' }
  return { names: [], token: authorization.slice(start, end) }
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9
}
