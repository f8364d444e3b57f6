import type { Json } from '../json.js'

export type { Json }

/**
 * A session as the engine sees it, with readable names. Times are Unix seconds. The
 * formats turn it into their wire form and back at their boundary: v1 into the short
 * keys of `Envelope`, JWE into JWT claims.
 */
export interface SessionRecord {
  /** 16 random bytes, base64url (22 characters). */
  readonly id: string
  /** Created at (login or first save). */
  readonly createdAt: number
  /** Absolute expiry: `createdAt + maxAge`; no refresh extends it. */
  readonly absoluteExpiry: number
  /** Last sealed at: the idle expiry is `lastSealed + idleTimeout`. */
  readonly lastSealed: number
  /** Per-session idle timeout in seconds, when `login()` set one. */
  readonly idleTimeout?: number
  /** The user id given to `login()`. */
  readonly subject?: string
  /** When the revocation store was last asked about this session. */
  readonly checkedAt?: number
  /** The application's data. */
  readonly data: { readonly [key: string]: Json }
  /** Values for the next request only. */
  readonly flashes?: { readonly [key: string]: Json }
  /** A digest of the `binding` hook's value. */
  readonly binding?: string
  /** The CSRF secret, once `csrfToken()` was called. */
  readonly csrfSecret?: string
  /**
   * Signed in through a store's session directory: checked against the user's list of
   * sessions (an allow list) rather than the deny list. Sealed, so a client cannot drop it.
   */
  readonly listed?: true
}

/**
 * The sealed plaintext of a v1 session cookie: UTF-8 JSON with short keys
 * (docs/FORMAT.md §Session payload). Only the formats use these names.
 */
export interface Envelope {
  /** `SessionRecord.id`. */
  readonly i: string
  /** `SessionRecord.createdAt`. */
  readonly c: number
  /** `SessionRecord.absoluteExpiry`. */
  readonly x: number
  /** `SessionRecord.lastSealed`. */
  readonly a: number
  /** `SessionRecord.idleTimeout`. */
  readonly t?: number
  /** `SessionRecord.subject`. */
  readonly s?: string
  /** `SessionRecord.checkedAt`. */
  readonly r?: number
  /** `SessionRecord.data`. */
  readonly d: { readonly [key: string]: Json }
  /** `SessionRecord.flashes`. */
  readonly f?: { readonly [key: string]: Json }
  /** `SessionRecord.binding`. */
  readonly b?: string
  /** `SessionRecord.csrfSecret`. */
  readonly k?: string
  /** `SessionRecord.listed`: 1 when set. */
  readonly l?: 1
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const encoder = new TextEncoder()
// Not fatal: the plaintext was authenticated, so it is UTF-8 we encoded ourselves, and
// strict validation costs about 3× the decode.
const decoder = new TextDecoder()
const ID = /^[A-Za-z0-9_-]{22}$/

/** The wire form of a record (short keys; absent fields left out, flashes only when any). */
export function toEnvelope(record: SessionRecord): Envelope {
  const out: Mutable<Envelope> = { i: record.id, c: record.createdAt, x: record.absoluteExpiry, a: record.lastSealed, d: record.data }
  if (record.idleTimeout !== undefined) out.t = record.idleTimeout
  if (record.subject !== undefined) out.s = record.subject
  if (record.checkedAt !== undefined) out.r = record.checkedAt
  if (record.flashes !== undefined && Object.keys(record.flashes).length > 0) out.f = record.flashes
  if (record.binding !== undefined) out.b = record.binding
  if (record.csrfSecret !== undefined) out.k = record.csrfSecret
  if (record.listed === true) out.l = 1
  return out
}

export function encodeEnvelope(record: SessionRecord): Uint8Array<ArrayBuffer> {
  return encoder.encode(JSON.stringify(toEnvelope(record)))
}

/** Parses and checks a decrypted v1 payload; `undefined` if it is not a session. */
export function decodeEnvelope(bytes: Uint8Array<ArrayBuffer>): SessionRecord | undefined {
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(bytes))
  } catch {
    return undefined
  }
  return recordOf(value)
}

/**
 * Checks an already parsed wire object (v1 payload, or the JWE claims mapped back to the
 * short keys) and names its fields; `undefined` if it is not a session. Unknown keys are ignored.
 */
export function recordOf(value: unknown): SessionRecord | undefined {
  if (!isRecord(value)) return undefined
  const { i, c, x, a, t, s, r, d, f, b, k, l } = value
  if (typeof i !== 'string' || !ID.test(i)) return undefined
  if (!isTime(c) || !isTime(x) || !isTime(a)) return undefined
  if (t !== undefined && !isTime(t)) return undefined
  if (r !== undefined && !isTime(r)) return undefined
  if (s !== undefined && typeof s !== 'string') return undefined
  if (b !== undefined && typeof b !== 'string') return undefined
  if (k !== undefined && (typeof k !== 'string' || !ID.test(k))) return undefined
  if (!isRecord(d) || (f !== undefined && !isRecord(f))) return undefined
  if (l !== undefined && (l !== 1 || s === undefined)) return undefined
  const record: Mutable<SessionRecord> = { id: i, createdAt: c, absoluteExpiry: x, lastSealed: a, data: d as SessionRecord['data'] }
  if (t !== undefined) record.idleTimeout = t
  if (s !== undefined) record.subject = s
  if (r !== undefined) record.checkedAt = r
  if (f !== undefined) record.flashes = f as SessionRecord['data']
  if (b !== undefined) record.binding = b
  if (k !== undefined) record.csrfSecret = k
  if (l === 1) record.listed = true
  return record
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff
}
