import type { SessionEngine } from '../engine/engine.js'
import { adapterConfig, engineFor } from '../engine/kit.js'
import type { Session } from '../session/session.js'
import { writeCommitHeaders } from '../transport/commit.js'
import { headerText } from '../engine/node-response.js'
import { CsrfError, type RegisteredData } from './express.js'
import { csrfRequest, headersOf, type NodeRequest, type NodeSessionConfig, type NodeSessionOptions } from './http.js'

/**
 * What the plugin adds to Fastify's request. Merge it into Fastify's own type once in your
 * app (declaration merging, no casts):
 *
 * ```ts
 * import type { FastifySessionFields } from 'sealed-session/node'
 * declare module 'fastify' {
 *   interface FastifyRequest extends FastifySessionFields {}
 * }
 * ```
 */
export interface FastifySessionFields {
  /** This request's session, set by `fastifySession()`. */
  session: Session<RegisteredData>
  /** The engine, for `revokeSubject()` (sign a user out everywhere). */
  sessions: SessionEngine<RegisteredData>
}

/** Fastify's request, by the members the plugin uses. */
export interface FastifyRequestLike extends NodeRequest {
  /** The parsed body, read by the CSRF check in `preHandler`. */
  readonly body?: unknown
}

/** Fastify's reply, by the members the plugin uses. */
export interface FastifyReplyLike {
  /** The status to send: 500 or more leaves the session as it was. */
  readonly statusCode: number
  /** A header set so far. */
  getHeader(name: string): number | string | readonly string[] | undefined
  /** Sets a header; for Set-Cookie each call adds one. */
  header(name: string, value: string): unknown
}

/** Fastify's instance, by the members the plugin uses. */
export interface FastifyInstanceLike {
  /** Declares `request.session` and `request.sessions` (Fastify's request shape). */
  decorateRequest(property: string, value: null): unknown
  /** Adds the plugin's hooks. */
  addHook(name: 'onRequest', hook: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<void>): unknown
  /** Adds the plugin's hooks. */
  addHook(name: 'preHandler', hook: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<void>): unknown
  /** Adds the plugin's hooks. */
  addHook(name: 'onSend', hook: (request: FastifyRequestLike, reply: FastifyReplyLike, payload: unknown) => Promise<unknown>): unknown
}

/** The plugin `fastifySession()` returns: give it to `app.register()`. */
export type FastifySessionPlugin = (instance: FastifyInstanceLike, options: unknown) => Promise<void>

interface Loaded {
  readonly session: Session<RegisteredData>
  readonly sessions: SessionEngine<RegisteredData>
}

/**
 * Session plugin for Fastify 5: `request.session` and `request.sessions`. The session is
 * loaded in `onRequest`, the CSRF check runs in `preHandler` (after body parsing, so a
 * form's `_csrf` field is seen) and the commit in `onSend`: each Set-Cookie is added with
 * its own `reply.header()` call, `no-store` merged into Cache-Control and `Cookie` into
 * Vary, only when the cookie changes. A reply of status 500 or more leaves the session as
 * it was. `SessionTooLargeError` and `CsrfError` (`statusCode` 403) go to Fastify's error
 * handling. The plugin skips Fastify's encapsulation (as `fastify-plugin` does, by the same
 * `skip-override` symbol, so this package imports nothing from Fastify): registered at the
 * root, it serves every route.
 *
 * @param options - `SessionOptions` (from `sealed-session`), or a function of the request returning them.
 * @param config - `csrf`: enforce `session.csrfToken()` on unsafe methods (default off).
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { fastifySession } from 'sealed-session/node'
 *
 * const app = Fastify()
 * await app.register(fastifySession({ secrets: process.env.SESSION_SECRETS ?? '' }))
 * ```
 */
export function fastifySession(options: NodeSessionOptions<FastifyRequestLike>, config?: NodeSessionConfig): FastifySessionPlugin {
  const { checkCsrf } = adapterConfig('fastifySession()', config)
  // Fixed options fail here, at start-up, never at a user's request.
  const engineOf = engineFor<RegisteredData, FastifyRequestLike>(options)
  const loaded = new WeakMap<FastifyRequestLike, Loaded>()
  async function sealedSession(instance: FastifyInstanceLike): Promise<void> {
    instance.decorateRequest('session', null)
    instance.decorateRequest('sessions', null)
    instance.addHook('onRequest', async function loadSession(request) {
      const sessions = engineOf(request)
      const session = await sessions.load(headersOf(request))
      loaded.set(request, { session, sessions })
      Object.assign(request, { session, sessions })
    })
    if (checkCsrf !== undefined) {
      instance.addHook('preHandler', async function checkSessionCsrf(request) {
        const state = loaded.get(request)
        // OWASP CSRF cheat sheet: a synchronizer token on every state-changing request.
        if (state !== undefined && !(await checkCsrf(csrfRequest(request, request.body), state.session))) throw new CsrfError()
      })
    }
    instance.addHook('onSend', async function commitSession(request, reply, payload) {
      const state = loaded.get(request)
      // Once per request: the error reply of a failed commit passes here again.
      loaded.delete(request)
      if (state === undefined || reply.statusCode >= 500) return payload
      const commit = await state.sessions.commit(state.session)
      for (const value of commit.setCookie) reply.header('set-cookie', value)
      writeCommitHeaders(commit, (name) => headerText(reply.getHeader(name)), (name, value) => reply.header(name, value))
      return payload
    })
  }
  // What fastify-plugin sets: the hooks apply outside the registering context; the name shows in errors.
  Object.assign(sealedSession, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'sealed-session',
    [Symbol.for('plugin-meta')]: { name: 'sealed-session', fastify: '5.x' },
  })
  return sealedSession
}
