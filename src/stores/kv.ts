import { sha256, toHex } from '../keys/digest.js'
import { nowSeconds } from '../limits.js'
import type { RevocationStore } from '../session/revocation.js'
import { isRevokedBy, parseRecord, recordExpiry, withNotBefore, withSession, type SubjectRecord } from './record.js'

/**
 * The part of a Workers KV namespace binding this store uses. `KVNamespace` from
 * `@cloudflare/workers-types` fits it, as do Miniflare's and most KV look-alikes.
 */
export interface KVLike {
  /** Reads a key; `null` when absent. `cacheTtl` is how long the edge may cache the answer, in seconds. */
  get(key: string, options?: { cacheTtl?: number }): Promise<string | null>
  /** Writes a key; `expiration` is when KV deletes it, in Unix seconds. */
  put(key: string, value: string, options?: { expiration?: number }): Promise<void>
}

/** Options of `kvRevocations()`. */
export interface KVRevocationsOptions {
  /** Prefix of every key this store writes. @default 'revoked:' */
  readonly prefix?: string
  /**
   * Seconds a read may be served from KV's edge cache (KV's minimum is 30, its default 60).
   * Longer is cheaper and slower to notice revocations. @default KV's default (60)
   */
  readonly cacheTtl?: number
  /** The clock, in milliseconds. @default Date.now */
  readonly now?: () => number
}

/** KV refuses expirations less than 60 seconds ahead. */
const KV_MIN_TTL = 60
const KV_MAX_KEY_BYTES = 512

/**
 * Revocations in Workers KV: one key per subject holding its "not before" time and its
 * revoked session ids, so a check is one KV read. KV is eventually consistent (a write
 * can take 60 s or more to reach other locations) and has no atomic update: two
 * revocations for the same user at the same moment in different locations can lose
 * one. docs/REVOCATION.md gives the worst-case lag and when to use a Durable Object.
 *
 * @example
 * ```ts
 * app.use(session((c) => ({
 *   secrets: c.env.SESSION_SECRETS,
 *   revocations: kvRevocations(c.env.SESSION_REVOCATIONS),
 * })))
 * ```
 */
export function kvRevocations(kv: KVLike, options: KVRevocationsOptions = {}): RevocationStore {
  const prefix = options.prefix ?? 'revoked:'
  const now = (): number => nowSeconds(options.now ?? Date.now)
  const getOptions = options.cacheTtl === undefined ? undefined : { cacheTtl: options.cacheTtl }

  const read = async (subject: string, cached: boolean): Promise<SubjectRecord | undefined> => {
    const text = await kv.get(await keyOf(prefix, subject), cached ? getOptions : undefined)
    return text === null ? undefined : parseRecord(text)
  }
  const write = async (subject: string, record: SubjectRecord): Promise<void> => {
    const expiration = Math.max(recordExpiry(record), now() + KV_MIN_TTL)
    await kv.put(await keyOf(prefix, subject), JSON.stringify(record), { expiration })
  }

  return {
    isRevoked: async (query) => isRevokedBy(await read(query.subject, true), query),
    notBefore: async (subject) => (await read(subject, false))?.n,
    revoke: async (entry) => write(entry.subject, withSession(await read(entry.subject, false), entry, now())),
    revokeSubject: async (subject, notBefore, expiresAt) =>
      write(subject, withNotBefore(await read(subject, false), notBefore, expiresAt, now())),
  }
}

const encoder = new TextEncoder()

/** Marks a subject key that was escaped because it began like a hashed or escaped key. */
const ESCAPE = '~'
const HASHED = 'sha256:'

/**
 * The record key of a subject, in three disjoint spaces so no two subjects share a record:
 * - `prefix + subject` when it fits KV's 512-byte key limit and starts with neither
 *   `sha256:` nor `~` (every key written by 0.1.0 for such subjects stays the same);
 * - `prefix + "~" + subject` when it fits but starts with either (so the subject
 *   "sha256:<hex>" is not the long subject whose digest is <hex>);
 * - `prefix + "sha256:" + hex(SHA-256(subject))` when it does not fit.
 */
export async function keyOf(prefix: string, subject: string): Promise<string> {
  const escaped = subject.startsWith(HASHED) || subject.startsWith(ESCAPE) ? ESCAPE + subject : subject
  const key = prefix + escaped
  if (encoder.encode(key).length <= KV_MAX_KEY_BYTES) return key
  return `${prefix}${HASHED}${toHex(await sha256(subject))}`
}
