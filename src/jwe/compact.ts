import type { InvalidReason } from '../errors.js'
import { decodeBase64url } from '../format/base64url.js'

/**
 * Reads a JWE compact serialization (RFC 7516 §7.1) and checks everything that can be
 * checked without a key, before any decryption. No jose here: `inspect` uses it without
 * the optional dependency.
 *
 *   BASE64URL(protected header) . (empty: no encrypted key) . BASE64URL(IV) . BASE64URL(ciphertext) . BASE64URL(tag)
 */

/** The content encryption this reader accepts. Sessions use A256GCM only; A128GCM exists so tests can read RFC 7520 §5.6. */
export type ContentEncryption = 'A256GCM' | 'A128GCM'

export interface JweHeader {
  readonly alg: 'dir'
  readonly enc: ContentEncryption
  readonly kid: string
}

export type ReadJwe =
  | { readonly ok: true; readonly header: JweHeader; readonly ciphertextLength: number }
  | {
      readonly ok: false
      readonly reason: InvalidReason
      /** Why, for people (the CLI): names only what is visible without a key. */
      readonly detail: string
      /** The decoded protected header, when it was a JSON object. */
      readonly header?: Readonly<Record<string, unknown>>
    }

/** Cookies hold at most 4 × 4096 bytes; anything longer is not a session token. */
export const MAX_JWE_LENGTH: number = 64 * 1024

// RFC 8725 §3.1 and §2.1: accept exactly one algorithm pair; header members such as
// jku, jwk, x5u (key injection) or zip (CVE-2024-28176: decompression bombs) and crit
// (RFC 7515 §4.1.11: extensions we would have to understand) are refused, not ignored.
const ALLOWED_MEMBERS: ReadonlySet<string> = new Set(['alg', 'enc', 'kid'])
const IV_BYTES = 12 // RFC 7518 §5.3: 96-bit IV
const TAG_BYTES = 16 // RFC 7518 §5.3: 128-bit tag

const decoder = new TextDecoder('utf-8', { fatal: true })

/** Splits and checks a compact JWE for `dir` + `enc`; nothing here decrypts. */
export function readCompact(token: string, enc: ContentEncryption = 'A256GCM'): ReadJwe {
  if (typeof token !== 'string') return refuse('malformed', 'the token is not a string')
  if (token.length > MAX_JWE_LENGTH) return refuse('too-long', `the token has ${token.length} characters; at most ${MAX_JWE_LENGTH}`)
  const parts = token.split('.')
  if (parts.length !== 5) return refuse('malformed', `a compact JWE has 5 segments separated by '.', this has ${parts.length}`)
  const [encodedHeader, encryptedKey, encodedIv, encodedCiphertext, encodedTag] = parts as [string, string, string, string, string]
  const header = decodeHeader(encodedHeader)
  if (header === undefined) return refuse('malformed', 'the protected header is not base64url-encoded JSON object text')
  for (const member of Object.keys(header)) {
    if (!ALLOWED_MEMBERS.has(member)) {
      return refuse('version', `header member ${JSON.stringify(member)} is not accepted (only alg, enc and kid are)`, header)
    }
  }
  if (header['alg'] !== 'dir') return refuse('version', `alg ${JSON.stringify(header['alg'])} is not accepted (only "dir")`, header)
  if (header['enc'] !== enc) return refuse('version', `enc ${JSON.stringify(header['enc'])} is not accepted (only "${enc}")`, header)
  const kid = header['kid']
  if (kid === undefined) return refuse('unknown-key', 'the header has no kid', header)
  if (typeof kid !== 'string') return refuse('malformed', 'kid is not a string', header)
  // RFC 7516 §5.2 step 10: with direct encryption the JWE Encrypted Key must be empty.
  if (encryptedKey !== '') return refuse('malformed', 'alg "dir" takes an empty encrypted key segment', header)
  if (decodeBase64url(encodedIv)?.length !== IV_BYTES) return refuse('malformed', `the IV is not ${IV_BYTES} bytes of base64url`, header)
  const ciphertext = decodeBase64url(encodedCiphertext)
  if (ciphertext === undefined) return refuse('malformed', 'the ciphertext is not base64url', header)
  if (decodeBase64url(encodedTag)?.length !== TAG_BYTES) return refuse('malformed', `the tag is not ${TAG_BYTES} bytes of base64url`, header)
  return { ok: true, header: { alg: 'dir', enc, kid }, ciphertextLength: ciphertext.length }
}

/** The protected header as a JSON object, or `undefined`. */
export function decodeHeader(segment: string): Record<string, unknown> | undefined {
  const bytes = decodeBase64url(segment)
  if (bytes === undefined) return undefined
  try {
    const value: unknown = JSON.parse(decoder.decode(bytes))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

function refuse(reason: InvalidReason, detail: string, header?: Record<string, unknown>): ReadJwe {
  return header === undefined ? { ok: false, reason, detail } : { ok: false, reason, detail, header }
}
