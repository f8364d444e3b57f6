import { OverflowConflictError, OverflowTooLargeError, OverflowUnavailableError } from '../errors.js'
import { encodeBase64url } from '../format/base64url.js'
import { DEFAULT_EPOCH_SECONDS } from '../limits.js'
import { makeCodec, openString, sealString, type Codec } from '../keys/codec.js'
import { deleteStored, readStored, writeStored } from '../session/control.js'
import { timingSafeEqual } from '../session/csrf.js'
import { isRecord, type Json, type SessionRecord } from '../session/envelope.js'
import { emitHashed } from '../session/events.js'
import type { SessionFormat } from '../session/format.js'
import type { ResolvedOptions } from '../session/options.js'
import type { SessionData, SessionState, StoredCopy } from '../session/session.js'
import type { Transport } from '../transport/transport.js'

/*
 * Overflow to a data store (docs/OVERFLOW.md). A session whose sealed cookie would pass the
 * budget keeps { i: id, v: version, d: data, f: flashes } sealed as a v1 token under its
 * own purpose in the store, and the cookie carries the reference [version, SHA-256 of the
 * blob]. The blob is authenticated (AES-256-GCM) and names its session id and version, and
 * the cookie names its digest: a store (or anyone who can write to it) can neither read
 * the data nor hand one session another's copy, an older copy, or a copy of its own making.
 */

/** What the engine needs here: its options, transport and format, and the data store's codec. */
export interface OverflowEngine {
  readonly options: ResolvedOptions
  readonly transport: Transport
  readonly format: SessionFormat
  readonly codec: Codec | undefined
}

/**
 * The codec of stored blobs: the session secrets under the purpose `overflow:<purpose>`.
 * ':' cannot appear in a cookie name (RFC 6265 token), so a blob never opens as a cookie,
 * nor a cookie as a blob (nor as a `seal()` value, whose purposes start with `value:`).
 * Blobs are never kept in the token cache: they are large and read once per request. Keys
 * are per epoch of the default length (3600 s), keeping each under NIST SP 800-38D's 2^32
 * random-IV seals as the cookie's do.
 */
export function storedCodec(options: ResolvedOptions, purpose: string): Codec | undefined {
  if (options.overflow === undefined) return undefined
  // The default epoch length and cipher path, whatever the cookie's format sets: blobs have
  // their own purpose, hence their own keys, and depend on no format option.
  return makeCodec(options.secrets, `overflow:${purpose}`, DEFAULT_EPOCH_SECONDS, options.maxAgeLimit, options.clockSkew, 'auto', false)
}

/** A record whose data is in the store, filled in; or why not. */
export type OpenedStored =
  | { readonly ok: true; readonly record: SessionRecord }
  | { readonly ok: false; readonly reason: 'missing' | 'stale' | 'invalid' | 'unavailable' }

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * Reads the copy a reference names. `stale`: the store holds another version (a copy of
 * the cookie from before a later write, or a request racing one); `missing`: none (expired,
 * deleted); `invalid`: not the copy the cookie names (digest, seal, id or version differ);
 * `unavailable`: the store failed or was late. Never throws.
 */
export async function openStored({ options, codec }: OverflowEngine, record: SessionRecord, now: number): Promise<OpenedStored> {
  const reference = record.stored
  if (reference === undefined) return { ok: true, record }
  if (codec === undefined) return INVALID
  const found = await readStored(options, record.id)
  if (found === 'unavailable') return { ok: false, reason: 'unavailable' }
  if (found === undefined) return { ok: false, reason: 'missing' }
  if (found.version !== reference.version) return { ok: false, reason: 'stale' }
  // Constant-time, as every comparison with a sealed value here (CWE-208).
  if (!timingSafeEqual(encoder.encode(await digestOf(found.blob)), encoder.encode(reference.digest))) return INVALID
  const opened = await openString(codec, found.blob, now)
  if (!opened.ok) return INVALID
  let payload: unknown
  try {
    payload = JSON.parse(decoder.decode(opened.plaintext))
  } catch {
    return INVALID
  }
  if (!isRecord(payload)) return INVALID
  const { i, v, d, f } = payload
  if (i !== record.id || v !== reference.version || !isRecord(d) || (f !== undefined && !isRecord(f))) return INVALID
  const filled: SessionRecord = { ...record, data: d as SessionRecord['data'] }
  return { ok: true, record: f === undefined ? filled : { ...filled, flashes: f as SessionRecord['data'] } }
}

const INVALID: OpenedStored = Object.freeze({ ok: false, reason: 'invalid' })

/** SHA-256 of a blob, base64url (43 characters): what a reference names. */
async function digestOf(blob: string): Promise<string> {
  return encodeBase64url(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(blob))))
}

/**
 * Seals the session for this commit. Without `overflow`, the record as it is. With it: a
 * session whose data did not change keeps the copy its cookie names (a refresh or a
 * revocation check writes nothing); one whose sealed cookie fits the budget goes fully
 * in the cookie (its stored copy, if any, removed); a larger one is stored under its id
 * with the next version, by compare-and-set on the version the request loaded, and the
 * cookie carries the reference. Throws `OverflowConflictError` when a newer write won,
 * `OverflowUnavailableError` when the store fails, `OverflowTooLargeError` past 1 MiB or the store's `maxBlob` —
 * each before any header exists.
 */
export async function sealSession<T extends SessionData<T>>(engine: OverflowEngine, session: SessionState<T>, now: number, expiresAt: number): Promise<string> {
  const { options, format, transport, codec } = engine
  const record = session.record(now)
  if (options.overflow === undefined || codec === undefined) return format.seal(record, expiresAt, now)
  const held = session.storedCopy
  const same = held !== undefined && held.id === session.id ? held : undefined
  if (same !== undefined && !session.dirty) {
    session.nextCopy = same
    return format.seal(referring(record, same), expiresAt, now)
  }
  const full = await format.seal(record, expiresAt, now)
  const { size, limit } = transport.measure(full)
  if (size <= Math.min(options.overflow.budget ?? limit, limit)) {
    if (same !== undefined) {
      // Back in the cookie: remove the stored copy, if it is still the one this request read.
      if (!(await removeStored(options, same.id, same.version))) await conflict(options, session.id)
    }
    session.nextCopy = undefined
    return full
  }
  const version = same === undefined ? 1 : same.version + 1
  const payload: { i: string; v: number; d: typeof record.data; f?: typeof record.data } = { i: session.id, v: version, d: record.data }
  if (record.flashes !== undefined && Object.keys(record.flashes).length > 0) payload.f = record.flashes
  const blob = await sealString(codec, encoder.encode(JSON.stringify(payload)), record.absoluteExpiry, now)
  // Before any store call: the bound of MAX_STORED_CHARS, or the store's own smaller one (resolveOverflow()).
  const cap = options.overflow.maxBlob
  if (blob.length > cap) {
    await emitHashed(options.onEvent, session.id, (sessionIdHash) => ({ type: 'too-large', sessionIdHash, size: blob.length, limit: cap }))
    throw new OverflowTooLargeError(transport.purpose, blob.length, cap)
  }
  let written: boolean
  try {
    // The store may drop the copy once the session can no longer be accepted (absolute expiry plus skew).
    written = await writeStored(options, session.id, { version, blob }, same?.version ?? 0, record.absoluteExpiry + options.clockSkew)
  } catch (error) {
    if (error instanceof OverflowUnavailableError) await storeError(options, session.id, 'write')
    throw error
  }
  if (!written) await conflict(options, session.id)
  const copy: StoredCopy = { id: session.id, version, digest: await digestOf(blob) }
  session.nextCopy = copy
  return format.seal(referring(record, copy), expiresAt, now)
}

/** The record as the cookie carries it when its data is in the store. */
function referring(record: SessionRecord, copy: StoredCopy): SessionRecord {
  const { flashes: _flashes, ...rest } = record
  return { ...rest, data: EMPTY, stored: { version: copy.version, digest: copy.digest } }
}

const EMPTY: { readonly [key: string]: Json } = Object.freeze({})

/**
 * After a commit went out: the copy the client now refers to becomes the session's, and a
 * copy under an id the client no longer holds (after `login()`, `regenerate()`, `destroy()`)
 * is removed. A failed removal is reported and left to the store's expiry: the id is
 * gone from the client, and its copy can be opened only with its cookie.
 */
export async function settleStored<T extends SessionData<T>>(options: ResolvedOptions, session: SessionState<T>, sealed: boolean): Promise<void> {
  const held = session.storedCopy
  const next = sealed ? session.nextCopy : held !== undefined && held.id === session.id ? held : undefined
  if (held !== undefined && held.id !== session.id) await removeStored(options, held.id)
  session.storedCopy = next
  session.nextCopy = undefined
}

/** Removes the copy of a session found revoked on load; a failure is reported and left to the store's expiry. */
export async function dropStored(options: ResolvedOptions, record: SessionRecord): Promise<void> {
  if (record.stored !== undefined) await removeStored(options, record.id)
}

/**
 * Removes the copy under `id` (only version `expected`, when given): false when another
 * version is there. A store that fails is reported (`overflow-error`, 'delete') and the
 * copy left to its expiry: it can be opened only with its cookie.
 */
async function removeStored(options: ResolvedOptions, id: string, expected?: number): Promise<boolean> {
  const removed = await deleteStored(options, id, expected)
  if (removed === 'unavailable') await storeError(options, id, 'delete')
  return removed !== false
}

async function conflict(options: ResolvedOptions, id: string): Promise<never> {
  await emitHashed(options.onEvent, id, (sessionIdHash) => ({ type: 'overflow-conflict', sessionIdHash }))
  throw new OverflowConflictError('Another request changed this session since it was loaded; its change stands and this one was not stored. Load the session again and retry.')
}

async function storeError(options: ResolvedOptions, id: string, operation: 'read' | 'write' | 'delete'): Promise<void> {
  await emitHashed(options.onEvent, id, (sessionIdHash) => ({ type: 'overflow-error', sessionIdHash, operation }))
}

/** Reports a failed read of a session's data (the engine signs the request out, keeping the cookie). */
export function readError(options: ResolvedOptions, id: string): Promise<void> {
  return storeError(options, id, 'read')
}
