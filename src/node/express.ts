import type { SessionEngine } from '../engine/engine.js'
import { adapterConfig, engineFor, CSRF_REFUSED } from '../engine/kit.js'
import { SessionError } from '../errors.js'
import type { Json } from '../session/envelope.js'
import type { Session, SessionData } from '../session/session.js'
import { csrfRequest, headersOf, writeCommit, type NodeRequest, type NodeResponse, type NodeSessionConfig, type NodeSessionOptions } from './http.js'

/**
 * Declares your session data type for `req.session`, once in your app (module augmentation,
 * no casts):
 *
 * ```ts
 * declare module 'sealed-session/node' {
 *   interface Register { data: { cart: string[] } }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface Register {}

/** The session data type declared in `Register` (`Record<string, Json>` when none is). */
export type RegisteredData = Register extends { data: infer T extends SessionData<T> } ? T : Record<string, Json>

declare global {
  // Express's own way to type `req` (the namespace its types merge into `Request`).
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** This request's session, set by `expressSession()`. */
      session: Session<RegisteredData>
      /** The engine, for `revokeSubject()` (sign a user out everywhere). */
      sessions: SessionEngine<RegisteredData>
    }
  }
}

/** A refused CSRF check: status 403, for Express's (and Fastify's) error handling. */
export class CsrfError extends SessionError {
  /** The stable code of this class: compare `error.code` with it. */
  static override readonly code: string = 'ERR_SESSION_CSRF'
  /** Always 'ERR_SESSION_CSRF'. */
  override readonly code: string = 'ERR_SESSION_CSRF'
  /** 403 Forbidden: Express's error handler answers with `status`. */
  readonly status: number = 403
  /** 403 Forbidden: Fastify's error handler answers with `statusCode`. */
  readonly statusCode: number = 403
  /** The message may be shown to the client (http-errors' convention). */
  readonly expose: boolean = true

  /** Creates the error. */
  constructor() {
    super(CSRF_REFUSED)
  }
}

/** Express's `req`, by the members the middleware uses. */
export interface ExpressRequest extends NodeRequest {
  /** The parsed body, when a body parser ran before: the CSRF check reads its `_csrf` field. */
  body?: unknown
  /** Set to this request's session. */
  session?: unknown
  /** Set to the engine. */
  sessions?: unknown
}

/** Express's `res`, by the members the middleware uses. */
export interface ExpressResponse extends NodeResponse {
  /** Wrapped, so the session is committed just before the response ends. */
  end(...args: never[]): unknown
}

/** The middleware `expressSession()` returns. */
export type ExpressSessionMiddleware = (req: ExpressRequest, res: ExpressResponse, next: (error?: unknown) => void) => void

/**
 * Session middleware for Express 5 and 4: `req.session` and `req.sessions`. The session is
 * committed when the response ends (`res.send()`, `res.json()`, `res.redirect()`,
 * `res.end()`), just before its headers go out: Set-Cookie is appended to your own cookies,
 * `Cache-Control: no-store` merged and `Vary: Cookie` added, only when the cookie changes.
 * A response of status 500 or more leaves the session as it was (no half-finished sign-in
 * is sent), and so does one whose headers were sent before it ended (`res.write()`,
 * `res.writeHead()`, `res.sendFile()`): change the session before streaming. A session
 * that no longer fits its cookie goes to your error handler as `SessionTooLargeError`
 * (500 by default), and the browser keeps its previous cookie. A refused CSRF check goes
 * to it as `CsrfError` (status 403).
 *
 * @param options - `SessionOptions` (from `sealed-session`), or a function of `req` returning them.
 * @param config - `csrf`: enforce `session.csrfToken()` on unsafe methods (default off); the
 * token is read from the header, or from `req.body` when a body parser ran before.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { expressSession } from 'sealed-session/node'
 *
 * const app = express()
 * app.use(expressSession({ secrets: process.env.SESSION_SECRETS ?? '' }))
 * app.get('/', (req, res) => {
 *   const visits = Number(req.session.get('visits') ?? 0) + 1
 *   req.session.set('visits', visits)
 *   res.send(`visit ${visits}`)
 * })
 * ```
 */
export function expressSession(options: NodeSessionOptions<ExpressRequest>, config?: NodeSessionConfig): ExpressSessionMiddleware {
  const { checkCsrf } = adapterConfig('expressSession()', config)
  // Fixed options fail here, at start-up, never at a user's request.
  const engineOf = engineFor<RegisteredData, ExpressRequest>(options)
  return function sealedSession(req, res, next) {
    start().then(next, next)
    async function start(): Promise<void> {
      const sessions = engineOf(req)
      const session = await sessions.load(headersOf(req))
      req.session = session
      req.sessions = sessions
      // OWASP CSRF cheat sheet: a synchronizer token on every state-changing request.
      if (checkCsrf !== undefined && !(await checkCsrf(csrfRequest(req, req.body), session))) throw new CsrfError()
      commitOnEnd(res, () => sessions.commit(session), next)
    }
  }
}

/**
 * Wraps `res.end` so the commit is written before the headers go out. The commit is
 * asynchronous (sealing), so `end` waits for it; a failure goes to `next`, with the
 * response still unsent, and the original `end` restored for the error handler.
 */
function commitOnEnd(res: ExpressResponse, commit: () => ReturnType<SessionEngine<RegisteredData>['commit']>, next: (error?: unknown) => void): void {
  const end = res.end
  let ended = false
  res.end = function sealedSessionEnd(this: unknown, ...args: never[]): unknown {
    if (ended) return end.apply(this, args)
    ended = true
    res.end = end
    if (res.headersSent || res.statusCode >= 500) return end.apply(this, args)
    commit()
      .then((result) => {
        writeCommit(res, result)
        end.apply(this, args)
      })
      .catch(next)
    return this
  }
}
