import { RevocationUnavailableError } from '../errors.js'
import type { ResolvedOptions } from '../session/options.js'
import { hashSessionId } from '../session/events.js'
import { directoryOf, listedSessions, revokeListed } from '../session/control.js'
import { checkSubject, SessionState, type Session, type SessionData } from '../session/session.js'

/** One of a user's sessions, as `listSessions()` shows it: safe to send to the browser. */
export interface SessionInfo {
  /**
   * Names the session for `revokeSession()`: a digest of its id (the `sessionIdHash` of
   * events), never the id itself, so showing it gives nobody the session.
   */
  readonly handle: string
  /** When the user signed in. */
  readonly createdAt: Date
  /** The last revocation check that found it valid: coarse, at most once per `revocation.revalidateAfter`. */
  readonly lastSeenAt: Date | undefined
  /** Its absolute expiry (it may end earlier, unused for its idle timeout). */
  readonly expiresAt: Date
  /** The `revocation.label` recorded at sign-in, e.g. "Firefox on Linux". */
  readonly label: string | undefined
  /** Whether it is the session given to `listSessions()`. */
  readonly current: boolean
}

/** The signed-in sessions of a subject (or of a session's subject), newest first. */
export async function listSessions<T extends SessionData<T>>(options: ResolvedOptions, of: string | Session<T>): Promise<SessionInfo[]> {
  directoryOf(options, 'listSessions')
  const current = of instanceof SessionState ? of.id : undefined
  const subject = subjectOf('listSessions', of)
  if (subject === undefined) return []
  const listed = await listedSessions(options, 'listSessions', subject)
  // The directory lists in sign-in order (its own counter, not a clock): newest first here.
  const infos = await Promise.all(
    [...listed].reverse().map(async (entry): Promise<SessionInfo> => ({
      handle: await hashSessionId(entry.sessionId),
      createdAt: new Date(entry.createdAt * 1000),
      lastSeenAt: entry.lastSeenAt === undefined ? undefined : new Date(entry.lastSeenAt * 1000),
      expiresAt: new Date((entry.expiresAt - options.clockSkew) * 1000),
      label: entry.label,
      current: entry.sessionId === current,
    })),
  )
  return infos
}

/** A handle as `listSessions()` gives it: the first 8 bytes of the id's SHA-256, in hex. */
const HANDLE = /^[0-9a-f]{16}$/

/**
 * Signs out the session of `subject` named by `handle`; false when no listed session has it.
 * A handle is untrusted input (a form field): anything malformed is simply not found.
 */
export async function revokeSession(options: ResolvedOptions, subject: string, handle: string): Promise<boolean> {
  checkSubject('revokeSession(subject, handle)', subject)
  directoryOf(options, 'revokeSession')
  if (typeof handle !== 'string' || !HANDLE.test(handle)) return false
  const listed = await listedSessions(options, 'revokeSession', subject)
  for (const entry of listed) {
    if ((await hashSessionId(entry.sessionId)) === handle) {
      return (await revokeListed(options, 'revokeSession', subject, [entry.sessionId])) > 0
    }
  }
  return false
}

/**
 * Signs out every listed session of the session's subject but this one, in one store
 * operation; how many it signed out. A session that loaded signed out because the store
 * failed throws `RevocationUnavailableError`: "0 signed out" would be a lie.
 */
export async function revokeOtherSessions<T extends SessionData<T>>(options: ResolvedOptions, session: Session<T>): Promise<number> {
  if (!(session instanceof SessionState)) throw new TypeError('revokeOtherSessions() takes a session returned by load() of the same createSessions()')
  directoryOf(options, 'revokeOtherSessions')
  if (session.keepCookie) throw new RevocationUnavailableError('The revocation store could not be asked about this session, so the other sessions were not signed out. Try again.')
  if (session.subject === undefined) return 0
  const others = (await listedSessions(options, 'revokeOtherSessions', session.subject)).filter((entry) => entry.sessionId !== session.id)
  if (others.length === 0) return 0
  return revokeListed(options, 'revokeOtherSessions', session.subject, others.map((entry) => entry.sessionId))
}

function subjectOf<T extends SessionData<T>>(method: string, of: string | Session<T>): string | undefined {
  if (of instanceof SessionState) return of.subject
  checkSubject(`${method}()`, of)
  return of
}
