import type { IncomingCookies } from '../cookie/parse.js'
import { SessionTooLargeError } from '../errors.js'

/** Header sizes servers accept (Node: 16 KiB for all headers): a bearer token stays under 8 KiB. */
export const MAX_BEARER_BYTES = 8192

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token; the scheme is case-insensitive (RFC 9110 §11.1).
const BEARER = /^bearer +([^ ]*) *$/i

/**
 * Reads a session token from `Authorization: Bearer …` only: with the bearer transport
 * cookies are never read, and nothing falls back to a query string (RFC 6750 §2.3
 * discourages URI tokens: they end up in logs and Referer headers).
 */
export function readBearer(authorization: string | null): IncomingCookies {
  if (authorization === null) return { names: [] }
  const match = BEARER.exec(authorization)
  // Another scheme (Basic, …) is not ours: no session, and nothing to report.
  if (match === null) return /^bearer\b/i.test(authorization) ? { names: [], reason: 'malformed' } : { names: [] }
  const token = match[1]!
  if (token.length === 0) return { names: [], reason: 'malformed' }
  if (token.length > MAX_BEARER_BYTES) return { names: [], reason: 'too-long' }
  return { names: [], token }
}

export function checkBearerSize(token: string): void {
  if (token.length > MAX_BEARER_BYTES) {
    throw new SessionTooLargeError('Authorization', token.length, MAX_BEARER_BYTES, 'Store less in the session: servers refuse larger headers.')
  }
}
