import type { TokenHeader } from '../format/token.js'

/**
 * Verified-token reuse: per isolate, the result of opening a v1 token, keyed by the exact
 * token string, so the same cookie seen again skips the decryption. Browsers send the
 * same cookie on every request until it is re-sealed.
 *
 * An entry replaces the AES-GCM decryption and, from the second time a token is seen, the
 * decoding of its plaintext: the session format's decoded record (its objects frozen, and
 * only ever handed out as a copy) takes the plaintext's place (`openDecoded` in
 * src/keys/codec.ts). It is used only by a codec with the same purpose (cookie name), epoch
 * length and the same secret under the same key id that opened it (src/keys/codec.ts
 * checks all three on every hit, so a removed or replaced secret makes it unusable at
 * once), a decoded value only by the decoder that made it, and the cleartext header checks
 * — expiry, accepted epochs — run on every hit exactly as on a miss. Everything the session layer decides (idle timeout, binding, revocation, rotation)
 * runs on the record as before.
 *
 * Bounded by bytes: one cache per isolate, least recently used first out; its budget is
 * the largest any configuration in the isolate asked for (`v1({ tokenCache })`), 1 MiB by default.
 */

/**
 * The default budget: 1 MiB, about 1,000 session cookies of 300 characters seen once, or
 * about 400 kept decoded (seen again: a decoded record counts at an upper bound of its
 * heap size, ~1.8 KB for the benchmark's 100 B session, not its ~180-byte plaintext).
 */
export const DEFAULT_TOKEN_CACHE_BYTES: number = 1 << 20
/** No configuration may ask for more than this. */
export const MAX_TOKEN_CACHE_BYTES: number = 64 << 20
/**
 * What one entry costs beyond its token (one byte per character: tokens are base64url, so
 * V8 and JavaScriptCore store them as one-byte strings) and its plaintext or decoded value
 * (counted by the decoder): the Map slot, the entry and header objects, the Uint8Array and
 * its ArrayBuffer. Measured on Node 24:
 * about 400 bytes (20,000 entries of a 318-character token and a 200-byte plaintext took
 * 601 bytes each besides the token); rounded up, so the budget bounds real memory.
 */
export const ENTRY_OVERHEAD_BYTES = 512

export interface ReusedToken {
  /** The secret whose key opened the token (the same string the ring holds). */
  readonly secret: string
  readonly purpose: string
  readonly epochSeconds: number
  readonly header: TokenHeader
  /** The authenticated plaintext, until a decoder's value takes its place. */
  readonly plaintext: Uint8Array<ArrayBuffer> | undefined
  /** What `decodedBy` made of the plaintext: shared by every later hit, which copies it. */
  readonly decoded?: unknown
  /** The decoder that made `decoded`; only the same decoder is given it. */
  readonly decodedBy?: object
  /** What the entry is counted for against the budget. */
  readonly bytes: number
}

const entries = new Map<string, ReusedToken>()
let used = 0
let budget = 0

/** Raises the isolate's budget to `bytes` (never lowers it: another configuration may rely on it). */
export function reserveTokenCache(bytes: number): void {
  if (bytes > budget) budget = Math.min(bytes, MAX_TOKEN_CACHE_BYTES)
}

/** The entry for `token`, moved to the most recently used end; the caller checks it still applies. */
export function reusedToken(token: string): ReusedToken | undefined {
  const entry = entries.get(token)
  if (entry !== undefined) {
    entries.delete(token)
    entries.set(token, entry)
  }
  return entry
}

/** Remembers an opened token, evicting the least recently used entries past the budget. */
export function rememberToken(token: string, entry: Omit<ReusedToken, 'bytes' | 'decoded' | 'decodedBy'> & { readonly plaintext: Uint8Array<ArrayBuffer> }, now: number): void {
  store(token, { ...entry, bytes: token.length + entry.plaintext.byteLength + ENTRY_OVERHEAD_BYTES }, now)
}

/**
 * Replaces the plaintext of a cached token by a decoder's value of it, which
 * holds about `valueBytes` (the decoder's upper bound): a later hit skips the decoding too.
 * Nothing changes when the entry is gone or replaced meanwhile, or the value is too large.
 */
export function rememberDecoded(token: string, entry: ReusedToken, decodedBy: object, decoded: unknown, valueBytes: number, now: number): void {
  if (entries.get(token) !== entry) return
  const { secret, purpose, epochSeconds, header } = entry
  store(token, { secret, purpose, epochSeconds, header, plaintext: undefined, decoded, decodedBy, bytes: token.length + valueBytes + ENTRY_OVERHEAD_BYTES }, now)
}

function store(token: string, entry: ReusedToken, now: number): void {
  if (entry.bytes > budget / 4) return
  const previous = entries.get(token)
  if (previous !== undefined) {
    entries.delete(token)
    used -= previous.bytes
  }
  for (const [oldest, old] of entries) {
    // Past the budget, or expired (an expired entry can never be used again): out.
    if (used + entry.bytes <= budget && old.header.expiresAt >= now) break
    entries.delete(oldest)
    used -= old.bytes
  }
  entries.set(token, entry)
  used += entry.bytes
}

/** Drops an entry that no longer applies (expired, or its secret is gone). */
export function forgetToken(token: string): void {
  const entry = entries.get(token)
  if (entry !== undefined) {
    entries.delete(token)
    used -= entry.bytes
  }
}

/** The cache's size and budget: tests and benchmarks read it. */
export function tokenCacheStats(): { entries: number; bytes: number; budget: number } {
  return { entries: entries.size, bytes: used, budget }
}
