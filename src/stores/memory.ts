import { nowSeconds } from '../limits.js'
import { checkOptions } from '../strict.js'
import { LateWriteError, MAX_SESSIONS_PER_SUBJECT, PENDING_SECONDS, type ListedSession, type RevocationStore, type SessionDirectory } from '../session/revocation.js'

/** Options of `memoryRevocations()`. */
export interface MemoryRevocationsOptions {
  /** The clock, in milliseconds. @default Date.now */
  readonly now?: () => number
}

/** One sign-in of a subject: pending until confirmed, then listed. */
interface Entry {
  readonly createdAt: number
  readonly expiresAt: number
  readonly order: number
  readonly label: string | undefined
  lastSeenAt: number | undefined
  /** Set while pending: when the store forgets it unless confirmed. */
  pendingUntil: number | undefined
}

/** Everything the store holds for one subject; every lookup is a Map access. */
interface Subject {
  notBefore: number | undefined
  /** Until when `notBefore` matters. */
  notBeforeUntil: number
  /** The deny list: revoked ids → their expiry. */
  readonly revoked: Map<string, number>
  /** Pending and listed sessions by id. */
  readonly sessions: Map<string, Entry>
  /** The last sign-in order given: sign-ins are ordered by it, never by a clock. */
  order: number
  /** The latest time anything held here matters (never lowered): past it, the whole subject goes. */
  latest: number
}

/** How often (store seconds) a call sweeps out every subject that holds nothing alive. */
const SWEEP_EVERY = 60

/**
 * A revocation store in this process's memory: strongly consistent, gone on restart, and
 * not shared between isolates or servers. For tests, and single-process servers. It keeps
 * a directory of sessions too (list them, sign out one device or the others, `maxSessions`).
 * Subjects whose entries have all expired are swept out at most once a minute, on any call.
 *
 * @example
 * ```ts
 * const sessions = createSessions({ secrets, revocation: { store: memoryRevocations() } })
 * ```
 */
export function memoryRevocations(options: MemoryRevocationsOptions = {}): RevocationStore & { readonly size: number } {
  checkOptions('memoryRevocations()', options, ['now'])
  const now = (): number => nowSeconds(options.now ?? Date.now)
  const subjects = new Map<string, Subject>()
  let lastSweep = now()

  /** Drops what has expired from one subject; true when nothing is left. */
  const prune = (subject: Subject, at: number): boolean => {
    if (subject.notBefore !== undefined && subject.notBeforeUntil <= at) subject.notBefore = undefined
    for (const [id, expiry] of subject.revoked) if (expiry <= at) subject.revoked.delete(id)
    for (const [id, entry] of subject.sessions) if (!alive(entry, at)) subject.sessions.delete(id)
    return subject.notBefore === undefined && subject.revoked.size === 0 && subject.sessions.size === 0
  }
  const sweep = (at: number): void => {
    if (at - lastSweep < SWEEP_EVERY) return
    lastSweep = at
    for (const [key, subject] of subjects) if (prune(subject, at)) subjects.delete(key)
  }
  /** O(1): a lookup checks the one entry it reads; only a subject wholly expired is dropped here. */
  const read = (key: string): Subject | undefined => {
    const at = now()
    sweep(at)
    const subject = subjects.get(key)
    if (subject !== undefined && subject.latest <= at) {
      subjects.delete(key)
      return undefined
    }
    return subject
  }
  /** A write prunes the subject it changes (bounded by MAX_SESSIONS_PER_SUBJECT entries). */
  const write = (key: string, until: number): Subject => {
    let subject = read(key)
    if (subject !== undefined && prune(subject, now())) subject = undefined
    if (subject === undefined) {
      subject = { notBefore: undefined, notBeforeUntil: 0, revoked: new Map(), sessions: new Map(), order: 0, latest: 0 }
      subjects.set(key, subject)
    }
    subject.latest = Math.max(subject.latest, until)
    return subject
  }
  const listedOf = (subject: Subject | undefined, at: number): [string, Entry][] =>
    subject === undefined ? [] : [...subject.sessions].filter(([, entry]) => entry.pendingUntil === undefined && alive(entry, at)).sort(([, a], [, b]) => a.order - b.order)

  const sessions: SessionDirectory = {
    record: async (entry, { limit, policy, deadline }) => {
      onTime(deadline)
      const subject = write(entry.subject, entry.expiresAt)
      const at = now()
      if (policy === 'refuse' && limit !== undefined && subject.sessions.size >= limit) return { refused: true }
      // Bounded: the oldest pending sign-ins (never confirmed) are forgotten first.
      const pending = [...subject.sessions].filter(([, e]) => e.pendingUntil !== undefined).sort(([, a], [, b]) => a.order - b.order)
      for (const [id] of pending.slice(0, Math.max(0, pending.length + 1 - MAX_SESSIONS_PER_SUBJECT))) subject.sessions.delete(id)
      subject.sessions.set(entry.sessionId, {
        createdAt: entry.createdAt,
        expiresAt: entry.expiresAt,
        order: ++subject.order,
        label: entry.label,
        lastSeenAt: undefined,
        pendingUntil: at + PENDING_SECONDS,
      })
      return { refused: false }
    },
    confirm: async ({ subject: key, sessionId, limit, deadline }) => {
      onTime(deadline)
      const subject = read(key)
      if (subject !== undefined) prune(subject, now())
      const entry = subject?.sessions.get(sessionId)
      if (subject === undefined || entry?.pendingUntil === undefined) return { confirmed: false, evicted: [] }
      entry.pendingUntil = undefined
      const others = listedOf(subject, now()).filter(([id]) => id !== sessionId)
      const keep = Math.min(limit ?? MAX_SESSIONS_PER_SUBJECT, MAX_SESSIONS_PER_SUBJECT)
      const evicted = others.slice(0, Math.max(0, others.length + 1 - keep)).map(([id]) => id)
      for (const id of evicted) subject.sessions.delete(id)
      return { confirmed: true, evicted }
    },
    check: async ({ subject: key, sessionId }) => {
      const entry = read(key)?.sessions.get(sessionId)
      if (entry === undefined || entry.pendingUntil !== undefined || !alive(entry, now())) return true
      entry.lastSeenAt = now()
      return false
    },
    rename: async ({ subject: key, from, to, deadline }) => {
      onTime(deadline)
      const subject = read(key)
      const entry = subject?.sessions.get(from)
      if (subject === undefined || entry === undefined || !alive(entry, now())) return false
      subject.sessions.delete(from)
      subject.sessions.set(to, entry)
      return true
    },
    revoke: async (key, ids) => {
      const subject = read(key)
      if (subject === undefined) return 0
      let listed = 0
      for (const id of ids) {
        const entry = subject.sessions.get(id)
        if (entry !== undefined && entry.pendingUntil === undefined && alive(entry, now())) listed++
        subject.sessions.delete(id)
      }
      // A user who holds nothing any more takes no memory (a sign-out leaves nothing behind).
      if (prune(subject, now())) subjects.delete(key)
      return listed
    },
    list: async (key) =>
      listedOf(read(key), now()).map(([sessionId, entry]): ListedSession => ({
        sessionId,
        subject: key,
        createdAt: entry.createdAt,
        expiresAt: entry.expiresAt,
        ...(entry.lastSeenAt === undefined ? {} : { lastSeenAt: entry.lastSeenAt }),
        ...(entry.label === undefined ? {} : { label: entry.label }),
      })),
  }

  return {
    get size(): number {
      return subjects.size
    },
    isRevoked: async ({ subject: key, sessionId, createdAt }) => {
      const subject = read(key)
      if (subject === undefined) return false
      const at = now()
      if (subject.notBefore !== undefined && subject.notBeforeUntil > at && createdAt < subject.notBefore) return true
      return (subject.revoked.get(sessionId) ?? 0) > at
    },
    notBefore: async (key) => {
      const subject = read(key)
      return subject !== undefined && subject.notBeforeUntil > now() ? subject.notBefore : undefined
    },
    revoke: async ({ subject: key, sessionId, expiresAt }) => {
      const subject = write(key, expiresAt)
      subject.sessions.delete(sessionId)
      subject.revoked.set(sessionId, Math.max(subject.revoked.get(sessionId) ?? 0, expiresAt))
      if (subject.revoked.size > MAX_SESSIONS_PER_SUBJECT) {
        // Bounded: past the cap, the deny list folds into the not-before time (every session
        // of the subject outside the directory, created until now, is signed out).
        const until = Math.max(...subject.revoked.values())
        raiseNotBefore(subject, now() + 1, until)
        subject.revoked.clear()
      }
    },
    revokeSubject: async (key, notBefore, expiresAt) => {
      const subject = write(key, expiresAt)
      raiseNotBefore(subject, notBefore, expiresAt)
      // Every session listed or pending now was created before this call: all signed out.
      subject.sessions.clear()
    },
    sessions,
  }
}

function raiseNotBefore(subject: Subject, notBefore: number, until: number): void {
  subject.notBefore = Math.max(subject.notBefore ?? 0, notBefore)
  subject.notBeforeUntil = Math.max(subject.notBeforeUntil, until)
}

function alive(entry: Entry, at: number): boolean {
  return entry.expiresAt > at && (entry.pendingUntil === undefined || entry.pendingUntil > at)
}

/** A write that arrives after its caller's deadline (wall clock) changes nothing. */
function onTime(deadline: number | undefined): void {
  if (deadline !== undefined && Date.now() > deadline) throw new LateWriteError()
}
