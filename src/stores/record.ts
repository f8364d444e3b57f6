import { MAX_SESSIONS_PER_SUBJECT, type RevocationQuery, type RevokedSession } from '../session/revocation.js'

/**
 * A subject's deny list in one record, for stores that keep it as one value (Workers KV,
 * where a check is then exactly one billed read). Times are Unix seconds. Bounded: at most
 * `MAX_SESSIONS_PER_SUBJECT` revoked ids; past that they fold into the not-before time.
 */
export interface SubjectRecord {
  /** Sessions created before this time are revoked ("log out everywhere"). */
  readonly n?: number
  /** Until when `n` matters: the latest expiry of a session it could revoke. */
  readonly e?: number
  /** Revoked session ids → their absolute expiry. */
  readonly s?: { readonly [sessionId: string]: number }
}

export function isRevokedBy(record: SubjectRecord | undefined, query: RevocationQuery): boolean {
  if (record === undefined) return false
  if (record.n !== undefined && query.createdAt < record.n) return true
  return record.s !== undefined && Object.hasOwn(record.s, query.sessionId)
}

/**
 * Adds one revoked session, dropping entries that can no longer matter. Past the bound,
 * the ids fold into the not-before time: every session of the subject created until now
 * is signed out, which is the safe direction (a deny list must never forget an id early).
 */
export function withSession(record: SubjectRecord | undefined, entry: RevokedSession, now: number): SubjectRecord {
  const pruned = prune({ ...record, s: { ...record?.s, [entry.sessionId]: Math.max(record?.s?.[entry.sessionId] ?? 0, entry.expiresAt) } }, now)
  const ids = Object.values(pruned.s ?? {})
  if (ids.length <= MAX_SESSIONS_PER_SUBJECT) return pruned
  return withNotBefore({ ...(pruned.n === undefined ? {} : { n: pruned.n, e: pruned.e! }) }, now + 1, Math.max(...ids), now)
}

/** Raises the subject's not-before time (it never moves back). */
export function withNotBefore(record: SubjectRecord | undefined, notBefore: number, expiresAt: number, now: number): SubjectRecord {
  const n = Math.max(record?.n ?? 0, notBefore)
  return prune({ ...record, n, e: Math.max(record?.e ?? 0, expiresAt) }, now)
}

/** When the whole record can be forgotten: no session it revokes can still be alive. */
export function recordExpiry(record: SubjectRecord): number {
  let latest = record.e ?? 0
  for (const expiry of Object.values(record.s ?? {})) latest = Math.max(latest, expiry)
  return latest
}

function prune(record: SubjectRecord, now: number): SubjectRecord {
  const out: { n?: number; e?: number; s?: Record<string, number> } = {}
  if (record.n !== undefined && record.e !== undefined && record.e > now) {
    out.n = record.n
    out.e = record.e
  }
  for (const [id, expiry] of Object.entries(record.s ?? {})) {
    if (expiry > now) (out.s ??= {})[id] = expiry
  }
  return out
}

/** Parses a stored record; throws on anything else, so the failure policy applies. */
export function parseRecord(text: string): SubjectRecord {
  const value: unknown = JSON.parse(text)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('revocation record is not an object')
  const { n, e, s } = value as Record<string, unknown>
  if ((n !== undefined && typeof n !== 'number') || (e !== undefined && typeof e !== 'number')) {
    throw new TypeError('revocation record has a non-numeric time')
  }
  if (s !== undefined && (typeof s !== 'object' || s === null || Array.isArray(s))) throw new TypeError('revocation record: s is not an object')
  return { ...(n === undefined ? {} : { n: n as number }), ...(e === undefined ? {} : { e: e as number }), ...(s === undefined ? {} : { s: s as Record<string, number> }) }
}
