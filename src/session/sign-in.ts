import { SessionLimitError } from '../errors.js'
import type { HeaderReader } from '../transport/transport.js'
import type { ResolvedOptions } from './options.js'
import { emitHashed } from './events.js'
import { required, type SessionEntry } from './revocation.js'

/** Longest label recorded, in characters: enough for "Firefox 140 on Ubuntu Linux". */
const MAX_LABEL = 100

/**
 * Records a sign-in with a store that lists sessions (one write; `limit` applied in it):
 * the session's creation time, no earlier than the subject's not-before time.
 * Undefined when the store does not record sessions. Throws `RevocationUnavailableError`
 * when it fails (an unrecorded session could not be listed, nor counted against the
 * limit), and `SessionLimitError` when the 'refuse' policy refused the sign-in.
 */
export async function recordSignIn(options: ResolvedOptions, entry: SessionEntry, headers: HeaderReader | undefined, limit: number | undefined): Promise<number | undefined> {
  const refuse = limit !== undefined && options.maxSessionsPolicy === 'refuse'
  const store = options.revocations
  if (store?.recordSession === undefined) return undefined
  const label = labelOf(options, headers)
  const recording = store.recordSession(label === undefined ? entry : { ...entry, label }, limit, refuse)
  const recorded = await required(recording, options.revocationTimeout, 'The revocation store could not record the sign-in. Try again.')
  if (recorded.refused === true && limit !== undefined) throw new SessionLimitError(limit)
  // Sessions the limit signed out: an event each, so monitoring sees them (never the ids).
  for (const id of recorded.evicted) await emitHashed(options.onEvent, id, (sessionIdHash) => ({ type: 'evicted', sessionIdHash }))
  return recorded.createdAt
}

/** The app's label for this client, cut to MAX_LABEL characters; a failing hook gives none. */
function labelOf(options: ResolvedOptions, headers: HeaderReader | undefined): string | undefined {
  if (options.sessionLabel === undefined || headers === undefined) return undefined
  let label: unknown
  try {
    label = options.sessionLabel(headers)
  } catch {
    return undefined
  }
  if (typeof label !== 'string' || label.length === 0) return undefined
  return label.length <= MAX_LABEL ? label : Array.from(label).slice(0, MAX_LABEL).join('')
}
