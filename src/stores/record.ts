import type { RevocationQuery, RevokedSession } from '../session/revocation.js'

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
}

export function isRevokedBy(record: SubjectRecord | undefined, query: RevocationQuery): boolean {
  if (record === undefined) return false
  if (record.n !== undefined && query.createdAt < record.n) return true
  return record.s !== undefined && Object.hasOwn(record.s, query.sessionId)
}

/** Adds one revoked session, dropping entries that can no longer matter. */
export function withSession(record: SubjectRecord | undefined, entry: RevokedSession, now: number): SubjectRecord {
  return prune({ ...record, s: { ...record?.s, [entry.sessionId]: entry.expiresAt } }, now)
}

/** Raises the subject's not-before time (it never moves back). */
export function withNotBefore(record: SubjectRecord | undefined, notBefore: number, expiresAt: number, now: number): SubjectRecord {
  return prune({ ...record, n: Math.max(record?.n ?? 0, notBefore), e: Math.max(record?.e ?? 0, expiresAt) }, now)
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
  return value as SubjectRecord
}
