import type { ListedSession, RecordedSession, RevocationQuery, RevokedSession, SessionEntry } from '../session/revocation.js'

/**
 * Everything revoked for one subject, in one record, so that a check is exactly one read
 * (Workers KV bills every key read, bulk reads included: one record keeps it at one).
 * Times are Unix seconds.
 */
export interface SubjectRecord {
  /** Sessions created before this time are revoked ("log out everywhere"). */
  readonly n?: number
  /** Until when `n` matters: the latest expiry of a session it could revoke. */
  readonly e?: number
  /** Revoked session ids → their absolute expiry. */
  readonly s?: { readonly [sessionId: string]: number }
  /** Recorded (listed) sessions, by id: stores with `recordSession()` only. */
  readonly l?: { readonly [sessionId: string]: LiveSession }
}

/** One recorded session: created, expires (absolute expiry + skew), last seen, label. */
export interface LiveSession {
  readonly c: number
  readonly x: number
  readonly a?: number
  readonly u?: string
}

export function isRevokedBy(record: SubjectRecord | undefined, query: RevocationQuery): boolean {
  if (record === undefined) return false
  if (record.n !== undefined && query.createdAt < record.n) return true
  return record.s !== undefined && Object.hasOwn(record.s, query.sessionId)
}

/** Adds one revoked session (no longer listed), dropping entries that can no longer matter. */
export function withSession(record: SubjectRecord | undefined, entry: RevokedSession, now: number): SubjectRecord {
  const { [entry.sessionId]: _gone, ...l } = record?.l ?? {}
  return prune({ ...record, s: { ...record?.s, [entry.sessionId]: entry.expiresAt }, l }, now)
}

/** Raises the subject's not-before time (it never moves back); sessions it revokes are no longer listed. */
export function withNotBefore(record: SubjectRecord | undefined, notBefore: number, expiresAt: number, now: number): SubjectRecord {
  const n = Math.max(record?.n ?? 0, notBefore)
  const l = Object.fromEntries(Object.entries(record?.l ?? {}).filter(([, live]) => live.c >= n))
  return prune({ ...record, n, e: Math.max(record?.e ?? 0, expiresAt), l }, now)
}

/**
 * Records a sign-in: dated no earlier than the not-before time, and with `limit`, the
 * oldest other listed sessions beyond it revoked (oldest `c` first, then by id).
 */
export function withLiveSession(
  record: SubjectRecord | undefined,
  entry: SessionEntry,
  limit: number | undefined,
  now: number,
  refuse = false,
): { record: SubjectRecord; result: RecordedSession } {
  const pruned = prune(record ?? {}, now)
  const createdAt = Math.max(entry.createdAt, pruned.n ?? 0)
  const live: LiveSession = entry.label === undefined ? { c: createdAt, x: entry.expiresAt } : { c: createdAt, x: entry.expiresAt, u: entry.label }
  const l: Record<string, LiveSession> = { ...pruned.l, [entry.sessionId]: live }
  const s: Record<string, number> = { ...pruned.s }
  const evicted: string[] = []
  if (limit !== undefined) {
    const others = Object.entries(l)
      .filter(([id]) => id !== entry.sessionId)
      .sort(([a, x], [b, y]) => x.c - y.c || (a < b ? -1 : a > b ? 1 : 0))
    // The 'refuse' policy: at the limit, record nothing and revoke nothing.
    if (refuse && others.length >= limit) return { record: pruned, result: { createdAt, evicted: [], refused: true } }
    for (const [id, old] of others.slice(0, Math.max(0, others.length + 1 - limit))) {
      delete l[id]
      s[id] = old.x
      evicted.push(id)
    }
  }
  return { record: prune({ ...pruned, s, l }, now), result: { createdAt, evicted } }
}

/** The record with a listed, unrevoked session marked as seen now; undefined when nothing changes. */
export function withSeen(record: SubjectRecord | undefined, query: RevocationQuery, now: number): SubjectRecord | undefined {
  const live = record?.l?.[query.sessionId]
  if (record === undefined || live === undefined || isRevokedBy(record, query) || live.a === now) return undefined
  return { ...record, l: { ...record.l, [query.sessionId]: { ...live, a: now } } }
}

/** The subject's listed sessions that are neither revoked nor expired. */
export function liveSessions(record: SubjectRecord | undefined, subject: string, now: number): ListedSession[] {
  const out: ListedSession[] = []
  for (const [sessionId, live] of Object.entries(record?.l ?? {})) {
    if (live.x <= now || isRevokedBy(record, { sessionId, subject, createdAt: live.c })) continue
    out.push({ sessionId, subject, createdAt: live.c, expiresAt: live.x, ...(live.a === undefined ? {} : { lastSeenAt: live.a }), ...(live.u === undefined ? {} : { label: live.u }) })
  }
  return out
}

/** When the whole record can be forgotten: no session it revokes can still be alive. */
export function recordExpiry(record: SubjectRecord): number {
  let latest = record.e ?? 0
  for (const expiry of Object.values(record.s ?? {})) latest = Math.max(latest, expiry)
  for (const live of Object.values(record.l ?? {})) latest = Math.max(latest, live.x)
  return latest
}

function prune(record: SubjectRecord, now: number): SubjectRecord {
  const out: { n?: number; e?: number; s?: Record<string, number>; l?: Record<string, LiveSession> } = {}
  if (record.n !== undefined && record.e !== undefined && record.e > now) {
    out.n = record.n
    out.e = record.e
  }
  for (const [id, expiry] of Object.entries(record.s ?? {})) {
    if (expiry > now) (out.s ??= {})[id] = expiry
  }
  for (const [id, live] of Object.entries(record.l ?? {})) {
    if (live.x > now) (out.l ??= {})[id] = live
  }
  return out
}

/** Parses a stored record; throws on anything else, so the failure policy applies. */
export function parseRecord(text: string): SubjectRecord {
  const value: unknown = JSON.parse(text)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('revocation record is not an object')
  const { n, e, s, l } = value as Record<string, unknown>
  if ((n !== undefined && typeof n !== 'number') || (e !== undefined && typeof e !== 'number')) {
    throw new TypeError('revocation record has a non-numeric time')
  }
  if (s !== undefined && (typeof s !== 'object' || s === null || Array.isArray(s))) throw new TypeError('revocation record: s is not an object')
  if (l !== undefined && (typeof l !== 'object' || l === null || Array.isArray(l))) throw new TypeError('revocation record: l is not an object')
  return value as SubjectRecord
}
