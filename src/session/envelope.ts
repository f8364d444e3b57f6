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
  /**
   * The session's data is in the `overflow` store: this names the one stored copy the
   * cookie may read (its version and the SHA-256 of the sealed blob). `data` and
   * `flashes` are then empty in the token and filled from the store on load.
   */
  readonly stored?: StoredReference
}

/** The copy of a session's data in the `overflow` store that a cookie refers to. */
export interface StoredReference {
  /** The stored copy's version. */
  readonly version: number
  /** SHA-256 of the stored blob (its ASCII characters), base64url without padding: 43 characters. */
  readonly digest: string
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
  /** `SessionRecord.stored`: [version, digest]. */
  readonly o?: readonly [number, string]
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
  if (record.stored !== undefined) out.o = [record.stored.version, record.stored.digest]
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
  const { i, c, x, a, t, s, r, d, f, b, k, l, o } = value
  if (typeof i !== 'string' || !ID.test(i)) return undefined
  if (!isTime(c) || !isTime(x) || !isTime(a)) return undefined
  if (t !== undefined && !isTime(t)) return undefined
  if (r !== undefined && !isTime(r)) return undefined
  if (s !== undefined && typeof s !== 'string') return undefined
  if (b !== undefined && typeof b !== 'string') return undefined
  if (k !== undefined && (typeof k !== 'string' || !ID.test(k))) return undefined
  if (!isRecord(d) || (f !== undefined && !isRecord(f))) return undefined
  if (l !== undefined && (l !== 1 || s === undefined)) return undefined
  if (o !== undefined && !isReference(o)) return undefined
  const record: Mutable<SessionRecord> = { id: i, createdAt: c, absoluteExpiry: x, lastSealed: a, data: d as SessionRecord['data'] }
  if (t !== undefined) record.idleTimeout = t
  if (s !== undefined) record.subject = s
  if (r !== undefined) record.checkedAt = r
  if (f !== undefined) record.flashes = f as SessionRecord['data']
  if (b !== undefined) record.binding = b
  if (k !== undefined) record.csrfSecret = k
  if (l === 1) record.listed = true
  if (o !== undefined) record.stored = { version: o[0], digest: o[1] }
  return record
}

const DIGEST = /^[A-Za-z0-9_-]{43}$/

function isReference(value: unknown): value is readonly [number, string] {
  return Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && value[0] >= 1 && typeof value[1] === 'string' && DIGEST.test(value[1])
}

/**
 * Upper bounds, in bytes, of what a decoded record with frozen objects holds on a 64-bit
 * engine (V8 without pointer compression, as in Node and Deno; JavaScriptCore in Bun), so
 * that the token cache's budget (src/keys/reuse.ts) bounds real memory. Checked against
 * heap growth on Node 24, Bun and Deno by bench/token-cache-memory.mjs, on the benchmark's
 * payloads and on worst cases (a record of a hundred distinct keys, hundreds of empty
 * objects or arrays, wide strings): from 1.03 times the growth measured (a long Latin-1
 * string on Bun) to 8.4 times (the benchmark's 2.9 KB record, mostly short strings, on V8).
 */
const OBJECT_BYTES = 96
const ARRAY_BYTES = 80
/** One array element or object property: its slot. */
const SLOT_BYTES = 16
/**
 * Each distinct key of a record, once: the hidden class (structure) transition and table
 * entry an engine makes for it, besides its string. Objects of one record with the same
 * keys in the same order share these.
 */
const KEY_BYTES = 128
/** Header and hash of a string; its characters (one or two bytes each) counted apart. */
const STRING_BYTES = 48
/** A number that is not a small integer is boxed (a map word and a double). */
const NUMBER_BYTES = 16
/** Characters that make a string two bytes per character (V8 and JavaScriptCore keep Latin-1 in one). */
const WIDE = /[^\u0000-\u00ff]/
/**
 * Records nested deeper are not kept decoded (they are decoded on every request, as
 * without a cache): the walks below recurse, and stack depth differs between runtimes.
 */
const MAX_SHARED_DEPTH = 64

/**
 * Prepares a decoded record to be kept by the token cache for every later request with the
 * same cookie — the record and every object in it frozen — and returns an upper bound of
 * the bytes it holds; `undefined` (and nothing frozen) when it is too deeply nested to share.
 */
export function freezeRecord(record: SessionRecord): number | undefined {
  // The record's own fields: one object of at most 13 slots, whose hidden class every
  // record shares (recordOf builds them all alike); then its strings, data and flashes.
  let bytes = OBJECT_BYTES + 13 * SLOT_BYTES
  const keys = new Set<string>()
  for (const value of Object.values(record) as Json[]) {
    const size = sizeOf(value, 1, keys)
    if (size === undefined) return undefined
    bytes += size
  }
  deepFreeze(record as unknown as Json)
  return bytes
}

/**
 * A shared (frozen) record as a session may hold it: data and flashes copied all the way
 * down, so nothing a request does — `set()`, or changing a value it read in place — reaches
 * the cached record, and values read from a session stay as mutable as `JSON.parse` made them.
 */
export function thawRecord(record: SessionRecord): SessionRecord {
  const copy: Mutable<SessionRecord> = { ...record, data: thawObject(record.data) }
  if (record.flashes !== undefined) copy.flashes = thawObject(record.flashes)
  return copy
}

function sizeOf(value: Json, depth: number, keys: Set<string>): number | undefined {
  if (typeof value === 'string') return stringBytes(value)
  if (typeof value === 'number') return NUMBER_BYTES
  if (typeof value !== 'object' || value === null) return 0
  if (depth >= MAX_SHARED_DEPTH) return undefined
  const array = Array.isArray(value)
  const object = value as { readonly [key: string]: Json }
  const names = array ? undefined : Object.keys(object)
  const items: readonly Json[] = array ? (value as readonly Json[]) : names!.map((name) => object[name]!)
  let bytes = (array ? ARRAY_BYTES : OBJECT_BYTES) + items.length * SLOT_BYTES
  for (const name of names ?? []) {
    if (keys.has(name)) continue
    keys.add(name)
    bytes += KEY_BYTES + stringBytes(name)
  }
  for (const item of items) {
    const size = sizeOf(item, depth + 1, keys)
    if (size === undefined) return undefined
    bytes += size
  }
  return bytes
}

function stringBytes(text: string): number {
  return STRING_BYTES + (WIDE.test(text) ? 2 : 1) * text.length
}

/**
 * Freezes every object of a value, but no array: a frozen array is copied 10 to 80 times
 * slower (V8's `slice`, and every copy on JavaScriptCore) and takes about 3 times the
 * memory on JavaScriptCore. Nothing leaves the cache but copies (`thawRecord`), so no
 * session can change either.
 */
function deepFreeze(value: Json): void {
  if (typeof value !== 'object' || value === null) return
  if (Array.isArray(value)) {
    for (const item of value as readonly Json[]) deepFreeze(item)
    return
  }
  for (const key of Object.keys(value)) deepFreeze((value as { readonly [key: string]: Json })[key]!)
  Object.freeze(value)
}

function thawObject(object: { readonly [key: string]: Json }): { [key: string]: Json } {
  // A spread defines "__proto__" as an own property, as JSON.parse made it (an assignment
  // would set the prototype instead); then only nested objects and arrays are copied again.
  const out: { [key: string]: Json } = { ...object }
  // Own keys only: a for-in would also visit anything enumerable put on Object.prototype.
  for (const key of Object.keys(out)) {
    const value = out[key]!
    if (typeof value !== 'object' || value === null) continue
    if (key === '__proto__') Object.defineProperty(out, key, { value: thaw(value), writable: true, enumerable: true, configurable: true })
    else out[key] = thaw(value)
  }
  return out
}

function thaw(value: Json): Json {
  if (!Array.isArray(value)) return thawObject(value as { readonly [key: string]: Json })
  const out = (value as readonly Json[]).slice()
  for (let i = 0; i < out.length; i++) {
    const item = out[i]!
    if (typeof item === 'object' && item !== null) out[i] = thaw(item)
  }
  return out
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff
}
