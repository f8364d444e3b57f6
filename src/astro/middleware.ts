import type { APIContext, MiddlewareHandler } from 'astro'
import type { SessionEngine } from '../engine/engine.js'
import { ConfigurationError } from '../errors.js'
import type { Json } from '../session/envelope.js'
import type { SessionOptions } from '../session/options.js'
import type { Session, SessionData } from '../session/session.js'
import { withCommit } from '../transport/commit.js'
import type { CsrfOptions } from '../engine/csrf.js'
import { adapterConfig, csrfRefusal, engineFor } from '../engine/kit.js'

export type { CsrfOptions }

/**
 * What the middleware puts on `context.locals`. Declare it in `App.Locals` (src/env.d.ts)
 * so that `Astro.locals.session` is typed in pages, API routes and later middleware.
 */
export interface SessionLocals<T extends SessionData<T> = Record<string, Json>> {
  /** This request's session (`Astro.locals.session`): read it, change it, sign in and out. */
  session: Session<T>
  /** The engine, for `revokeSubject()` (sign a user out everywhere). */
  sessions: SessionEngine<T>
}

/**
 * Options, or a function computing them per request from Astro's context (read secrets
 * at run time, never at build time: `getSecret()` from `astro:env/server`, `process.env`,
 * or the Cloudflare bindings).
 */
export type AstroSessionOptions = SessionOptions | ((context: APIContext) => SessionOptions)

/** Behaviour of the middleware itself, beside the session options. */
export interface SessionMiddlewareConfig {
  /**
   * Require a valid `session.csrfToken()` (a synchronizer token) on every POST, PUT, PATCH
   * and DELETE (any method but GET, HEAD, OPTIONS and TRACE): others get 403 before any page
   * or route runs. Astro's own `security.checkOrigin` (on by default) already refuses
   * cross-site form posts; this adds a per-session token for requests it does not cover.
   * The token comes from the `x-csrf-token` header, or the `_csrf` field within a form
   * body's first 64 KiB (read from a copy, so routes still get the whole body): put the
   * hidden input first. @default false
   */
  readonly csrf?: boolean | CsrfOptions
}


/** The locals this middleware has filled: a nested run (a rewrite) keeps the outer session. */
const handled = new WeakSet<object>()

/**
 * Astro middleware: loads the session into `context.locals.session` before your pages and
 * API routes run, and commits it on the Response that `next()` returns: Set-Cookie is
 * appended (your own cookies stay), `Cache-Control: no-store` merged and `Vary: Cookie`
 * added only when the cookie is set, and nothing is done when nothing changed. Use it as
 * `onRequest` in src/middleware.ts, alone or in Astro's `sequence()` before the middleware
 * that reads the session.
 *
 * On-demand rendered routes only (`output: 'server'`, or `export const prerender = false`):
 * a prerendered page is built once without a request, so there is no cookie to read and no
 * response to set one on; reading `locals.session` there throws, so no page is built
 * showing a signed-out visitor to everyone.
 *
 * Change the session in a page's frontmatter, an API route or a middleware, as with
 * `Astro.cookies`: not in a component rendered while the page streams. A session that no
 * longer fits its cookie throws `SessionTooLargeError` from the middleware: Astro renders
 * src/pages/500.astro (status 500) with it as `Astro.props.error`, and the browser keeps
 * its previous cookie.
 *
 * @param options - `SessionOptions` (from `sealed-session`): `secrets` (required), `cookie`
 * (default `__Host-session`, Secure, HttpOnly, SameSite=Lax), `lifetime` (`maxAge`
 * default 7 days, `idleTimeout` 1 day), `revocation: { store }`, `onEvent`, … An object is checked when the
 * middleware is built; a function `(context) => options` is called on each request.
 * @param config - `csrf`: enforce `session.csrfToken()` on unsafe methods (default off).
 *
 * @example
 * ```ts
 * // src/middleware.ts
 * import { getSecret } from 'astro:env/server'
 * import { sessionMiddleware } from 'sealed-session/astro'
 *
 * export const onRequest = sessionMiddleware<{ cart: string[] }>(() => ({ secrets: getSecret('SESSION_SECRETS') ?? '' }))
 * ```
 */
export function sessionMiddleware<T extends SessionData<T> = Record<string, Json>>(
  options: AstroSessionOptions,
  config: SessionMiddlewareConfig = {},
): MiddlewareHandler {
  const { checkCsrf } = adapterConfig('sessionMiddleware()', config)
  // Fixed options fail here, when the server starts, never at a user's request.
  const engineOf = engineFor<T, APIContext>(options)
  return async function sealedSession(context, next) {
    if (handled.has(context.locals)) return next()
    handled.add(context.locals)
    if (context.isPrerendered) {
      refuseOnPrerendered(context)
      return next()
    }
    const sessions = engineOf(context)
    const session = await sessions.load(context.request)
    Object.assign(context.locals, { session, sessions } satisfies SessionLocals<T>)
    // OWASP CSRF cheat sheet: a synchronizer token on every state-changing request.
    if (checkCsrf !== undefined && !(await checkCsrf(context.request, session))) {
      return csrfRefusal(context.request)
    }
    const response = await next()
    let commit
    try {
      commit = await sessions.commit(session)
    } catch (error) {
      // The page is replaced by Astro's error page: release its unread body.
      await response.body?.cancel().catch(() => {})
      throw error
    }
    // A redirect or a fetch() response has immutable headers: withCommit copies it then.
    return withCommit(response, commit)
  }
}

/** On a prerendered page, `locals.session` and `locals.sessions` throw with the fix. */
function refuseOnPrerendered(context: APIContext): void {
  const route = context.routePattern
  const refuse = (): never => {
    throw new ConfigurationError(
      `sessionMiddleware(): ${route} is prerendered, so it has no request cookies and cannot set one. ` +
        "Render it on demand (export const prerender = false, or output: 'server') to use Astro.locals.session",
    )
  }
  for (const key of ['session', 'sessions']) Object.defineProperty(context.locals, key, { get: refuse, configurable: true, enumerable: false })
}
