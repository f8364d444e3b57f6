import type { Json } from '../json.js'

export type { Json }

/**
 * The sealed plaintext of a session cookie: UTF-8 JSON with short keys
 * (docs/FORMAT.md §Session payload). Times are Unix seconds.
 */
export interface Envelope {
  /** Session id: 16 random bytes, base64url (22 characters). */
  readonly i: string
  /** Created at (login or first save). */
  readonly c: number
  /** Absolute expiry: `c + maxAge`. */
  readonly x: number
  /** Last sealed at: idle expiry is `a + idleTimeout`. */
  readonly a: number
  /** Per-session idle timeout in seconds, when `login()` set one. */
  readonly t?: number
  /** Subject (user id) after `login()`. */
  readonly s?: string
  /** When the revocation store was last asked about this session. */
  readonly r?: number
  /** Application data. */
  readonly d: { readonly [key: string]: Json }
  /** Flash values, each read once. */
  readonly f?: { readonly [key: string]: Json }
  /** Client binding: a digest of the `binding` hook's value, when one is configured. */
  readonly b?: string
  /** CSRF secret (16 random bytes, base64url), once `csrfToken()` was called. */
  readonly k?: string
}

const encoder = new TextEncoder()
// Not fatal: the plaintext was authenticated, so it is UTF-8 we encoded ourselves, and
// strict validation costs about 3× the decode.
const decoder = new TextDecoder()
const ID = /^[A-Za-z0-9_-]{22}$/

export function encodeEnvelope(envelope: Envelope): Uint8Array<ArrayBuffer> {
  return encoder.encode(JSON.stringify(envelope))
}

/** Parses and checks a decrypted payload; `undefined` if it is not a v1 session. */
export function decodeEnvelope(bytes: Uint8Array<ArrayBuffer>): Envelope | undefined {
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(bytes))
  } catch {
    return undefined
  }
  if (!isRecord(value)) return undefined
  const { i, c, x, a, t, s, r, d, f, b, k } = value
  if (typeof i !== 'string' || !ID.test(i)) return undefined
  if (!isTime(c) || !isTime(x) || !isTime(a)) return undefined
  if (t !== undefined && !isTime(t)) return undefined
  if (r !== undefined && !isTime(r)) return undefined
  if (s !== undefined && typeof s !== 'string') return undefined
  if (b !== undefined && typeof b !== 'string') return undefined
  if (k !== undefined && (typeof k !== 'string' || !ID.test(k))) return undefined
  if (!isRecord(d) || (f !== undefined && !isRecord(f))) return undefined
  const envelope: { -readonly [K in keyof Envelope]: Envelope[K] } = { i, c, x, a, d: d as Envelope['d'] }
  if (t !== undefined) envelope.t = t
  if (s !== undefined) envelope.s = s
  if (r !== undefined) envelope.r = r
  if (f !== undefined) envelope.f = f as Envelope['d']
  if (b !== undefined) envelope.b = b
  if (k !== undefined) envelope.k = k
  return envelope
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff
}
