import { ConfigurationError } from '../errors.js'
import { checkOptions } from '../strict.js'
import { LateWriteError } from '../session/revocation.js'
import type { SessionDataStore, StoredSession } from '../session/overflow.js'
import type { DenoKvEntryMaybe, DenoKvKey, DenoKvLike } from './deno-kv.js'

/** Options of `denoKvSessionData()`. */
export interface DenoKvSessionDataOptions {
  /** The key parts before every key this store writes (no booleans). @default ['sealed-session', 'data'] */
  readonly prefix?: DenoKvKey
  /** The clock, in milliseconds: a copy lives `expiresAt` minus now from its write. @default Date.now */
  readonly now?: () => number
}

/** Characters per chunk: Deno KV values are at most 64 KiB. */
const CHUNK = 60_000
/** The most characters one copy may take here: every chunk is written in one atomic operation, at most 800 KiB. */
export const DENO_KV_MAX_BLOB: number = 12 * CHUNK
/** Deno KV's `getMany()` reads at most 10 keys. */
const MANY = 10
/** Reads retried when a write landed between two of them (chunks of another version seen). */
const READS = 3

/**
 * Session data (`overflow`) in Deno KV. A copy is a head key `[...prefix, id]` holding
 * `{ v, n }` (version, chunk count) and n chunk keys `[...prefix, id, i]` holding `{ v, s }`
 * (Deno KV values are at most 64 KiB), all with `expireIn` to the session's expiry. A
 * put is one atomic operation checked on the head's versionstamp (compare-and-set); a copy
 * is at most `DENO_KV_MAX_BLOB` characters (720,000: one atomic operation is at most
 * 800 KiB), the store's `maxBlob`: `commit()` refuses a larger session with
 * `OverflowTooLargeError` before any call here (a direct `put()` of one throws a
 * RangeError and writes nothing). Reads of more than 9 chunks take
 * several round trips and retry when they see chunks of another version.
 *
 * @example
 * ```ts
 * const kv = await Deno.openKv()
 * const sessions = createSessions({ secrets, overflow: { store: denoKvSessionData(kv) } })
 * ```
 */
export function denoKvSessionData(kv: DenoKvLike, options: DenoKvSessionDataOptions = {}): SessionDataStore {
  checkOptions('denoKvSessionData()', options, ['prefix', 'now'])
  const prefix = options.prefix ?? ['sealed-session', 'data']
  if (!Array.isArray(prefix) || prefix.some((part) => typeof part === 'boolean' || typeof part === 'symbol')) {
    throw new ConfigurationError('denoKvSessionData(): prefix must be a list of strings, numbers, bigints or byte arrays')
  }
  const clock = options.now ?? Date.now
  const head = (id: string): DenoKvKey => [...prefix, id]
  const chunk = (id: string, i: number): DenoKvKey => [...prefix, id, i]

  /** The head and, in the same snapshot, the first chunks. */
  const readHead = async (id: string): Promise<{ entry: DenoKvEntryMaybe; v: number; n: number; first: readonly DenoKvEntryMaybe[] } | undefined> => {
    const found = await kv.getMany([head(id), ...Array.from({ length: MANY - 1 }, (_, i) => chunk(id, i))])
    const entry = found[0]!
    if (entry.versionstamp === null) return { entry, v: 0, n: 0, first: [] }
    const { v, n } = (entry.value ?? {}) as { v?: unknown; n?: unknown }
    if (!Number.isSafeInteger(v) || !Number.isSafeInteger(n) || (n as number) < 1 || (n as number) * CHUNK > DENO_KV_MAX_BLOB) return undefined
    return { entry, v: v as number, n: n as number, first: found.slice(1) }
  }

  const read = async (id: string): Promise<StoredSession | undefined> => {
    for (let attempt = 0; attempt < READS; attempt++) {
      const found = await readHead(id)
      if (found === undefined || found.v === 0) return undefined
      const entries = [...found.first.slice(0, found.n)]
      for (let i = entries.length; i < found.n; i += MANY) {
        entries.push(...(await kv.getMany(Array.from({ length: Math.min(MANY, found.n - i) }, (_, j) => chunk(id, i + j)))))
      }
      const parts: string[] = []
      let torn = false
      for (const entry of entries) {
        const { v, s } = (entry.value ?? {}) as { v?: unknown; s?: unknown }
        if (v !== found.v || typeof s !== 'string') torn = true
        else parts.push(s)
      }
      if (!torn) return { version: found.v, blob: parts.join('') }
    }
    throw new Error('denoKvSessionData(): the copy kept changing while it was read')
  }

  return {
    maxBlob: DENO_KV_MAX_BLOB,
    get: read,
    put: async (id, { version, blob }, { expected, expiresAt, deadline }) => {
      if (blob.length > DENO_KV_MAX_BLOB) throw new RangeError(`denoKvSessionData(): a copy of ${blob.length} characters is over Deno KV's ${DENO_KV_MAX_BLOB} (one atomic operation)`)
      const found = await readHead(id)
      if ((found?.v ?? 0) !== expected) return false
      if (deadline !== undefined && Date.now() > deadline) throw new LateWriteError()
      const expireIn = Math.max(1000, expiresAt * 1000 - Math.floor(clock()))
      const n = Math.max(1, Math.ceil(blob.length / CHUNK))
      const operation = kv.atomic().check({ key: head(id), versionstamp: found?.entry.versionstamp ?? null }).set(head(id), { v: version, n }, { expireIn })
      for (let i = 0; i < n; i++) operation.set(chunk(id, i), { v: version, s: blob.slice(i * CHUNK, (i + 1) * CHUNK) }, { expireIn })
      for (let i = n; i < (found?.n ?? 0); i++) operation.delete(chunk(id, i))
      return (await operation.commit()).ok
    },
    delete: async (id, { expected } = {}) => {
      const found = await readHead(id)
      if (found === undefined || found.v === 0) return true
      if (expected !== undefined && found.v !== expected) return false
      const operation = kv.atomic().check({ key: head(id), versionstamp: found.entry.versionstamp }).delete(head(id))
      for (let i = 0; i < found.n; i++) operation.delete(chunk(id, i))
      return (await operation.commit()).ok
    },
  }
}
