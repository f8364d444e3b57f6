import { ConfigurationError } from '../errors.js'
import { checkOptions } from '../strict.js'
import { sha256 } from '../keys/digest.js'
import {
  LateWriteError,
  MAX_SESSIONS_PER_SUBJECT,
  PENDING_SECONDS,
  type ListedSession,
  type RevocationStore,
  type SessionDirectory,
} from '../session/revocation.js'

/** One part of a Deno KV key, as `Deno.KvKeyPart` declares it. */
export type DenoKvKeyPart = Uint8Array | string | number | bigint | boolean | symbol

/** A Deno KV key: a list of parts, as `Deno.KvKey` declares it. */
export type DenoKvKey = readonly DenoKvKeyPart[]

/** A key as Deno KV returns it: `versionstamp` is `null` when the key is absent. */
export interface DenoKvEntryMaybe {
  /** The stored value (`null` when absent). */
  readonly value: unknown
  /** The key's version, `null` when absent: what `check()` compares. */
  readonly versionstamp: string | null
}

/** A listed key, as `Deno.KvEntry` declares it. */
export interface DenoKvListedEntry {
  /** The key, every part of it. */
  readonly key: DenoKvKey
  /** The stored value. */
  readonly value: unknown
  /** The key's version: what `check()` compares. */
  readonly versionstamp: string
}

/** The part of an atomic operation (`Deno.AtomicOperation`) this store uses. */
export interface DenoKvAtomicLike {
  /** Commits only if the key still has this versionstamp (`null`: the key is still absent). */
  check(...checks: { key: DenoKvKey; versionstamp: string | null }[]): DenoKvAtomicLike
  /** Writes the key; `expireIn` is in milliseconds, after which Deno KV may delete it. */
  set(key: DenoKvKey, value: unknown, options?: { expireIn?: number }): DenoKvAtomicLike
  /** Deletes the key. */
  delete(key: DenoKvKey): DenoKvAtomicLike
  /** Resolves `{ ok: false }` when a check failed (nothing was written); else `ok` and the versionstamp every key written got. */
  commit(): Promise<{ readonly ok: boolean; readonly versionstamp?: string }>
}

/**
 * The part of a Deno KV database (`Deno.Kv`, from `Deno.openKv()`) this store uses, so the
 * package needs no Deno types: `Deno.Kv` fits it, as do Deno Deploy's KV and `@deno/kv`.
 */
export interface DenoKvLike {
  /** Reads a key with strong consistency (Deno KV's default): `versionstamp` is `null` when absent. */
  get(key: DenoKvKey): Promise<DenoKvEntryMaybe>
  /** Reads up to 10 keys in one call, at one point in time. */
  getMany(keys: readonly DenoKvKey[]): Promise<readonly DenoKvEntryMaybe[]>
  /** The keys from `start` (included) to `end` (excluded), in key order, `batchSize` per round trip. */
  list(selector: { readonly start: DenoKvKey; readonly end: DenoKvKey }, options?: { readonly batchSize?: number }): AsyncIterable<DenoKvListedEntry>
  /** Starts an atomic operation. */
  atomic(): DenoKvAtomicLike
}

/** Options of `denoKvRevocations()`. */
export interface DenoKvRevocationsOptions {
  /**
   * The key parts before every key this store writes: strings, numbers, bigints or byte
   * arrays (a boolean is refused: `true` separates the prefix from the subject), at most
   * 256 bytes in all. @default ['sealed-session', 'revoked']
   */
  readonly prefix?: DenoKvKey
  /**
   * How many times a write is tried when another write to the same subject committed
   * between its read and its commit (an atomic check failed). @default 32
   */
  readonly attempts?: number
  /** The clock, in milliseconds. @default Date.now */
  readonly now?: () => number
}

/** Thrown when a write kept losing its atomic check to other writes of the same subject. */
export class DenoKvContentionError extends Error {
  /** The error for a write whose `attempts` commits all lost their atomic check. */
  constructor(attempts: number) {
    super(`the revocation keys of one subject kept changing: ${attempts} attempts failed their atomic check`)
    this.name = 'DenoKvContentionError'
  }
}

/**
 * Subjects whose key part would take more than this (UTF-8, NUL bytes counted twice as Deno
 * KV's tuple encoding escapes them) are keyed by their SHA-256: so a key stays under 600
 * bytes and 1000 deletes fit one atomic operation's 800 KiB.
 */
const MAX_SUBJECT_BYTES = 256
const MAX_PREFIX_BYTES = 256
/** Session ids the engine makes are 22 characters; a longer id is never stored, so never found. */
const MAX_ID_CHARS = 64
/** Deno KV's limits, per atomic operation and per `list` batch (the same locally and on Deploy). */
const MAX_MUTATIONS = 1000
const MAX_BATCH = 1000
/** "Last seen" is written at most once a minute per session: a check is one read otherwise. */
const SEEN_EVERY = 60
/** Separates the prefix from the subject: a prefix may not contain a boolean, so no prefix extending another reaches our keys. */
const SEPARATOR = true
const encoder = new TextEncoder()
/** What an attempt gives when its commit lost an atomic check: read again. */
const RETRY: unique symbol = Symbol('retry')

/**
 * The subject's counter `[…, 's']`: the last sign-in order given, the generation, until
 * when an entry may live, and bounds on how many entries there are (`k`) and how many of
 * them are pending (`q`): never below the true counts, exact after a write that listed the
 * entries. Below the limits, writes need not list the entries.
 */
interface Counter {
  readonly o: number
  readonly g: number
  readonly u: number
  readonly k: number
  readonly q: number
}

/** A pending or listed session `[…, 's', id]`. */
interface Entry {
  /** Created (sign-in), expires, order, generation. */
  readonly c: number
  readonly e: number
  readonly o: number
  readonly g: number
  /** Label, last seen, pending until (absent once confirmed). */
  readonly l?: string
  readonly t?: number
  readonly p?: number
}

/** The deny list's head `[…, 'n']`: the not-before time and until when it matters, how many ids `[…, 'r', id]` are revoked and until when. */
interface Head {
  readonly n?: number
  readonly u?: number
  readonly c?: number
  readonly v?: number
}

/** A subject's directory: its counter and its entries, all of them (`complete`, read in one `list`) or those asked for. */
interface Snapshot {
  readonly counter: Counter | undefined
  readonly counterStamp: string | null
  readonly entries: Map<string, { readonly entry: Entry; readonly stamp: string }>
  readonly complete: boolean
}

/**
 * Revocations and a session directory in Deno KV: strongly consistent reads (Deno KV's
 * default), so a sign-out is seen by the next check from any instance; one small key per
 * fact, each with `expireIn`, so a check reads two keys whatever the user's history and a
 * signed-out user holds nothing.
 *
 * Keys, under `[...prefix, true, subject]` (the subject as a string, or its SHA-256 bytes
 * past 256 bytes; the `true` keeps prefixes that extend one another apart): `'n'` the deny
 * list's head (not-before time, revoked-id count), `['r', id]` a revoked id, `'s'` the
 * directory's counter (sign-in order, generation, bounds on the entries), `['s', id]` a
 * pending or listed session. A check of a listed session is one `getMany` of its entry and
 * the counter. Every directory write commits only if the counter's versionstamp is
 * unchanged (retried otherwise), and lists the user's entries only near a limit; a sign-out
 * everywhere is one commit (a new generation), a batch sign-out of up to 1000 ids one
 * atomic operation. Sign-ins, confirms and renames after their `deadline` throw
 * `LateWriteError` and change nothing. docs/REVOCATION.md, "Deno KV", gives costs and bounds.
 *
 * @example
 * ```ts
 * const kv = await Deno.openKv()
 * const sessions = createSessions({ secrets, revocation: { store: denoKvRevocations(kv) } })
 * ```
 */
export function denoKvRevocations(kv: DenoKvLike, options: DenoKvRevocationsOptions = {}): RevocationStore {
  checkOptions('denoKvRevocations()', options, ['prefix', 'attempts', 'now'])
  const prefix = checkPrefix(options.prefix ?? ['sealed-session', 'revoked'])
  const attempts = options.attempts ?? 32
  const clock = options.now ?? Date.now
  const now = (): number => Math.floor(clock() / 1000)

  /** `expireIn` (ms) for a key that matters until `until` (Unix seconds); <= 0: delete it. */
  const expireIn = (until: number): number => until * 1000 - Math.floor(clock())

  /** Runs `attempt` until it gives a result rather than `RETRY` (its commit lost an atomic check), at most `attempts` times. */
  const retried = async <R>(attempt: () => Promise<R | typeof RETRY>): Promise<R> => {
    for (let i = 0; i < attempts; i++) {
      const outcome = await attempt()
      if (outcome !== RETRY) return outcome
    }
    throw new DenoKvContentionError(attempts)
  }

  /**
   * Reads the counter and every entry of a subject: at most MAX listed and MAX pending, plus
   * dead ones the next writes delete; far more means keys this store did not write.
   */
  const snapshot = async (base: DenoKvKey): Promise<Snapshot> => {
    const counterKey = [...base, 's']
    let counter: Counter | undefined
    let counterStamp: string | null = null
    const entries = new Map<string, { entry: Entry; stamp: string }>()
    let seen = 0
    for await (const item of kv.list({ start: counterKey, end: [...counterKey, true] }, { batchSize: MAX_BATCH })) {
      if (++seen > 3 * MAX_SESSIONS_PER_SUBJECT) throw new TypeError('more session keys than one subject can hold')
      if (item.key.length === counterKey.length) {
        counter = counterOf(item.value)
        counterStamp = item.versionstamp
      } else {
        const id = item.key[counterKey.length]
        if (item.key.length !== counterKey.length + 1 || typeof id !== 'string') throw new TypeError('a key that is not a session entry under the session prefix')
        entries.set(id, { entry: entryOf(item.value), stamp: item.versionstamp })
      }
    }
    return { counter, counterStamp, entries, complete: true }
  }

  /** Reads the counter and these entries only, in one `getMany` (at most 9 ids). */
  const some = async (base: DenoKvKey, ids: readonly string[]): Promise<Snapshot> => {
    const counterKey = [...base, 's']
    const [counter, ...found] = await kv.getMany([counterKey, ...ids.map((id) => [...counterKey, id])])
    const entries = new Map<string, { entry: Entry; stamp: string }>()
    for (const [i, item] of found.entries()) if (item?.versionstamp != null) entries.set(ids[i]!, { entry: entryOf(item.value), stamp: item.versionstamp })
    const stamp = counter?.versionstamp ?? null
    return { counter: stamp === null ? undefined : counterOf(counter!.value), counterStamp: stamp, entries, complete: false }
  }

  /** Pending or listed now: unexpired, and of the counter's generation (a sign-out everywhere moves it on). */
  const alive = (entry: Entry, counter: Counter | undefined, at: number): boolean =>
    entry.e > at && (entry.p === undefined || entry.p > at) && entry.g === (counter?.g ?? 0)

  const listedOf = (snap: Snapshot, at: number): [string, Entry][] =>
    [...snap.entries].filter(([, { entry }]) => entry.p === undefined && alive(entry, snap.counter, at)).map(([id, { entry }]): [string, Entry] => [id, entry]).sort(([, a], [, b]) => a.o - b.o)

  /** Dead entries (expired by their own times, or of an older generation) a write may delete on the way, within the mutation budget. */
  const deadOf = (snap: Snapshot, at: number, budget: number): string[] =>
    [...snap.entries].filter(([, { entry }]) => !alive(entry, snap.counter, at)).slice(0, Math.max(0, budget)).map(([id]) => id)

  const setCounter = (operation: DenoKvAtomicLike, key: DenoKvKey, counter: Counter): void => {
    const ms = expireIn(counter.u)
    if (ms > 0) operation.set(key, counter, { expireIn: ms })
    else operation.delete(key)
  }

  const sessions: SessionDirectory = {
    record: async (entry, { limit, policy, deadline }) => {
      const base = await baseOf(prefix, entry.subject)
      const counterKey = [...base, 's']
      checkId(entry.sessionId)
      return retried(async () => {
        // The counter's bound says whether a limit could be reached: only then are the entries listed.
        let snap = await some(base, [])
        const bound = snap.counter?.k ?? 0
        const pendingBound = snap.counter?.q ?? 0
        if ((policy === 'refuse' && limit !== undefined && bound >= limit) || pendingBound + 1 > MAX_SESSIONS_PER_SUBJECT) snap = await snapshot(base)
        const at = now()
        const live = [...snap.entries].filter(([, { entry: e }]) => alive(e, snap.counter, at))
        if (policy === 'refuse' && limit !== undefined && snap.complete && live.length >= limit) return { refused: true }
        // Bounded: the oldest pending sign-ins (never confirmed) are forgotten first.
        const pending = live.filter(([, { entry: e }]) => e.p !== undefined).sort(([, a], [, b]) => a.entry.o - b.entry.o)
        const forgotten = pending.slice(0, Math.max(0, pending.length + 1 - MAX_SESSIONS_PER_SUBJECT)).map(([id]) => id)
        const deletes = [...forgotten, ...deadOf(snap, at, MAX_MUTATIONS - 2 - forgotten.length)]
        const deleted = new Set(deletes)
        const kept = [...snap.entries].filter(([id]) => !deleted.has(id))
        const pendingUntil = at + PENDING_SECONDS
        const counter: Counter = {
          o: (snap.counter?.o ?? 0) + 1,
          g: snap.counter?.g ?? 0,
          u: Math.max(snap.counter?.u ?? 0, entry.expiresAt),
          k: (snap.complete ? kept.length : bound) + 1,
          q: (snap.complete ? kept.filter(([, { entry: e }]) => e.p !== undefined).length : pendingBound) + 1,
        }
        const value: Entry = {
          c: entry.createdAt,
          e: entry.expiresAt,
          o: counter.o,
          g: counter.g,
          p: pendingUntil,
          ...(entry.label === undefined ? {} : { l: entry.label }),
        }
        const operation = kv.atomic().check({ key: counterKey, versionstamp: snap.counterStamp })
        setCounter(operation, counterKey, counter)
        const ms = expireIn(Math.min(pendingUntil, entry.expiresAt))
        if (ms > 0) operation.set([...counterKey, entry.sessionId], value, { expireIn: ms })
        for (const id of deletes) operation.delete([...counterKey, id])
        onTime(deadline)
        return (await operation.commit()).ok ? { refused: false } : RETRY
      })
    },

    confirm: async ({ subject, sessionId, limit, deadline }) => {
      const base = await baseOf(prefix, subject)
      const counterKey = [...base, 's']
      if (!knownId(sessionId)) return { confirmed: false, evicted: [] }
      const keep = Math.min(limit ?? MAX_SESSIONS_PER_SUBJECT, MAX_SESSIONS_PER_SUBJECT)
      let evicted: string[] = []
      let chained: string | undefined
      const confirmed = await retried(async () => {
        // Listed only when the counter's bound says the limit could be passed.
        let snap = await some(base, [sessionId])
        if ((snap.counter?.k ?? 0) > keep) snap = await snapshot(base)
        const at = now()
        const found = snap.entries.get(sessionId)
        if (found === undefined || found.entry.p === undefined || !alive(found.entry, snap.counter, at)) return false
        const others = snap.complete ? listedOf(snap, at).filter(([id]) => id !== sessionId) : []
        evicted = others.slice(0, Math.max(0, others.length + 1 - keep)).map(([id]) => id)
        const { p: _pending, ...listed } = found.entry
        const before = snap.counter ?? { o: found.entry.o, g: found.entry.g, u: found.entry.e, k: 1, q: 1 }
        const counter: Counter = snap.complete
          ? {
              ...before,
              k: snap.entries.size - evicted.slice(0, MAX_MUTATIONS - 2).length,
              q: [...snap.entries].filter(([id, { entry }]) => entry.p !== undefined && id !== sessionId).length,
            }
          : { ...before, q: Math.max(0, before.q - 1) }
        // The entry's own versionstamp too: a sign-out of this pending sign-in (which does not
        // move the counter) must not be undone by listing it.
        const operation = kv.atomic().check({ key: counterKey, versionstamp: snap.counterStamp }, { key: [...counterKey, sessionId], versionstamp: found.stamp })
        setCounter(operation, counterKey, counter)
        operation.set([...counterKey, sessionId], listed, { expireIn: Math.max(1, expireIn(listed.e)) })
        for (const id of evicted.slice(0, MAX_MUTATIONS - 2)) operation.delete([...counterKey, id])
        onTime(deadline)
        const result = await operation.commit()
        if (!result.ok) return RETRY
        chained = result.versionstamp
        return true
      })
      // Only when more than 998 are evicted at once (maxSessions lowered under a full
      // directory): the rest go in further operations, each only if the directory has not
      // changed since the confirm (its counter's versionstamp); else the next confirm evicts them.
      let done = Math.min(evicted.length, MAX_MUTATIONS - 2)
      while (confirmed && done < evicted.length && chained !== undefined) {
        const operation = kv.atomic().check({ key: counterKey, versionstamp: chained })
        const ids = evicted.slice(done, done + MAX_MUTATIONS)
        for (const id of ids) operation.delete([...counterKey, id])
        if (!(await settled(operation.commit()))?.ok) break
        done += ids.length
      }
      return { confirmed, evicted: confirmed ? evicted.slice(0, done) : [] }
    },

    check: async ({ subject, sessionId }) => {
      if (!knownId(sessionId)) return true
      const base = await baseOf(prefix, subject)
      const key = [...base, 's', sessionId]
      const [found, counter] = await kv.getMany([key, [...base, 's']])
      if (found === undefined || counter === undefined || found.versionstamp === null) return true
      const entry = entryOf(found.value)
      const at = now()
      if (entry.p !== undefined || !alive(entry, counter.versionstamp === null ? undefined : counterOf(counter.value), at)) return true
      if (entry.t === undefined || at - entry.t >= SEEN_EVERY) {
        // "Last seen", not waited for: only if the entry is unchanged since this read (a
        // sign-out in between wins), and a failure costs nothing but the date.
        const ms = expireIn(entry.e)
        if (ms > 0) {
          kv.atomic()
            .check({ key, versionstamp: found.versionstamp })
            .set(key, { ...entry, t: at }, { expireIn: ms })
            .commit()
            .catch(() => undefined)
        }
      }
      return false
    },

    rename: async ({ subject, from, to, deadline }) => {
      const base = await baseOf(prefix, subject)
      const counterKey = [...base, 's']
      checkId(to)
      if (!knownId(from)) return false
      return retried(async () => {
        const [found, counter] = await kv.getMany([[...counterKey, from], counterKey])
        if (found === undefined || counter === undefined || found.versionstamp === null) return false
        const entry = entryOf(found.value)
        const current = counter.versionstamp === null ? undefined : counterOf(counter.value)
        if (!alive(entry, current, now())) return false
        const operation = kv
          .atomic()
          .check({ key: counterKey, versionstamp: counter.versionstamp }, { key: [...counterKey, from], versionstamp: found.versionstamp })
          .delete([...counterKey, from])
          .set([...counterKey, to], entry, { expireIn: Math.max(1, expireIn(Math.min(entry.p ?? entry.e, entry.e))) })
        // Moves the counter's versionstamp: a confirm about to evict `from` reads again.
        setCounter(operation, counterKey, current ?? { o: entry.o, g: entry.g, u: entry.e, k: 1, q: 1 })
        onTime(deadline)
        return (await operation.commit()).ok ? true : RETRY
      })
    },

    revoke: async (subject, sessionIds) => {
      const base = await baseOf(prefix, subject)
      const counterKey = [...base, 's']
      const wanted = new Set(sessionIds.filter(knownId))
      let signedOut = 0
      return retried(async () => {
        // A few ids (one device, a sign-out): read them alone; more: list the subject's entries.
        const snap = wanted.size <= 9 ? await some(base, [...wanted]) : await snapshot(base)
        const at = now()
        const present = [...wanted].filter((id) => snap.entries.has(id))
        if (present.length === 0) return signedOut
        // Deleted only if the counter is unchanged since the read (a rename or a sign-in in
        // between moves it), so the ids read as present are the ones signed out: one atomic
        // operation for up to 1000 ids (all a subject can hold listed); more (pending ones
        // too) go 1000 at a time, each all or nothing, a lost check reading again.
        const ids = present.slice(0, MAX_MUTATIONS)
        const operation = kv.atomic().check({ key: counterKey, versionstamp: snap.counterStamp })
        for (const id of ids) operation.delete([...counterKey, id])
        // Nothing left afterwards: the counter goes too (the dead entries with it, in the same
        // operation when they fit), so a signed-out user holds nothing.
        const rest = [...snap.entries].filter(([id]) => !wanted.has(id))
        const left = snap.complete ? rest.length : (snap.counter?.k ?? 0) - ids.length
        const emptied = present.length === ids.length && (snap.complete ? rest.every(([, { entry }]) => !alive(entry, snap.counter, at)) : left <= 0)
        const cleanup = emptied ? rest.map(([id]) => [...counterKey, id]).concat([counterKey]) : []
        const together = ids.length + 1 + (emptied ? rest.length : 0) <= MAX_MUTATIONS
        if (together) {
          if (emptied) for (const key of cleanup) operation.delete(key)
          else if (snap.counter !== undefined) {
            const pendingLeft = snap.complete
              ? rest.filter(([, { entry }]) => entry.p !== undefined).length
              : snap.counter.q - ids.filter((id) => snap.entries.get(id)!.entry.p !== undefined).length
            setCounter(operation, counterKey, { ...snap.counter, k: Math.max(left, 0), q: Math.max(pendingLeft, 0) })
          }
        }
        if (!(await operation.commit()).ok) return RETRY
        signedOut += ids.filter((id) => {
          const { entry } = snap.entries.get(id)!
          return entry.p === undefined && alive(entry, snap.counter, at)
        }).length
        if (!together && cleanup.length > 0) {
          const tidy = kv.atomic().check({ key: counterKey, versionstamp: snap.counterStamp })
          for (const key of cleanup.slice(-MAX_MUTATIONS)) tidy.delete(key)
          await settled(tidy.commit())
        }
        if (present.length === ids.length) return signedOut
        for (const id of ids) wanted.delete(id)
        return RETRY
      })
    },

    list: async (subject) => {
      const snap = await snapshot(await baseOf(prefix, subject))
      return listedOf(snap, now()).map(([sessionId, entry]): ListedSession => ({
        sessionId,
        subject,
        createdAt: entry.c,
        expiresAt: entry.e,
        ...(entry.t === undefined ? {} : { lastSeenAt: entry.t }),
        ...(entry.l === undefined ? {} : { label: entry.l }),
      }))
    },
  }

  /** The deny list's head, ignoring what has expired by its own times. */
  const headOf = (found: DenoKvEntryMaybe | undefined, at: number): Head => {
    if (found === undefined || found.versionstamp === null) return {}
    const head = parseHead(found.value)
    return {
      ...(head.n !== undefined && head.u !== undefined && head.u > at ? { n: head.n, u: head.u } : {}),
      ...(head.c !== undefined && head.v !== undefined && head.v > at ? { c: head.c, v: head.v } : {}),
    }
  }

  const setHead = (operation: DenoKvAtomicLike, key: DenoKvKey, head: Head): void => {
    const ms = expireIn(Math.max(head.u ?? 0, head.v ?? 0))
    if (ms > 0 && (head.n !== undefined || head.c !== undefined)) operation.set(key, head, { expireIn: ms })
    else operation.delete(key)
  }

  /** Revoked ids of the subject still alive by their own expiry (at most MAX + 1: the count bounds them). */
  const revokedIds = async (base: DenoKvKey, at: number): Promise<string[]> => {
    const start = [...base, 'r']
    const ids: string[] = []
    for await (const item of kv.list({ start, end: [...start, true] }, { batchSize: MAX_BATCH })) {
      const id = item.key[start.length]
      if (item.key.length !== start.length + 1 || typeof id !== 'string') throw new TypeError('a key that is not a revoked id under the deny-list prefix')
      if (expiryOf(item.value) > at) ids.push(id)
      if (ids.length > 2 * MAX_SESSIONS_PER_SUBJECT) throw new TypeError('more revoked ids than one subject can hold')
    }
    return ids
  }

  return {
    isRevoked: async ({ subject, sessionId, createdAt }) => {
      const base = await baseOf(prefix, subject)
      const at = now()
      // An id too long to be ours was never stored: only the not-before time can revoke it.
      const keys = knownId(sessionId) ? [[...base, 'n'], [...base, 'r', sessionId]] : [[...base, 'n']]
      const [head, revoked] = await kv.getMany(keys)
      const { n } = headOf(head, at)
      if (n !== undefined && createdAt < n) return true
      return revoked !== undefined && revoked.versionstamp !== null && expiryOf(revoked.value) > at
    },
    notBefore: async (subject) => {
      const base = await baseOf(prefix, subject)
      return headOf(await kv.get([...base, 'n']), now()).n
    },
    revoke: async ({ subject, sessionId, expiresAt }) => {
      checkId(sessionId)
      const base = await baseOf(prefix, subject)
      const headKey = [...base, 'n']
      const revokedKey = [...base, 'r', sessionId]
      await retried(async () => {
        const at = now()
        const [found, revoked] = await kv.getMany([headKey, revokedKey])
        const head = headOf(found, at)
        const previous = revoked !== undefined && revoked.versionstamp !== null ? expiryOf(revoked.value) : 0
        const until = Math.max(previous, expiresAt)
        if (until <= at) return undefined // nothing it revokes can still be alive
        const count = (head.c ?? 0) + (previous > at ? 0 : 1)
        const operation = kv.atomic().check({ key: headKey, versionstamp: found?.versionstamp ?? null })
        operation.delete([...base, 's', sessionId]) // a listed session signed out this way leaves the directory
        if (count <= MAX_SESSIONS_PER_SUBJECT) {
          operation.set(revokedKey, until, { expireIn: expireIn(until) })
          setHead(operation, headKey, { ...head, c: count, v: Math.max(head.v ?? 0, until) })
          return (await operation.commit()).ok ? undefined : RETRY
        }
        // The count includes ids that have expired since: count the live ones before folding.
        const live = await revokedIds(base, at)
        if (live.length + (live.includes(sessionId) ? 0 : 1) <= MAX_SESSIONS_PER_SUBJECT) {
          operation.set(revokedKey, until, { expireIn: expireIn(until) })
          setHead(operation, headKey, { ...head, c: live.length + (live.includes(sessionId) ? 0 : 1), v: Math.max(head.v ?? 0, until) })
          return (await operation.commit()).ok ? undefined : RETRY
        }
        // Bounded: past the cap the deny list folds into the not-before time (every session of
        // the subject outside the directory, created until now, is signed out; no id is
        // forgotten early: the time lasts as long as the longest of them), in the same
        // operation as the revoked ids' deletion (at most 1001 keys: two operations, the
        // not-before time first).
        const folded: Head = { n: Math.max(head.n ?? 0, at + 1), u: Math.max(head.u ?? 0, head.v ?? 0, until) }
        setHead(operation, headKey, folded)
        const first = live.slice(0, MAX_MUTATIONS - 2)
        for (const id of first) operation.delete([...base, 'r', id])
        const result = await operation.commit()
        if (!result.ok) return RETRY
        for (const ids of chunk(live.slice(first.length), MAX_MUTATIONS)) {
          const rest = kv.atomic()
          for (const id of ids) rest.delete([...base, 'r', id])
          await settled(rest.commit())
        }
        return undefined
      })
    },
    revokeSubject: async (subject, notBefore, expiresAt) => {
      const base = await baseOf(prefix, subject)
      const headKey = [...base, 'n']
      const counterKey = [...base, 's']
      const moved = await retried(async () => {
        const at = now()
        const [found, counter] = await kv.getMany([headKey, counterKey])
        const head = headOf(found, at)
        const operation = kv.atomic().check({ key: headKey, versionstamp: found?.versionstamp ?? null }, { key: counterKey, versionstamp: counter?.versionstamp ?? null })
        setHead(operation, headKey, { ...head, n: Math.max(head.n ?? 0, notBefore), u: Math.max(head.u ?? 0, expiresAt) })
        // Every session listed or pending now was created before this call: a new generation
        // signs them all out in this one operation, whatever their number.
        const current = counter === undefined || counter.versionstamp === null ? undefined : counterOf(counter.value)
        if (current !== undefined) setCounter(operation, counterKey, { ...current, g: current.g + 1 })
        return (await operation.commit()).ok ? current !== undefined : RETRY
      })
      if (!moved) return
      // Then the signed-out entries go (dead already: only storage is at stake), and the
      // counter with them when nothing alive is left (checked: a sign-in since keeps it).
      const snap = await settled(snapshot(base))
      if (snap === undefined) return
      const at = now()
      const dead = deadOf(snap, at, Infinity)
      const empty = dead.length === snap.entries.size
      const chunks = chunk(dead, MAX_MUTATIONS - 1)
      for (const [i, ids] of chunks.entries()) {
        const operation = kv.atomic()
        for (const id of ids) operation.delete([...counterKey, id])
        if (empty && i === chunks.length - 1) operation.check({ key: counterKey, versionstamp: snap.counterStamp }).delete(counterKey)
        await settled(operation.commit())
      }
      if (empty && chunks.length === 0 && snap.counterStamp !== null) await settled(kv.atomic().check({ key: counterKey, versionstamp: snap.counterStamp }).delete(counterKey).commit())
    },
    sessions,
  }
}

/**
 * The key parts before a subject's keys: `[...prefix, true, subject]`, the subject as a
 * string, or as its SHA-256 (a `Uint8Array` part, which never equals a string part) when
 * it would take more than 256 bytes.
 */
export async function baseOf(prefix: DenoKvKey, subject: string): Promise<DenoKvKey> {
  if (partBytes(subject) <= MAX_SUBJECT_BYTES) return [...prefix, SEPARATOR, subject]
  return [...prefix, SEPARATOR, await sha256(subject)]
}

/** Refuses prefixes that could reach another prefix's keys, or leave no room in a key. */
function checkPrefix(prefix: DenoKvKey): DenoKvKey {
  let bytes = 0
  for (const part of prefix) {
    if (typeof part === 'boolean' || typeof part === 'symbol') {
      throw new ConfigurationError('denoKvRevocations(): the key prefix may hold strings, numbers, bigints and Uint8Arrays only (the store separates prefix and subject with `true`); drop the boolean part')
    }
    bytes += partBytes(part)
  }
  if (bytes > MAX_PREFIX_BYTES) {
    throw new ConfigurationError(`denoKvRevocations(): the key prefix takes ${bytes} bytes; use one of at most ${MAX_PREFIX_BYTES} (Deno KV keys hold 2 KiB, and 1000 of them must fit one atomic operation)`)
  }
  return [...prefix]
}

/** About how many bytes Deno KV's tuple encoding gives a key part (a NUL byte takes two). */
function partBytes(part: DenoKvKeyPart): number {
  if (typeof part === 'string' || part instanceof Uint8Array) {
    const bytes = typeof part === 'string' ? encoder.encode(part) : part
    let zeros = 0
    for (const byte of bytes) if (byte === 0) zeros++
    return bytes.length + zeros + 2
  }
  if (typeof part === 'bigint') return 2 + Math.ceil(part.toString(16).length / 2)
  return 9
}

function knownId(id: string): boolean {
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_CHARS
}

function checkId(id: string): void {
  if (!knownId(id)) throw new TypeError(`a session id must have 1 to ${MAX_ID_CHARS} characters`)
}

/**
 * A clean-up after the write that mattered has committed: its failure (a locked database,
 * a key of another shape) must not report that write as failed, and what it leaves expires by itself.
 */
async function settled<V>(promise: Promise<V>): Promise<V | undefined> {
  try {
    return await promise
  } catch {
    return undefined
  }
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = []
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size))
  return chunks
}

/** A write that arrives after its caller's deadline (wall clock) changes nothing. */
function onTime(deadline: number | undefined): void {
  if (deadline !== undefined && Date.now() > deadline) throw new LateWriteError()
}

// The stored values, checked as they are read: anything else throws, so the failure policy applies.

const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value)

function counterOf(value: unknown): Counter {
  const v = value as Partial<Counter> | null
  if (typeof v !== 'object' || v === null || !isTime(v.o) || !isTime(v.g) || !isTime(v.u) || !isTime(v.k) || !isTime(v.q)) throw new TypeError('a session counter that is not { o, g, u, k, q }')
  return { o: v.o, g: v.g, u: v.u, k: v.k, q: v.q }
}

function entryOf(value: unknown): Entry {
  const v = value as Partial<Entry> | null
  if (typeof v !== 'object' || v === null || !isTime(v.c) || !isTime(v.e) || !isTime(v.o) || !isTime(v.g)) throw new TypeError('a session entry that is not { c, e, o, g }')
  if ((v.l !== undefined && typeof v.l !== 'string') || (v.t !== undefined && !isTime(v.t)) || (v.p !== undefined && !isTime(v.p))) throw new TypeError('a session entry with a malformed label, last seen or pending time')
  return { c: v.c, e: v.e, o: v.o, g: v.g, ...(v.l === undefined ? {} : { l: v.l }), ...(v.t === undefined ? {} : { t: v.t }), ...(v.p === undefined ? {} : { p: v.p }) }
}

function parseHead(value: unknown): Head {
  const v = value as Partial<Head> | null
  if (typeof v !== 'object' || v === null) throw new TypeError('a deny-list head that is not an object')
  for (const field of ['n', 'u', 'c', 'v'] as const) if (v[field] !== undefined && !isTime(v[field])) throw new TypeError(`a deny-list head whose ${field} is not a number`)
  return v
}

function expiryOf(value: unknown): number {
  if (!isTime(value)) throw new TypeError('a revoked id whose value is not its expiry')
  return value
}
