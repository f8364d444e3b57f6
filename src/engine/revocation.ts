import type { SessionRecord } from '../session/envelope.js'
import type { ResolvedOptions } from '../session/options.js'
import { withTimeout } from '../session/revocation.js'

/** What the store said about a session: nothing asked (not due), still valid, revoked, or no answer. */
export type RevocationStatus = 'not-due' | 'valid' | 'revoked' | 'unavailable'

/**
 * Asks the store about a signed-in session at most once per `revalidateAfter` (the time
 * of the last check is sealed in the token), so ordinary requests read no store. A check
 * time in the future is not trusted and counts as due: a token sealed by a server whose
 * clock runs ahead must not skip checks until ours catches up.
 */
export async function checkRevocation(options: ResolvedOptions, record: SessionRecord, now: number): Promise<RevocationStatus> {
  const store = options.revocations
  const subject = record.subject
  if (store === undefined || subject === undefined) return 'not-due'
  const checkedAt = record.checkedAt
  const due = checkedAt === undefined || now - checkedAt >= options.revalidateAfter || checkedAt > now
  if (!due) return 'not-due'
  try {
    const query = { sessionId: record.id, subject, createdAt: record.createdAt }
    // A session signed in through a directory is checked against it (and marked as seen in
    // the same call); any other against the deny list.
    const directory = record.listed === true ? store.sessions : undefined
    const revoked = await withTimeout(directory === undefined ? store.isRevoked(query) : directory.check(query), options.revocationTimeout)
    return revoked ? 'revoked' : 'valid'
  } catch {
    return 'unavailable'
  }
}
