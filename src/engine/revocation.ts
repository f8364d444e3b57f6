import type { SessionRecord } from '../session/envelope.js'
import type { ResolvedOptions } from '../session/options.js'
import { withTimeout } from '../session/revocation.js'

/** What the store said about a session: nothing asked (not due), still valid, revoked, or no answer. */
export type RevocationStatus = 'not-due' | 'valid' | 'revoked' | 'unavailable'

/**
 * Asks the store about a signed-in session at most once per `revalidateAfter` (the time
 * of the last check is sealed in the token), so ordinary requests read no store. A check
 * time in the future (beyond the skew) is not trusted and counts as due.
 */
export async function checkRevocation(options: ResolvedOptions, record: SessionRecord, now: number): Promise<RevocationStatus> {
  const store = options.revocations
  const subject = record.subject
  if (store === undefined || subject === undefined) return 'not-due'
  const checkedAt = record.checkedAt
  const due = checkedAt === undefined || now - checkedAt >= options.revalidateAfter || checkedAt > now + options.clockSkew
  if (!due) return 'not-due'
  try {
    const query = { sessionId: record.id, subject, createdAt: record.createdAt }
    // A store that lists sessions marks this one as seen in the same call.
    const revoked = await withTimeout(store.touchSession === undefined ? store.isRevoked(query) : store.touchSession(query), options.revocationTimeout)
    return revoked ? 'revoked' : 'valid'
  } catch {
    return 'unavailable'
  }
}
