import { isRecord, recordOf, toEnvelope, type Envelope, type SessionRecord } from '../session/envelope.js'

/**
 * The JWE plaintext: a JWT claims set (RFC 7519 §4.1) that any JOSE library reads,
 *
 *   `{ "iat": a, "exp": expiresAt, "jti": i, "sub": s?, "ss": { c, x, d, …the optional keys } }`
 *
 * with every other key of the session envelope (docs/FORMAT.md §Session payload) under
 * one private claim, `ss` (RFC 7519 §4.3). `exp` is the token's expiry: min(absolute expiry,
 * last sealed + idle timeout), so another service needs no other time check.
 */
export interface SessionClaims {
  /** Last sealed at (the envelope's `a`), Unix seconds. */
  readonly iat: number
  /** The token's expiry, Unix seconds. */
  readonly exp: number
  /** The session id (the envelope's `i`). */
  readonly jti: string
  /** The subject after `login()`; absent for an anonymous session. */
  readonly sub?: string
  /** The rest of the envelope. */
  readonly ss: Omit<Envelope, 'i' | 'a' | 's'>
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function encodeClaims(record: SessionRecord, expiresAt: number): Uint8Array<ArrayBuffer> {
  // Everything but i, a and s goes under ss, so a key added to the envelope later is carried as v1 carries it.
  const { i, a, s, ...rest } = toEnvelope(record)
  const claims: SessionClaims = { iat: a, exp: expiresAt, jti: i, ...(s !== undefined && { sub: s }), ss: rest }
  return encoder.encode(JSON.stringify(claims))
}

export interface DecodedClaims {
  /** The claims set exactly as sealed, for display (the CLI). */
  readonly claims: Readonly<Record<string, unknown>>
  readonly record: SessionRecord
  readonly exp: number
}

/**
 * Parses a decrypted claims set back into a session record, checked by the same
 * `recordOf()` as v1 payloads; `undefined` if it is not a session. Unknown claims are
 * ignored, as unknown envelope keys are.
 */
export function decodeClaims(plaintext: Uint8Array<ArrayBuffer>): DecodedClaims | undefined {
  let claims: unknown
  try {
    claims = JSON.parse(decoder.decode(plaintext))
  } catch {
    return undefined
  }
  if (!isRecord(claims) || !isRecord(claims['ss'])) return undefined
  const { iat, exp, jti, sub, ss } = claims as { iat: unknown; exp: unknown; jti: unknown; sub: unknown; ss: Record<string, unknown> }
  if (typeof exp !== 'number' || !Number.isInteger(exp) || exp < 0 || exp > 0xffffffff) return undefined
  // The claims, not ss, say i, a and s; recordOf() then checks the whole as it checks v1 payloads.
  const { i: _i, a: _a, s: _s, ...rest } = ss
  const record = recordOf(sub === undefined ? { ...rest, i: jti, a: iat } : { ...rest, i: jti, a: iat, s: sub })
  return record === undefined ? undefined : { claims, record, exp }
}
