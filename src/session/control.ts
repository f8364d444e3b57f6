import { ConfigurationError, OverflowUnavailableError, RevocationUnavailableError, SessionLimitError } from '../errors.js'
import type { HeaderReader } from '../transport/transport.js'
import type { SessionRecord } from './envelope.js'
import { emitHashed } from './events.js'
import type { ResolvedOptions } from './options.js'
import { isStoredSession, type StoredSession } from './overflow.js'
import type { ListedSession, RevocationQuery, RevokedSession, SessionDirectory, SessionEntry } from './revocation.js'

/**
 * Session control: every call the library makes to a revocation store lives here, each
 * bounded by `revocation.timeout`, each failure turned into what its caller promises (a
 * status for a check, `RevocationUnavailableError` for a call the caller cannot do
 * without). The session and the engine say what happened; this module asks the store.
 * The `overflow` data store's calls live here too, under the same timeout.
 */

/** What the store said about a session: nothing asked (not due), still valid, revoked, or no answer. */
export type RevocationStatus = 'not-due' | 'valid' | 'revoked' | 'unavailable'

/** A session the client holds and that a store may revoke: a deny-list entry, or a directory entry when `listed`. */
export type IssuedSession = RevokedSession & { readonly listed: boolean }

/** Longest label recorded, in characters: enough for "Firefox 140 on Ubuntu Linux". Longer labels are cut. */
const MAX_LABEL = 100

/**
 * Asks the store about a signed-in session at most once per `revocation.revalidateAfter` (the time
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
 * Whether a signed-in session may get a new id (`regenerate()`), asked whatever
 * `revocation.revalidateAfter` says. With a directory, the new id takes the old one's place in one
 * atomic step, or nothing happens because the old one was signed out; without one, the
 * deny list is asked (the revocation of the old id follows, a second call). False: it
 * was signed out. `RevocationUnavailableError` when the store cannot answer.
 */
export async function renameSignedIn(options: ResolvedOptions, issued: IssuedSession, createdAt: number, to: string): Promise<boolean> {
  const store = options.revocations
  if (store === undefined) return true
  if (issued.listed && store.sessions !== undefined) {
    const renaming = store.sessions.rename({ subject: issued.subject, from: issued.sessionId, to, deadline: deadline(options) })
    return required(renaming, options.revocationTimeout, 'The revocation store could not regenerate the session. Try again.')
  }
  const query: RevocationQuery = { sessionId: issued.sessionId, subject: issued.subject, createdAt }
  return !(await required(store.isRevoked(query), options.revocationTimeout, 'The revocation store could not check the session. Try again.'))
}

/**
 * Revokes the session the client holds (`logout()`, a replacing `login()`, `regenerate()`
 * outside a directory): a listed session leaves the directory (nothing added), any other
 * joins the deny list. `RevocationUnavailableError` (and a `revocation-error` event) when
 * the store cannot record it: a copy of the cookie would stay valid.
 */
export async function revokeIssued(options: ResolvedOptions, issued: IssuedSession): Promise<void> {
  const store = options.revocations
  if (store === undefined) return
  const { listed, ...entry } = issued
  const revoking = listed && store.sessions !== undefined ? store.sessions.revoke(entry.subject, [entry.sessionId]).then(() => undefined) : store.revoke(entry)
  try {
    await required(revoking, options.revocationTimeout, 'The revocation store could not revoke the session; a copy of its cookie stays valid. Try again.')
  } catch (error) {
    await emitHashed(options.onEvent, entry.sessionId, (sessionIdHash) => ({ type: 'revocation-error', sessionIdHash, operation: 'revoke', failure: options.revocationFailure }))
    throw error
  }
}

/** The subject's "signed out everywhere" time from the store; 0 when none or the store fails. */
export async function notBeforeOf(options: ResolvedOptions, subject: string): Promise<number> {
  const store = options.revocations
  if (store?.notBefore === undefined) return 0
  try {
    return (await withTimeout(store.notBefore(subject), options.revocationTimeout)) ?? 0
  } catch {
    // A login is not refused for this: at worst, a session created within the clock
    // skew after a sign-out-everywhere is signed out at its first revocation check.
    return 0
  }
}

/**
 * Sign-out-everywhere: sessions of `subject` created at or before now plus the clock skew
 * are revoked, so neither a sign-in in the same second nor one sealed by a server whose
 * clock runs ahead (within the skew) survives it; the store's directory drops every
 * listed and pending session of the subject in the same write.
 */
export async function revokeEverywhere(options: ResolvedOptions, subject: string, now: number): Promise<void> {
  const store = options.revocations
  if (store === undefined) throw new ConfigurationError('revokeSubject() needs a revocation store: createSessions({ secrets, revocation: { store } })')
  const notBefore = now + options.clockSkew + 1
  const revoked = store.revokeSubject(subject, notBefore, notBefore + options.maxAgeLimit + options.clockSkew)
  await required(revoked, options.revocationTimeout, 'The revocation store could not record the sign-out everywhere. Try again.')
}

/** The store's directory; `ConfigurationError` naming `method` when it has none. */
export function directoryOf(options: ResolvedOptions, method: string): SessionDirectory {
  const directory = options.revocations?.sessions
  if (directory === undefined) {
    throw new ConfigurationError(`${method}() needs a revocation store with a session directory (memoryRevocations, redisRevocations, durableObjectRevocations or denoKvRevocations)`)
  }
  return directory
}

/** The subject's listed sessions, oldest first; `RevocationUnavailableError` when the store fails. */
export async function listedSessions(options: ResolvedOptions, method: string, subject: string): Promise<readonly ListedSession[]> {
  return required(directoryOf(options, method).list(subject), options.revocationTimeout, 'The revocation store could not list the sessions. Try again.')
}

/** Signs out these listed sessions of `subject` in one store operation; how many were listed. */
export async function revokeListed(options: ResolvedOptions, method: string, subject: string, ids: readonly string[]): Promise<number> {
  return required(directoryOf(options, method).revoke(subject, ids), options.revocationTimeout, 'The revocation store could not sign the session out. Try again.')
}

/**
 * The `overflow` store's copy under `sessionId`: undefined when there is none or the store
 * returned something that is not a copy (garbage counts as missing, never throws);
 * 'unavailable' when the store failed or did not answer within `revocationTimeout`.
 */
export async function readStored(options: ResolvedOptions, sessionId: string): Promise<StoredSession | undefined | 'unavailable'> {
  const overflow = options.overflow
  if (overflow === undefined) return undefined
  const store = overflow.store
  try {
    const stored: unknown = await withTimeout(store.get(sessionId), overflow.timeout)
    return isStoredSession(stored) ? stored : undefined
  } catch {
    return 'unavailable'
  }
}

/**
 * Stores a copy if the store's version is `expected` (compare-and-set): false when a newer
 * write won. `OverflowUnavailableError` when the store fails or is late; a store that gets
 * the write after the deadline changes nothing, so a timed-out write never lands unnoticed.
 */
export async function writeStored(options: ResolvedOptions, sessionId: string, stored: StoredSession, expected: number, expiresAt: number): Promise<boolean> {
  const { store, timeout } = options.overflow!
  try {
    return (await withTimeout(store.put(sessionId, stored, { expected, expiresAt, deadline: Date.now() + timeout }), timeout)) === true
  } catch (cause) {
    throw new OverflowUnavailableError('The session data store could not store the session. Try again.', { cause })
  }
}

/** Removes the copy under `sessionId` (only version `expected`, when given): false when another version is there; 'unavailable' when the store fails or is late. */
export async function deleteStored(options: ResolvedOptions, sessionId: string, expected?: number): Promise<boolean | 'unavailable'> {
  const overflow = options.overflow
  if (overflow === undefined) return true
  try {
    return (await withTimeout(overflow.store.delete(sessionId, expected === undefined ? undefined : { expected }), overflow.timeout)) === true
  } catch {
    return 'unavailable'
  }
}

/**
 * When the engine stops waiting for a write, on the wall clock the stores' own clocks
 * follow (not the injectable `now`): a store that gets the write later changes nothing.
 */
function deadline(options: ResolvedOptions): number {
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

/**
 * Rejects when `promise` has not settled within `ms`: a store that hangs counts as failing.
 * It gives up only once the wall clock (`Date.now()`) is past `ms` from now, so never before
 * a write's `deadline` taken earlier: timers measure from the event loop's cached time and
 * can fire a few milliseconds early, when a store could still accept the write.
 */
export function withTimeout<V>(promise: Promise<V>, ms: number): Promise<V> {
  const until = Date.now() + ms
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    const wait = (delay: number): void => {
      timer = setTimeout(() => {
        // Bounded: each round waits at least the time still missing on the wall clock.
        if (Date.now() <= until) wait(until - Date.now() + 1)
        else reject(new Error(`the revocation store did not answer within ${ms} ms`))
      }, delay)
    }
    wait(ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * A store call the caller cannot do without (a revocation, a sign-in record, a device
 * list): bounded by `timeoutMs`, and a failure or a timeout becomes
 * `RevocationUnavailableError` with `message` and the store's error as `cause`.
 */
async function required<V>(call: Promise<V>, timeoutMs: number, message: string): Promise<V> {
  try {
    return await withTimeout(call, timeoutMs)
  } catch (cause) {
    throw new RevocationUnavailableError(message, { cause })
  }
}
