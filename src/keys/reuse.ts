import type { TokenHeader } from '../format/token.js'

/**
 * Verified-token reuse: per isolate, the result of opening a v1 token, keyed by the exact
 * token string, so the same cookie seen again skips the decryption. Browsers send the
 * same cookie on every request until it is re-sealed.
 *
 * An entry only replaces the AES-GCM decryption. It is used only by a codec with the same
 * purpose (cookie name), epoch length and the same secret under the same key id that
 * opened it (src/keys/codec.ts checks all three on every hit, so a removed or replaced
 * secret makes it unusable at once), and the cleartext header checks — expiry, accepted
 * epochs — run on every hit exactly as on a miss. Everything the session layer decides
 * (idle timeout, binding, revocation, rotation) runs on the plaintext as before.
 *
 * Bounded by bytes: one cache per isolate, least recently used first out; its budget is
 * the largest any configuration in the isolate asked for (`tokenCache`), 1 MiB by default.
 */

/** The default budget: 1 MiB, about 1,000 session cookies of 300 characters. */
export const DEFAULT_TOKEN_CACHE_BYTES: number = 1 << 20
/** No configuration may ask for more than this. */
export const MAX_TOKEN_CACHE_BYTES: number = 64 << 20
/**
 * What one entry costs beyond its token (one byte per character: tokens are base64url, so
 * V8 and JavaScriptCore store them as one-byte strings) and its plaintext: the Map slot,
 * the entry and header objects, the Uint8Array and its ArrayBuffer. Measured on Node 24:
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
  readonly plaintext: Uint8Array<ArrayBuffer>
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
export function rememberToken(token: string, entry: Omit<ReusedToken, 'bytes'>, now: number): void {
  const bytes = token.length + entry.plaintext.byteLength + ENTRY_OVERHEAD_BYTES
  if (bytes > budget / 4) return
  const previous = entries.get(token)
  if (previous !== undefined) {
    entries.delete(token)
    used -= previous.bytes
  }
  for (const [oldest, old] of entries) {
    // Past the budget, or expired (an expired entry can never be used again): out.
    if (used + bytes <= budget && old.header.expiresAt >= now) break
    entries.delete(oldest)
    used -= old.bytes
  }
  entries.set(token, { ...entry, bytes })
  used += bytes
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
