import { RevocationUnavailableError, SessionLimitError } from '../errors.js'
import type { HeaderReader } from '../transport/transport.js'
import type { ResolvedOptions } from './options.js'
import { emitHashed } from './events.js'
import { required, type SessionEntry } from './revocation.js'

/** Longest label recorded, in characters: enough for "Firefox 140 on Ubuntu Linux". Longer labels are cut. */
const MAX_LABEL = 100

/**
 * Records a sign-in as pending with a store that keeps a session directory (one write;
 * with the 'refuse' policy, the limit is decided in it). Nobody is signed out yet: that
 * waits for `confirmSignIn()`, when the cookie is sent, so a sign-in whose response never
 * goes out (a handler that throws, a session too large) evicts no real device.
 * False when the store has no directory. Throws `RevocationUnavailableError` when it fails
 * (an unrecorded session could not be listed, nor counted against the limit), and
 * `SessionLimitError` when the 'refuse' policy refused the sign-in.
 */
export async function recordSignIn(options: ResolvedOptions, entry: SessionEntry, headers: HeaderReader | undefined): Promise<boolean> {
  const directory = options.revocations?.sessions
  if (directory === undefined) return false
  const label = labelOf(options, headers)
  const limit = options.maxSessions
  const recording = directory.record(label === undefined ? entry : { ...entry, label }, {
    ...(limit === undefined ? {} : { limit }),
    policy: options.maxSessionsPolicy,
    deadline: deadline(options),
  })
  const recorded = await required(recording, options.revocationTimeout, 'The revocation store could not record the sign-in. Try again.')
  if (recorded.refused && limit !== undefined) throw new SessionLimitError(limit)
  return true
}

/**
 * The sign-in's cookie is about to be sent: list it, and sign out what `maxSessions`
 * allows no more of (an `evicted` event each, never the ids). Throws
 * `RevocationUnavailableError` when the store fails or the sign-in is no longer pending
 * (a sign-out everywhere came first, or the response took longer than `PENDING_SECONDS`).
 */
export async function confirmSignIn(options: ResolvedOptions, subject: string, sessionId: string): Promise<void> {
  const directory = options.revocations?.sessions
  if (directory === undefined) return
  const limit = options.maxSessions
  const confirming = directory.confirm({ subject, sessionId, ...(limit === undefined ? {} : { limit }), deadline: deadline(options) })
  const confirmed = await required(confirming, options.revocationTimeout, 'The revocation store could not confirm the sign-in. Try again.')
  if (!confirmed.confirmed) {
    throw new RevocationUnavailableError('The sign-in was signed out before its cookie was sent (a sign-out everywhere came first, or the response took too long). Sign in again.')
  }
  for (const id of confirmed.evicted) await emitHashed(options.onEvent, id, (sessionIdHash) => ({ type: 'evicted', sessionIdHash }))
}

/**
 * When the engine stops waiting for a write, on the wall clock the stores' own clocks
 * follow (not the injectable `now`): a store that gets the write later changes nothing.
 */
export function deadline(options: ResolvedOptions): number {
  return Date.now() + options.revocationTimeout
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
