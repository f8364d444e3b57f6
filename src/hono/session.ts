import type { Context, Env, MiddlewareHandler } from 'hono'
import { createMiddleware } from 'hono/factory'
import { HTTPException } from 'hono/http-exception'
import { withCommit } from '../transport/commit.js'
import type { CsrfOptions } from '../engine/csrf.js'
import { adapterConfig, engineFor, CSRF_REFUSED } from '../engine/kit.js'

export type { CsrfOptions }
import type { Json } from '../session/envelope.js'
import type { SessionEngine } from '../engine/engine.js'
import type { SessionOptions } from '../session/options.js'
import type { Session, SessionData } from '../session/session.js'

/** The context variables `session()` sets: `c.get('session')` and `c.get('sessions')`. */
export type SessionVariables<T extends SessionData<T> = Record<string, Json>> = {
  /** This request's session. */
  session: Session<T>
  /** The engine, for `revokeSubject()` (log a user out everywhere). */
  sessions: SessionEngine<T>
}

/** The Hono `Env` the middleware adds: use it in `new Hono<SessionEnv<Data>>()` when not chaining `.use()`. */
export type SessionEnv<T extends SessionData<T> = Record<string, Json>> = { Variables: SessionVariables<T> }

/** Options, or a function computing them per request (on Workers, secrets and KV live in `c.env`). */
export type SessionMiddlewareOptions<T extends SessionData<T> = Record<string, Json>, E extends Env = Env> =
  | SessionOptions
  | ((c: Context<E & SessionEnv<T>>) => SessionOptions)

/** Behaviour of the middleware itself, beside the session options. */
export interface SessionMiddlewareConfig {
  /**
   * Require a valid `session.csrfToken()` on every POST, PUT, PATCH and DELETE (any
   * method but GET, HEAD, OPTIONS and TRACE); others get 403. The token comes from the
   * `x-csrf-token` header, or the `_csrf` field within a form body's first 64 KiB (read
   * from a copy, so handlers still get the whole body): put the hidden input first.
   * @default false
   */
  readonly csrf?: boolean | CsrfOptions
}


/**
 * Session middleware. Loads the session before your handlers, commits it after them:
 * Set-Cookie is appended (your own cookies stay), `Cache-Control: no-store` is merged
 * and `Vary: Cookie` added only when the cookie is set, and nothing is done when nothing
 * changed. A session that no longer fits its cookie throws `SessionTooLargeError` into
 * Hono's error handling (`app.onError`), and the browser keeps its previous cookie.
 *
 * Options given as an object are checked when the middleware is built; options given as
 * a function are checked on each request, and key derivation stays cached per secret
 * across requests, so computing them per request costs nothing measurable.
 *
 * @param options - `SessionOptions` (from `sealed-session`): `secrets` (required), `cookie`, `lifetime`
 * (`maxAge` default 7 days, `idleTimeout` 1 day), `revocation: { store }`, `onEvent`, … or a
 * function `(c) => options`.
 * @param config - `csrf`: enforce `session.csrfToken()` on unsafe methods (default off).
 *
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * import { session } from 'sealed-session/hono'
 *
 * type Data = { cart: string[] }
 * const app = new Hono<{ Bindings: { SESSION_SECRET: string } }>()
 *   .use(session<Data>((c) => ({ secrets: c.env.SESSION_SECRET })))
 *   .post('/cart', (c) => {
 *     const s = c.get('session')
 *     s.set('cart', [...(s.get('cart') ?? []), 'apple'])
 *     return c.redirect('/')
 *   })
 * ```
 */
export function session<T extends SessionData<T> = Record<string, Json>, E extends Env = Env>(
  options: SessionMiddlewareOptions<T, E>,
  config: SessionMiddlewareConfig = {},
): MiddlewareHandler<E & SessionEnv<T>> {
  const { checkCsrf } = adapterConfig('session()', config)
  // Fixed options fail here, at start-up, never at a user's request.
  const engineOf = engineFor<T, Context<E & SessionEnv<T>>>(options)
  return createMiddleware<E & SessionEnv<T>>(async function session(c, next) {
    const sessions = engineOf(c)
    const current = await sessions.load(c.req.raw)
    c.set('session', current)
    c.set('sessions', sessions)
    // OWASP CSRF cheat sheet: a synchronizer token on every state-changing request.
    if (checkCsrf !== undefined && !(await checkCsrf(c.req.raw, current))) {
      throw new HTTPException(403, { message: CSRF_REFUSED })
    }
    await next()
    // A handler that failed leaves the session as it was: no half-finished login is sent.
    if (c.error !== undefined) return
    const commit = await sessions.commit(current)
    // Headers of a Response from fetch() are immutable: withCommit copies it once then.
    if (commit.headers.length > 0) c.res = withCommit(c.res, commit)
  })
}
