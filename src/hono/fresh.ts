import type { Context, Env, MiddlewareHandler } from 'hono'
import { createMiddleware } from 'hono/factory'
import { HTTPException } from 'hono/http-exception'
import { ConfigurationError } from '../errors.js'
import type { Json } from '../json.js'
import type { Session, SessionData } from '../session/session.js'
import type { SessionEnv } from './session.js'

/** Options of {@link requireFresh}. */
export interface RequireFreshOptions<E extends Env = Env> {
  /**
   * The answer when the sign-in is older than `maxAge` (or there is none): a redirect to
   * your sign-in page, say. @default throws `HTTPException(401)` into `app.onError`
   */
  readonly onStale?: (c: Context<E>) => Response | Promise<Response>
}

/**
 * Re-authentication before sensitive actions (OWASP ASVS 5.0 V7.5): lets the request
 * through only when the user signed in at most `maxAge` seconds ago (`session.isFresh()`).
 * Put it after `session()`, on the routes that change a password, an e-mail address or
 * payment details.
 *
 * @param maxAge - seconds since `login()`.
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * import { requireFresh, session } from 'sealed-session/hono'
 *
 * type Env = { Bindings: { SESSION_SECRETS: string } }
 * const app = new Hono<Env>()
 *   .use(session<{}, Env>((c) => ({ secrets: c.env.SESSION_SECRETS })))
 *   .use('/settings/*', requireFresh(300, { onStale: (c) => c.redirect('/login?reauth=1', 303) }))
 * ```
 */
export function requireFresh<T extends SessionData<T> = Record<string, Json>, E extends Env = Env>(
  maxAge: number,
  options: RequireFreshOptions<E & SessionEnv<T>> = {},
): MiddlewareHandler<E & SessionEnv<T>> {
  if (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 0) {
    throw new ConfigurationError(`requireFresh(maxAge) needs whole seconds, got ${String(maxAge)}`)
  }
  return createMiddleware<E & SessionEnv<T>>(async function requireFresh(c, next) {
    // Typed as always set; undefined only when session() was not installed before this.
    const current: Session<T> | undefined = c.get('session')
    if (current === undefined) throw new ConfigurationError('requireFresh() runs after session(): add app.use(session(...)) first')
    if (!current.isFresh(maxAge)) {
      if (options.onStale !== undefined) return options.onStale(c)
      throw new HTTPException(401, { message: 'Please sign in again to continue' })
    }
    await next()
  })
}
