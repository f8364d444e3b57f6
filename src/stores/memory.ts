import { nowSeconds } from '../limits.js'
import type { RevocationStore } from '../session/revocation.js'
import { isRevokedBy, liveSessions, recordExpiry, withLiveSession, withNotBefore, withSeen, withSession, type SubjectRecord } from './record.js'

/** Options of `memoryRevocations()`. */
export interface MemoryRevocationsOptions {
  /** The clock, in milliseconds. @default Date.now */
  readonly now?: () => number
}

/**
 * A revocation store in this process's memory: strongly consistent, gone on restart, and
 * not shared between isolates or servers. For tests, and single-process servers. It
 * records sessions too (list them, sign out one device or the others, `maxSessions`).
 *
 * @example
 * ```ts
 * const sessions = createSessions({ secrets, revocations: memoryRevocations() })
 * ```
 */
export function memoryRevocations(options: MemoryRevocationsOptions = {}): RevocationStore & { readonly size: number } {
  const now = (): number => nowSeconds(options.now ?? Date.now)
  const records = new Map<string, SubjectRecord>()
  const read = (subject: string): SubjectRecord | undefined => {
    const record = records.get(subject)
    if (record !== undefined && recordExpiry(record) <= now()) {
      records.delete(subject)
      return undefined
    }
    return record
  }
  return {
    get size(): number {
      return records.size
    },
    isRevoked: async (query) => isRevokedBy(read(query.subject), query),
    notBefore: async (subject) => read(subject)?.n,
    revoke: async (entry) => {
      records.set(entry.subject, withSession(read(entry.subject), entry, now()))
    },
    revokeSubject: async (subject, notBefore, expiresAt) => {
      records.set(subject, withNotBefore(read(subject), notBefore, expiresAt, now()))
    },
    recordSession: async (entry, limit, refuse) => {
      const { record, result } = withLiveSession(read(entry.subject), entry, limit, now(), refuse)
      records.set(entry.subject, record)
      return result
    },
    touchSession: async (query) => {
      const record = read(query.subject)
      const seen = withSeen(record, query, now())
      if (seen !== undefined) records.set(query.subject, seen)
      return isRevokedBy(record, query)
    },
    listSessions: async (subject) => liveSessions(read(subject), subject, now()),
  }
}
