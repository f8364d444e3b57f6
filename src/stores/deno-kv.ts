import { sha256 } from '../keys/digest.js'
import type { RevocationStore } from '../session/revocation.js'
import { isRevokedBy, parseRecord, recordExpiry, withNotBefore, withSession, type SubjectRecord } from './record.js'

/** One part of a Deno KV key, as `Deno.KvKeyPart` declares it. */
export type DenoKvKeyPart = Uint8Array | string | number | bigint | boolean | symbol

/** A Deno KV key: a list of parts, as `Deno.KvKey` declares it. */
export type DenoKvKey = readonly DenoKvKeyPart[]

/** The part of an atomic operation (`Deno.AtomicOperation`) this store uses. */
export interface DenoKvAtomicLike {
  /** Commits only if the key still has this versionstamp (`null`: the key is still absent). */
  check(...checks: { key: DenoKvKey; versionstamp: string | null }[]): DenoKvAtomicLike
  /** Writes the key; `expireIn` is in milliseconds, after which Deno KV may delete it. */
  set(key: DenoKvKey, value: unknown, options?: { expireIn?: number }): DenoKvAtomicLike
  /** Deletes the key. */
  delete(key: DenoKvKey): DenoKvAtomicLike
  /** Resolves `{ ok: false }` when a check failed (nothing was written). */
  commit(): Promise<{ readonly ok: boolean }>
}

/**
 * The part of a Deno KV database (`Deno.Kv`, from `Deno.openKv()`) this store uses, so the
 * package needs no Deno types: `Deno.Kv` fits it, as do Deno Deploy's KV and `@deno/kv`.
 */
export interface DenoKvLike {
  /** Reads a key with strong consistency (Deno KV's default): `versionstamp` is `null` when absent. */
  get(key: DenoKvKey): Promise<{ readonly value: unknown; readonly versionstamp: string | null }>
  /** Starts an atomic operation. */
  atomic(): DenoKvAtomicLike
}

/** Options of `denoKvRevocations()`. */
export interface DenoKvRevocationsOptions {
  /** The key parts before the subject in every key this store writes. @default ['sealed-session', 'revoked'] */
  readonly prefix?: DenoKvKey
  /**
   * How many times a write is tried when another write to the same subject committed
   * between its read and its commit (an atomic check failed). @default 32
   */
  readonly attempts?: number
  /** The clock, in milliseconds. @default Date.now */
  readonly now?: () => number
}

/** Subjects longer than this (UTF-8 bytes) are keyed by their SHA-256: Deno KV keys hold at most 2 KiB. */
const MAX_SUBJECT_BYTES = 512
const encoder = new TextEncoder()

/**
 * Revocations in Deno KV: strongly consistent reads (Deno KV's default), so a revocation is
 * seen by the next check from any instance. One key per subject holding the KV store's
 * record (its not-before time and revoked session ids), so a check is one read; every
 * write is an atomic check-and-set on the key's versionstamp, retried when another write
 * to the same subject came first, so revocations racing for one user all land; every key
 * is written with `expireIn` set to when the last session it could revoke has expired, so
 * the database tracks live sessions, not history.
 *
 * @example
 * ```ts
 * const kv = await Deno.openKv()
 * const sessions = createSessions({ secrets, revocations: denoKvRevocations(kv) })
 * ```
 */
export function denoKvRevocations(kv: DenoKvLike, options: DenoKvRevocationsOptions = {}): RevocationStore {
  const prefix = options.prefix ?? ['sealed-session', 'revoked']
  const attempts = options.attempts ?? 32
  const now = options.now ?? Date.now

  const read = async (subject: string): Promise<SubjectRecord | undefined> => recordOf(await kv.get(await keyOf(prefix, subject)))

  /**
   * Read, change, and commit only if nobody wrote the key in between; otherwise again.
   * `change` gives the record to store (undefined: nothing to write) and the answer.
   */
  const update = async <R>(
    subject: string,
    change: (record: SubjectRecord | undefined, nowSeconds: number) => { readonly record: SubjectRecord | undefined; readonly result: R },
  ): Promise<R> => {
    const key = await keyOf(prefix, subject)
    for (let attempt = 0; attempt < attempts; attempt++) {
      const entry = await kv.get(key)
      const nowMs = Math.floor(now())
      const { record, result } = change(recordOf(entry), Math.floor(nowMs / 1000))
      if (record === undefined) return result
      const expireIn = recordExpiry(record) * 1000 - nowMs
      if (expireIn <= 0 && entry.versionstamp === null) return result // nothing to keep, nothing stored
      const operation = kv.atomic().check({ key, versionstamp: entry.versionstamp })
      if (expireIn <= 0) operation.delete(key)
      else operation.set(key, JSON.stringify(record), { expireIn })
      if ((await operation.commit()).ok) return result
    }
    throw new Error(`the revocation record of one subject kept changing: ${attempts} attempts failed their atomic check`)
  }

  return {
    isRevoked: async (query) => isRevokedBy(await read(query.subject), query),
    notBefore: async (subject) => (await read(subject))?.n,
    revoke: (entry) => update(entry.subject, (record, seconds) => ({ record: withSession(record, entry, seconds), result: undefined })),
    revokeSubject: (subject, notBefore, expiresAt) =>
      update(subject, (record, seconds) => ({ record: withNotBefore(record, notBefore, expiresAt, seconds), result: undefined })),
  }
}

/** The stored record (the KV store's JSON text); throws on anything else, so the failure policy applies. */
function recordOf(entry: { readonly value: unknown; readonly versionstamp: string | null }): SubjectRecord | undefined {
  if (entry.versionstamp === null) return undefined
  if (typeof entry.value !== 'string') throw new TypeError('revocation record is not a string')
  return parseRecord(entry.value)
}

/**
 * The key of a subject's record: `[...prefix, subject]`, or `[...prefix, sha256(subject)]`
 * (a `Uint8Array` part) past 512 bytes. A byte part never equals a string part, so the two
 * spaces are disjoint with no escaping.
 */
export async function keyOf(prefix: DenoKvKey, subject: string): Promise<DenoKvKey> {
  if (encoder.encode(subject).length <= MAX_SUBJECT_BYTES) return [...prefix, subject]
  return [...prefix, await sha256(subject)]
}
