import { checkOptions } from '../strict.js'
import { nowSeconds } from '../limits.js'
import { LateWriteError } from '../session/revocation.js'
import { isStoredSession, type SessionDataStore, type StoredSession } from '../session/overflow.js'
import { checkPrefix, KV_MIN_TTL } from './kv.js'

/**
 * The part of a Workers KV namespace binding the data store uses. `KVNamespace` from
 * `@cloudflare/workers-types` fits it, as does Miniflare's.
 */
export interface KVDataLike {
  /** Reads a key; `null` when absent. */
  get(key: string): Promise<string | null>
  /** Writes a key; KV deletes it `expirationTtl` seconds later (at least 60). */
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>
  /** Removes a key. */
  delete(key: string): Promise<void>
}

/** Options of `kvSessionData()`. */
export interface KVSessionDataOptions {
  /** Prefix of every key this store writes. @default 'session-data:' */
  readonly prefix?: string
  /** The clock, in milliseconds: a copy lives `expiresAt` minus now from its write. @default Date.now */
  readonly now?: () => number
}

/**
 * Session data (`overflow`) in Workers KV: one key per session id holding the version
 * and the sealed blob, expiring with the session. KV has no atomic update, so the
 * version check is read-then-write: two writes from the same version at the same moment
 * can both pass it, the last one winning in KV; the cookie of the other then names a
 * copy that is not there and is refused (never given the other's data: the digest binds
 * it). KV is eventually consistent: a request served at another location within about
 * 60 s of a write may read the older copy and be signed out for that request. Use a
 * Durable Object or Redis for sessions that change often from several tabs
 * (docs/OVERFLOW.md).
 *
 * @example
 * ```ts
 * app.use(session((c) => ({
 *   secrets: c.env.SESSION_SECRETS,
 *   overflow: { store: kvSessionData(c.env.SESSION_DATA) },
 * })))
 * ```
 */
export function kvSessionData(kv: KVDataLike, options: KVSessionDataOptions = {}): SessionDataStore {
  checkOptions('kvSessionData()', options, ['prefix', 'now'])
  const prefix = checkPrefix('kvSessionData()', options.prefix ?? 'session-data:')
  const now = (): number => nowSeconds(options.now ?? Date.now)
  const key = (id: string): string => `${prefix}{${id}}`
  const read = async (id: string): Promise<StoredSession | undefined> => {
    const text = await kv.get(key(id))
    if (text === null) return undefined
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return undefined
    }
    // Garbage under the key counts as no copy: the engine refuses the cookie, never throws.
    const { v, b } = (typeof value === 'object' && value !== null ? value : {}) as { v?: unknown; b?: unknown }
    const stored = { version: v, blob: b }
    return isStoredSession(stored) ? stored : undefined
  }
  return {
    get: read,
    put: async (id, { version, blob }, { expected, expiresAt, deadline }) => {
      if (((await read(id))?.version ?? 0) !== expected) return false
      // KV cannot refuse a late write itself: the last moment to decide is before sending it.
      if (deadline !== undefined && Date.now() > deadline) throw new LateWriteError()
      await kv.put(key(id), JSON.stringify({ v: version, b: blob }), { expirationTtl: Math.max(KV_MIN_TTL, expiresAt - now()) })
      return true
    },
    delete: async (id, { expected } = {}) => {
      if (expected !== undefined) {
        const found = await read(id)
        if (found !== undefined && found.version !== expected) return false
      }
      await kv.delete(key(id))
      return true
    },
  }
}
