import { ConfigurationError } from '../errors.js'
import type { ResolvedOptions } from '../session/options.js'
import { hashSessionId } from '../session/events.js'
import { required, type ListedSession, type RevocationStore } from '../session/revocation.js'
import { SessionState, type Session, type SessionData } from '../session/session.js'

/** One of a user's sessions, as `listSessions()` shows it: safe to send to the browser. */
export interface SessionInfo {
  /**
   * Names the session for `revokeSession()`: a digest of its id (the `sessionIdHash` of
   * events), never the id itself, so showing it gives nobody the session.
   */
  readonly handle: string
  /** When the user signed in. */
  readonly createdAt: Date
  /** The last revocation check that found it valid: coarse, at most once per `revalidateAfter`. */
  readonly lastSeenAt: Date | undefined
  /** Its absolute expiry (it may end earlier, unused for its idle timeout). */
  readonly expiresAt: Date
  /** The `sessionLabel` recorded at sign-in, e.g. "Firefox on Linux". */
  readonly label: string | undefined
  /** Whether it is the session given to `listSessions()`. */
  readonly current: boolean
}

/** The signed-in sessions of a subject (or of a session's subject), newest first. */
export async function listSessions<T extends SessionData<T>>(options: ResolvedOptions, of: string | Session<T>): Promise<SessionInfo[]> {
  storeOf(options, 'listSessions')
  const current = of instanceof SessionState ? of.id : undefined
  const subject = subjectOf('listSessions', of)
  if (subject === undefined) return []
  const listed = await listedOf(options, 'listSessions', subject)
  const infos = await Promise.all(
    listed.map(async (entry): Promise<SessionInfo> => ({
      handle: await hashSessionId(entry.sessionId),
      createdAt: new Date(entry.createdAt * 1000),
      lastSeenAt: entry.lastSeenAt === undefined ? undefined : new Date(entry.lastSeenAt * 1000),
      expiresAt: new Date((entry.expiresAt - options.clockSkew) * 1000),
      label: entry.label,
      current: entry.sessionId === current,
    })),
  )
  return infos.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
}

/** Signs out the session of `subject` named by `handle`; false when no listed session has it. */
export async function revokeSession(options: ResolvedOptions, subject: string, handle: string): Promise<boolean> {
  if (typeof handle !== 'string' || handle.length === 0) throw new TypeError('revokeSession(subject, handle) needs a handle from listSessions()')
  const listed = await listedOf(options, 'revokeSession', subjectOf('revokeSession', subject)!)
  for (const entry of listed) {
    if ((await hashSessionId(entry.sessionId)) === handle) {
      await revokeAll(options, [entry])
      return true
    }
  }
  return false
}

/** Signs out every listed session of the session's subject but this one; how many it signed out. */
export async function revokeOtherSessions<T extends SessionData<T>>(options: ResolvedOptions, session: Session<T>): Promise<number> {
  if (!(session instanceof SessionState)) throw new TypeError('revokeOtherSessions() takes a session returned by load() of the same createSessions()')
  storeOf(options, 'revokeOtherSessions')
  if (session.subject === undefined) return 0
  const others = (await listedOf(options, 'revokeOtherSessions', session.subject)).filter((entry) => entry.sessionId !== session.id)
  await revokeAll(options, others)
  return others.length
}

function subjectOf<T extends SessionData<T>>(method: string, of: string | Session<T>): string | undefined {
  if (of instanceof SessionState) return of.subject
  if (typeof of !== 'string' || of.length === 0) throw new TypeError(`${method}() needs the non-empty subject given to login(), or a session`)
  return of
}

/** The store's listed sessions; ConfigurationError without the capability, RevocationUnavailableError when it fails. */
async function listedOf(options: ResolvedOptions, method: string, subject: string): Promise<readonly ListedSession[]> {
  const store = storeOf(options, method)
  return required(store.listSessions(subject), options.revocationTimeout, 'The revocation store could not list the sessions. Try again.')
}

async function revokeAll(options: ResolvedOptions, entries: readonly ListedSession[]): Promise<void> {
  const store = storeOf(options, 'revokeSession')
  const revoked = Promise.all(entries.map(({ sessionId, subject, expiresAt }) => store.revoke({ sessionId, subject, expiresAt })))
  await required(revoked, options.revocationTimeout, 'The revocation store could not sign the session out. Try again.')
}

type ListingStore = RevocationStore & Required<Pick<RevocationStore, 'listSessions'>>

function storeOf(options: ResolvedOptions, method: string): ListingStore {
  const store = options.revocations
  if (store?.listSessions === undefined) {
    throw new ConfigurationError(`${method}() needs a revocations store that lists sessions (memoryRevocations, redisRevocations or durableObjectRevocations)`)
  }
  return store as ListingStore
}
