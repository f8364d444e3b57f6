import type { CsrfOptions } from '../engine/csrf.js'
import type { SessionEngine } from '../engine/engine.js'
import { adapterConfig, csrfRefusal, engineFor } from '../engine/kit.js'
import { writeCommit, type NodeResponse } from '../engine/node-response.js'
import type { Json } from '../session/envelope.js'
import type { SessionOptions } from '../session/options.js'
import type { Session, SessionData } from '../session/session.js'

export type { CsrfOptions }
export { writeCommit, type NodeResponse }

// Node's request and response, by the members used here: `IncomingMessage` and
// `ServerResponse` (and Express's and Fastify's raw ones) fit, and the public types need no
// @types/node (jose's rule: Node's types never leak into the API).

/** What is read from a Node request (`http.IncomingMessage`, Express's `req`). */
export interface NodeRequest {
  /** The request method: the CSRF check passes GET, HEAD, OPTIONS and TRACE. */
  readonly method?: string | undefined
  /** The request target (not read by the session). */
  readonly url?: string | undefined
  /** The request headers, lower-case names (Node's `req.headers`): Cookie, and what the CSRF check and `binding` read. */
  readonly headers: { readonly [name: string]: string | readonly string[] | undefined }
}

/** Options, or a function of the request computing them (secrets read per request). */
export type NodeSessionOptions<R = NodeRequest> = SessionOptions | ((req: R) => SessionOptions)

/** Behaviour of the Node adapters, beside the session options. */
export interface NodeSessionConfig {
  /**
   * Require a valid `session.csrfToken()` on every method but GET, HEAD, OPTIONS and TRACE;
   * others are refused with 403. The token comes from the `x-csrf-token` header, or from the
   * `_csrf` field of a body your body parser already parsed (`req.body`: put
   * `express.urlencoded()` before the session middleware). The raw body is never read here:
   * the stream belongs to your body parser. @default false
   */
  readonly csrf?: boolean | CsrfOptions
}

/** Request headers as the core reads them: case-insensitive `get()`. */
export function headersOf(req: NodeRequest): { get(name: string): string | null } {
  return {
    get(name) {
      const value = req.headers[name.toLowerCase()]
      if (value === undefined) return null
      return typeof value === 'string' ? value : value.join(name.toLowerCase() === 'cookie' ? '; ' : ', ')
    },
  }
}

/** The `node:http` helper returned by `nodeSessions()`. */
export interface NodeSessions<T extends SessionData<T> = Record<string, Json>, R extends NodeRequest = NodeRequest> {
  /** Reads the session of `req` from its Cookie header (never reads the body). */
  load(req: R): Promise<Session<T>>
  /**
   * The CSRF check of `config.csrf`: true when the request may go on (always, when the
   * check is off). `body`: the request's parsed form fields, when you parsed them.
   */
  checkCsrf(req: R, session: Session<T>, body?: unknown): Promise<boolean>
  /**
   * Seals `session` and writes it onto `res` (see `writeCommit()`). Call it before the
   * response's headers are sent. Throws `SessionTooLargeError` before writing anything.
   */
  commit(session: Session<T>, res: NodeResponse): Promise<void>
  /** The engine of `req`, for `revokeSubject()` and the device list. */
  engine(req: R): SessionEngine<T>
}

/**
 * Sessions on a plain `node:http` server: load the session from the request's headers,
 * commit it onto the response before its headers are sent.
 *
 * @param options - `SessionOptions` (from `sealed-session`), or a function of the request returning them.
 * @param config - `csrf`: enforce `session.csrfToken()` on unsafe methods (default off).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * import { nodeSessions } from 'sealed-session/node'
 *
 * const sessions = nodeSessions<{ visits: number }>({ secrets: process.env.SESSION_SECRETS ?? '' })
 * createServer(async (req, res) => {
 *   const session = await sessions.load(req)
 *   session.set('visits', (session.get('visits') ?? 0) + 1)
 *   await sessions.commit(session, res)
 *   res.end(`visit ${session.get('visits')}`)
 * }).listen(3000)
 * ```
 */
export function nodeSessions<T extends SessionData<T> = Record<string, Json>, R extends NodeRequest = NodeRequest>(
  options: NodeSessionOptions<R>,
  config?: NodeSessionConfig,
): NodeSessions<T, R> {
  const { checkCsrf } = adapterConfig('nodeSessions()', config)
  // Fixed options fail here, at start-up, never at a user's request.
  const engineOf = engineFor<T, R>(options)
  const engines = new WeakMap<Session<T>, SessionEngine<T>>()
  return {
    async load(req) {
      const engine = engineOf(req)
      const session = await engine.load(headersOf(req))
      engines.set(session, engine)
      return session
    },
    async checkCsrf(req, session, body) {
      return checkCsrf === undefined || (await checkCsrf(csrfRequest(req, body), session))
    },
    async commit(session, res) {
      const engine = engines.get(session)
      if (engine === undefined) throw new TypeError('commit() takes a session returned by load() of the same nodeSessions()')
      writeCommit(res, await engine.commit(session))
    },
    engine: engineOf,
  }
}

/**
 * A web `Request` carrying what the core CSRF check reads: the method, the headers, and
 * as a form body the string fields of an already parsed body (bounded by the body
 * parser's own limit). The raw body stream is never touched: it belongs to the app.
 */
export function csrfRequest(req: NodeRequest, body?: unknown): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'content-length' || name === 'content-type' || name === 'transfer-encoding') continue
    try {
      headers.set(name, typeof value === 'string' ? value : value.join(', '))
    } catch {
      // A value the fetch Headers refuses is not a token.
    }
  }
  const method = req.method ?? 'GET'
  let form: URLSearchParams | undefined
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && method !== 'GET' && method !== 'HEAD' && method !== 'TRACE') {
    form = new URLSearchParams()
    for (const [name, value] of Object.entries(body)) if (typeof value === 'string') form.append(name, value)
  }
  // fetch refuses CONNECT, TRACE and TRACK as methods: TRACE is safe (no token needed), the others are checked as POST.
  const as = method === 'TRACE' ? 'GET' : method === 'CONNECT' || method === 'TRACK' ? 'POST' : method
  return new Request('http://localhost/', { method: as, headers, ...(form === undefined || as === 'GET' ? {} : { body: form }) })
}

/** Answers a refused CSRF check on a plain Node response: 403, never cached (`csrfRefusal()`). */
export async function writeCsrfRefusal(req: NodeRequest, res: NodeResponse & { end(body: string): unknown }): Promise<void> {
  const refusal = csrfRefusal(new Request('http://localhost/', { headers: { accept: headersOf(req).get('accept') ?? '' } }))
  res.statusCode = refusal.status
  for (const [name, value] of refusal.headers) res.setHeader(name, value)
  res.end(await refusal.text())
}
