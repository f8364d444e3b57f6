import { createError, defineEventHandler, getRequestWebStream, type EventHandler, type EventHandlerRequest, type H3Event } from 'h3'
import type { CsrfCheck, CsrfOptions } from '../engine/csrf.js'
import type { SessionEngine } from '../engine/engine.js'
import { adapterConfig, engineFor, CSRF_REFUSED } from '../engine/kit.js'
import { writeCommit as writeNodeCommit } from '../engine/node-response.js'
import { SessionTooLargeError } from '../errors.js'
import type { Json } from '../session/envelope.js'
import type { SessionOptions } from '../session/options.js'
import type { Session, SessionData } from '../session/session.js'
import type { SessionCommit } from '../transport/commit.js'

export type { CsrfOptions }

/**
 * Declares your session data type for `useSealedSession(event)`, once in your app (module
 * augmentation, as h3 types `event.context` and nuxt-auth-utils its `User`; no casts):
 *
 * ```ts
 * declare module 'sealed-session/h3' {
 *   interface Register { data: { cart: string[] } }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface Register {}

/** The session data type declared in `Register` (`Record<string, Json>` when none is). */
export type RegisteredData = Register extends { data: infer T extends SessionData<T> } ? T : Record<string, Json>

/** Options, or a function of the event computing them (Nuxt: `useRuntimeConfig(event)`). */
export type H3SessionOptions = SessionOptions | ((event: H3Event) => SessionOptions)

/** Behaviour of the middleware, beside the session options. */
export interface H3SessionConfig {
  /**
   * Require a valid `session.csrfToken()` on every method but GET, HEAD, OPTIONS and TRACE;
   * others are refused with h3's error, status 403. The token comes from the `x-csrf-token`
   * header, or the `_csrf` field within a form body's first 64 KiB (read from a copy, so
   * `readBody(event)` still gets the whole body): put the hidden input first. @default false
   */
  readonly csrf?: boolean | CsrfOptions
}

/** What h3's `onBeforeResponse` and Nitro's `beforeResponse` hook hand over: the body about to be sent. */
export interface H3ResponseLike {
  /** The handler's result; replaced by h3's error when the session no longer fits its cookie. */
  body?: unknown
}

/** The session of one event, and the engine that loaded it. */
interface Loaded {
  readonly session: Session<RegisteredData>
  readonly sessions: SessionEngine<RegisteredData>
}

// One entry per event: nothing is added to `event.context`, which a Nuxt app may serialise.
const loaded = new WeakMap<H3Event, Loaded>()

/**
 * Session middleware for h3 1.15 (Nuxt 4 and Nitro 2 run it): loads the event's session
 * (`useSealedSession(event)`) and, with `csrf`, refuses an unsafe request without a valid
 * token (h3's error, status 403, `Cache-Control: no-store`). The session is committed by
 * `commitSealedSession`, registered once as the app's `onBeforeResponse` (h3's `createApp`)
 * or Nitro's `beforeResponse` hook (a server plugin), or called before a handler sends the
 * response itself (`sendRedirect`, `sendStream`).
 *
 * @param options - `SessionOptions` (from `sealed-session`), or a function of the event returning them.
 * @param config - `csrf`: enforce `session.csrfToken()` on unsafe methods (default off).
 *
 * @example
 * ```ts
 * // server/middleware/session.ts
 * import { sealedSession } from 'sealed-session/h3'
 *
 * export default sealedSession((event) => ({ secrets: useRuntimeConfig(event).sessionSecrets }))
 * ```
 */
export function sealedSession(options: H3SessionOptions, config?: H3SessionConfig): EventHandler<EventHandlerRequest, Promise<void>> {
  const { checkCsrf } = adapterConfig('sealedSession()', config)
  // Fixed options fail here, at start-up, never at a user's request.
  const engineOf = engineFor<RegisteredData, H3Event>(options)
  return defineEventHandler(async function sealedSession(event: H3Event): Promise<void> {
    const sessions = engineOf(event)
    const session = await sessions.load(event.headers)
    loaded.set(event, { session, sessions })
    // OWASP CSRF cheat sheet: a synchronizer token on every state-changing request.
    if (checkCsrf !== undefined && !(await csrfPasses(checkCsrf, event, session))) {
      // A refusal is never stored by a shared cache (RFC 9111 §5.2.2.5).
      event.node.res.setHeader('cache-control', 'no-store')
      throw createError({ statusCode: 403, statusMessage: 'Forbidden', message: CSRF_REFUSED })
    }
  })
}

/**
 * The typed session of `event`, loaded by the `sealedSession()` middleware. Change it
 * (`set`, `login`, `logout`); the change goes out with the response. Throws when the
 * middleware did not run for this event.
 */
export function useSealedSession(event: H3Event): Session<RegisteredData> {
  return loadedOf(event, 'useSealedSession').session
}

/** The engine of `event`'s session, for `revokeSubject()` (sign a user out everywhere) and the device list. */
export function useSealedSessions(event: H3Event): SessionEngine<RegisteredData> {
  return loadedOf(event, 'useSealedSessions').sessions
}

/**
 * Commits the session of `event` onto h3's response headers: each Set-Cookie after the
 * app's own, `no-store` merged into Cache-Control and `Cookie` into Vary, nothing when the
 * cookie needs no change. Register it once as the commit of every response, with the
 * `response` argument: `createApp({ onBeforeResponse: commitSealedSession })`, or in Nuxt
 * and Nitro `nitroApp.hooks.hook('beforeResponse', commitSealedSession)`. There a session
 * too large for its cookie replaces the body with h3's error (500, `statusMessage`
 * 'Session too large'), since Nitro's hooks swallow what they throw, and a handler's own
 * error or a status of 500 or more leaves the session as it was. Called from a handler
 * (without `response`), before a response the handler sends itself (`sendRedirect`,
 * `sendStream`: h3 runs no hook for those), it throws that error instead. Committing
 * again later only sends what changed since.
 */
export async function commitSealedSession(event: H3Event, response?: H3ResponseLike): Promise<void> {
  if (response !== undefined) {
    const state = loaded.get(event)
    // Not a session route (the middleware did not run), or a failed handler: nothing to send.
    if (state === undefined || response.body instanceof Error || event.node.res.statusCode >= 500) return
    try {
      writeCommit(event, await state.sessions.commit(state.session))
    } catch (error) {
      if (!(error instanceof SessionTooLargeError)) throw error
      response.body = tooLarge(error)
    }
    return
  }
  const state = loadedOf(event, 'commitSealedSession')
  try {
    writeCommit(event, await state.sessions.commit(state.session))
  } catch (error) {
    throw error instanceof SessionTooLargeError ? tooLarge(error) : error
  }
}

/** h3's error for a session that no longer fits its cookie: the browser keeps its previous cookie. */
function tooLarge(error: SessionTooLargeError): Error {
  return createError({
    statusCode: 500,
    statusMessage: 'Session too large',
    message: error.message,
    data: { code: error.code, size: error.size, limit: error.limit },
    cause: error,
  })
}

function loadedOf(event: H3Event, caller: string): Loaded {
  const state = loaded.get(event)
  if (state === undefined) throw new Error(`${caller}(event): no session was loaded for this event; run the sealedSession() middleware first (Nuxt: server/middleware/session.ts)`)
  return state
}

/** Writes a commit with h3's response headers (`event.node.res`, Node's or Nitro's own), as the Node adapters do. */
function writeCommit(event: H3Event, commit: SessionCommit): void {
  if (commit.headers.length > 0 && event.handled) throw new Error('sealed-session: the response was already sent, so the session cookie cannot be set; call commitSealedSession(event) before sendRedirect() or sendStream()')
  writeNodeCommit(event.node.res, commit)
}

/** Runs the core check on a copy of the request, then lets go of what the check did not need. */
async function csrfPasses(checkCsrf: CsrfCheck, event: H3Event, session: Session<RegisteredData>): Promise<boolean> {
  const { request, rest } = csrfRequest(event)
  let passed = false
  try {
    passed = await checkCsrf(request, session)
    return passed
  } finally {
    // An unread branch of a tee keeps what the other reads: cancel ours (the token came from
    // the header, or the field was found). Not awaited: a cancelled branch settles only once
    // the other one is done. A refused request's body is dropped too, so nothing reads on.
    request.body?.cancel().catch(() => {})
    if (!passed) rest?.cancel().catch(() => {})
  }
}

/**
 * A web `Request` for the core CSRF check: the event's method and headers and, for a
 * request with a body, one branch of it (`tee()`); `rest`, the other branch, becomes the
 * event's body for `readBody(event)`. The check reads at most the first 64 KiB, and only
 * when the token is not in the header and the body is a form.
 */
function csrfRequest(event: H3Event): { request: Request; rest: ReadableStream | undefined } {
  // fetch refuses CONNECT and TRACE as methods: TRACE is safe (no token needed), CONNECT is checked as POST.
  const method = event.method === 'TRACE' ? 'GET' : event.method === 'CONNECT' ? 'POST' : event.method
  const stream = PAYLOAD_METHODS.has(event.method) ? bodyOf(event) : undefined
  if (stream === undefined) return { request: new Request('http://localhost/', { method, headers: event.headers }), rest: undefined }
  const [ours, rest] = stream.tee()
  event._requestBody = rest
  // `duplex: 'half'`: a stream body (fetch's rule, which DOM's RequestInit type does not list yet).
  const init: RequestInit & { duplex: 'half' } = { method, headers: event.headers, body: ours, duplex: 'half' }
  return { request: new Request('http://localhost/', init), rest }
}

/** The methods whose body h3 reads (`readBody`, `getRequestWebStream`). */
const PAYLOAD_METHODS: ReadonlySet<string> = new Set(['PATCH', 'POST', 'PUT', 'DELETE'])

/**
 * The event's body as a web stream. A body h3 already holds (a web request, Nitro's
 * internal fetch, a body read before) comes from `getRequestWebStream()`. A Node request's
 * stream is read only as far as a reader pulls (h3's own stream reads it all, as it
 * arrives, whether or not anyone reads it): the check runs before authentication, and a
 * body it made Node read whole would let anyone spend the server's memory (CWE-770; see
 * docs/SECURITY.md).
 */
function bodyOf(event: H3Event): ReadableStream<Uint8Array> | undefined {
  const req = event.node.req
  if (event._requestBody !== undefined || event.web?.request !== undefined || '__unenv__' in req || 'rawBody' in req || 'body' in req || Symbol.for('h3RawBody') in req) {
    return getRequestWebStream(event)
  }
  let listening = false
  let done = false
  const onData = (chunk: Uint8Array): void => {
    if (done) return
    controller?.enqueue(new Uint8Array(chunk))
    // Pulled one chunk at a time: Node holds the rest back (TCP flow control).
    if ((controller?.desiredSize ?? 0) <= 0) req.pause()
  }
  const onEnd = (): void => {
    if (!done) controller?.close()
    stop()
  }
  const onError = (error: unknown): void => {
    if (!done) controller?.error(error)
    stop()
  }
  const stop = (): void => {
    done = true
    req.off('data', onData)
    req.off('end', onEnd)
    req.off('error', onError)
  }
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined
  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c
      },
      pull() {
        if (!listening) {
          listening = true
          req.on('data', onData)
          req.on('end', onEnd)
          req.on('error', onError)
        }
        req.resume()
      },
      cancel() {
        // Nobody reads on: held back until the response is sent, then Node discards the rest.
        stop()
        req.pause()
      },
    },
    { highWaterMark: 0 },
  )
}
