import { ConfigurationError } from '../errors.js'
import { checkOptions } from '../strict.js'
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
export const KV_MIN_TTL = 60
const KV_MAX_KEY_BYTES = 512

/**
 * Revocations in Workers KV: one key per subject holding its "not before" time and its
 * revoked session ids, so a check is one KV read. What one subject can make it hold is
 * bounded: past `MAX_SESSIONS_PER_SUBJECT` revoked ids alive at once, they fold into the
 * not-before time (the user is signed out everywhere rather than a record growing). KV
 * keeps no session directory (no atomic update): no device list or `maxSessions`. KV is eventually consistent (a write
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
  checkOptions('kvRevocations()', options, ['prefix', 'cacheTtl', 'now'])
  const prefix = checkPrefix('kvRevocations()', options.prefix ?? 'revoked:')
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

/**
 * The record key of a subject, in two disjoint spaces so no two subjects share a record,
 * and no two prefixes either (the prefix has no `{` or `#`, so where it ends is never in doubt):
 * - `prefix + "{" + subject + "}"` when that fits KV's 512-byte key limit;
 * - `prefix + "#sha256:" + hex(SHA-256(subject))` when it does not.
 */
export async function keyOf(prefix: string, subject: string): Promise<string> {
  const key = `${prefix}{${subject}}`
  if (encoder.encode(key).length <= KV_MAX_KEY_BYTES) return key
  return `${prefix}#sha256:${toHex(await sha256(subject))}`
}

/**
 * A key prefix that cannot run into the subject: without `{` and `#`, so `app:` and
 * `app:admin:` never share a key (`app:{admin:bob}` is not `app:admin:{bob}`).
 */
export function checkPrefix(store: string, prefix: unknown): string {
  if (typeof prefix !== 'string' || /[{}#]/.test(prefix) || encoder.encode(prefix).length > 256) {
    throw new ConfigurationError(`${store}: prefix must be a string of at most 256 bytes without '{', '}' or '#' (they separate the prefix from the subject); got ${JSON.stringify(prefix)}`)
  }
  return prefix
}
