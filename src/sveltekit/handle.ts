import type { Handle, RequestEvent } from '@sveltejs/kit'
import type { SessionEngine } from '../engine/engine.js'
import { SessionTooLargeError } from '../errors.js'
import type { Json } from '../session/envelope.js'
import type { SessionOptions } from '../session/options.js'
import type { Session, SessionData } from '../session/session.js'
import { withCommit, type SessionCommit } from '../transport/commit.js'
import type { CsrfOptions } from '../engine/csrf.js'
import { adapterConfig, csrfRefusal, engineFor, lowerSameSite } from '../engine/kit.js'

export type { CsrfOptions }

/**
 * What `sessionHandle()` puts on `event.locals`. Declare it in `src/app.d.ts`, whole
 * (`interface Locals extends SessionLocals<Data> {}`) or the part you use
 * (`interface Locals { session: Session<Data> }`).
 */
export interface SessionLocals<T extends SessionData<T> = Record<string, Json>> {
  /** This request's session (`locals.session`): read it, change it, sign in and out. */
  session: Session<T>
  /** The engine, for `revokeSubject()` (sign a user out everywhere). */
  sessions: SessionEngine<T>
}

/**
 * Options, or a function computing them per request: read secrets at run time
 * (`$env/dynamic/private`, or `event.platform.env` on Cloudflare), so `vite build` never
 * needs them.
 */
export type SessionHandleOptions = SessionOptions | ((event: RequestEvent) => SessionOptions)

/** Behaviour of the hook itself, beside the session options. */
export interface SessionHandleConfig {
  /**
   * Also require a valid `session.csrfToken()` (a form field or a header) on every POST,
   * PUT, PATCH and DELETE (any method but GET, HEAD, OPTIONS and TRACE); others get 403.
   * The token comes from the `x-csrf-token` header, or the `_csrf` field within a form
   * body's first 64 KiB (read from a copy, so actions still get the whole body): put the
   * hidden input first. SvelteKit's own Origin check on form posts runs first, in
   * production builds, whatever this says. @default false
   */
  readonly csrf?: boolean | CsrfOptions
}

/** This request's session and what is still to be sent for it. */
interface Pending {
  readonly commit: () => Promise<SessionCommit>
  /** Commits made by `saveSession()`, sent in order before the hook's own. */
  readonly commits: SessionCommit[]
  /** `saveSession()` threw `SessionTooLargeError`: the application has seen it. */
  refused: boolean
}

/** Redirect statuses a cache does not store unless told to: the only ones a thrown redirect may commit on. */
const uncacheable: ReadonlySet<number> = new Set([302, 303, 307])

/** Sessions loaded by a `sessionHandle()`, to what they still have to send. */
const pending = new WeakMap<object, Pending>()


/**
 * The `handle` hook: loads the session into `event.locals.session` before your loads,
 * actions and endpoints, and commits it onto the response after them. Set-Cookie is
 * appended to the response (your own `cookies.set()` cookies stay), with
 * `Cache-Control: no-store` merged and `Vary: Cookie` added, and only when the cookie
 * changes; nothing is sent when nothing changed.
 *
 * The commit is appended to the `Response` rather than written through `event.cookies`,
 * because SvelteKit refuses `cookies.set()` once `resolve()` has returned; the redirect
 * that `redirect(303, …)` in a form action becomes is such a `Response`, so it carries the
 * cookie too. A `redirect()` thrown by a later hook in `sequence()` never becomes a
 * `Response` here: for that one the cookies go through `event.cookies`, which SvelteKit
 * puts on the redirect it builds (without the cache headers, which a 302/303/307 does not
 * need: it is not stored without them). A thrown 301 or 308 (or any other 3xx) leaves the
 * session as it was, because a cache may store that redirect with its Set-Cookie.
 *
 * A response of status 500 or more (an unexpected error in a load or action) leaves the
 * session as it was, as a thrown error does: no half-finished sign-in is sent.
 *
 * A session that no longer fits its cookie throws `SessionTooLargeError` into SvelteKit's
 * `handleError` (a 500). To show it instead, call {@link saveSession} in the action and
 * catch it there: the browser then keeps its previous cookie.
 *
 * Declare the type of `locals.session` (and `locals.sessions`, the engine) in
 * `src/app.d.ts`: `namespace App { interface Locals extends SessionLocals<Data> {} }`, or
 * `interface Locals { session: Session<Data> }`.
 *
 * @param options - `SessionOptions` (from `sealed-session`): `secrets` (required), `cookie`
 * (default `__Host-session`, Secure, HttpOnly, SameSite=Lax), `lifetime` (`maxAge`
 * default 7 days, `idleTimeout` 1 day), `revocation: { store }`, `onEvent`, … An object is checked now; a
 * function `(event) => options` is called on each request.
 * @param config - `csrf`: also require `session.csrfToken()` on unsafe methods (default off).
 *
 * @example
 * ```ts
 * // src/hooks.server.ts
 * import { env } from '$env/dynamic/private'
 * import { sessionHandle } from 'sealed-session/sveltekit'
 *
 * export const handle = sessionHandle<{ name: string }>(() => ({ secrets: env.SESSION_SECRET ?? '' }))
 * ```
 */
export function sessionHandle<T extends SessionData<T> = Record<string, Json>>(options: SessionHandleOptions, config: SessionHandleConfig = {}): Handle {
  const { checkCsrf } = adapterConfig('sessionHandle()', config)
  // Fixed options fail here, when the server starts, never at a user's request.
  const engineOf = engineFor<T, RequestEvent>(options)
  return async function sessionHandle({ event, resolve }) {
    const sessions = engineOf(event)
    const session = await sessions.load(event.request)
    const state: Pending = { commit: () => sessions.commit(session), commits: [], refused: false }
    pending.set(session, state)
    // App.Locals is the application's declaration: the library cannot name its type.
    Object.assign(event.locals, { session, sessions } satisfies SessionLocals<T>)
    // OWASP CSRF cheat sheet: a synchronizer token on every state-changing request.
    if (checkCsrf !== undefined && !(await checkCsrf(event.request, session))) return csrfRefusal(event.request)
    let response: Response
    try {
      response = await resolve(event)
    } catch (error) {
      // RFC 9111 §4.2.2: 301 and 308 are heuristically cacheable, and SvelteKit's redirect
      // carries no Cache-Control; 302, 303 and 307 are not stored without one.
      if (isRedirect(error) && uncacheable.has(error.status)) {
        for (const commit of await settle(state)) {
          for (const cookie of commit.cookies) {
            const { name, value, sameSite, ...attributes } = cookie
            event.cookies.set(name, value, { ...attributes, sameSite: lowerSameSite(sameSite), encode: (raw: string): string => raw })
          }
        }
      }
      // Anything else leaves the session as it was: no half-finished sign-in is sent, and no
      // session cookie rides on a redirect a cache may keep.
      throw error
    }
    // An unexpected error in a load or action became a 500 page: like a thrown error, it
    // leaves the session as it was (what saveSession() sent is kept).
    let commits: readonly SessionCommit[]
    try {
      commits = response.status >= 500 ? state.commits : await settle(state)
    } catch (error) {
      // The response is replaced by SvelteKit's error page: release its unread body.
      await response.body?.cancel().catch(() => {})
      throw error
    }
    for (const commit of commits) response = withCommit(response, commit)
    return response
  }
}

/**
 * Seals `session` now, in a form action or endpoint, so that a session too large for its
 * cookie throws `SessionTooLargeError` where you can catch it and answer with
 * `fail(413, …)`. The Set-Cookie is still sent by `sessionHandle()` with the response.
 * After a `SessionTooLargeError` here, a session still too large at the end of the
 * request is not sent at all: the browser keeps its previous cookie.
 *
 * @param session - `event.locals.session`, as `sessionHandle()` put it there.
 *
 * @example
 * ```ts
 * // src/routes/+page.server.ts
 * import { fail } from '@sveltejs/kit'
 * import { SessionTooLargeError } from 'sealed-session'
 * import { saveSession } from 'sealed-session/sveltekit'
 * import type { Actions } from './$types'
 *
 * export const actions: Actions = {
 *   notes: async ({ request, locals }) => {
 *     locals.session.set('notes', String((await request.formData()).get('notes')))
 *     try {
 *       await saveSession(locals.session)
 *     } catch (error) {
 *       if (error instanceof SessionTooLargeError) return fail(413, { error: error.message })
 *       throw error
 *     }
 *   },
 * }
 * ```
 */
export async function saveSession<T extends SessionData<T>>(session: Session<T>): Promise<void> {
  const state = pending.get(session)
  if (state === undefined) throw new TypeError('saveSession() takes the event.locals.session that sessionHandle() loaded')
  try {
    state.commits.push(await state.commit())
  } catch (error) {
    if (error instanceof SessionTooLargeError) state.refused = true
    throw error
  }
}

/** The commits to send: those of `saveSession()`, then the final one. */
async function settle(state: Pending): Promise<readonly SessionCommit[]> {
  try {
    state.commits.push(await state.commit())
  } catch (error) {
    // Already shown to the application by saveSession(): the browser keeps its cookie.
    if (!(state.refused && error instanceof SessionTooLargeError)) throw error
  }
  return state.commits
}

/**
 * Whether `error` is what SvelteKit's `redirect()` throws (`{ status, location }`; its
 * `HttpError` has a `body` instead). Checked by shape, not with `isRedirect()`: the app's
 * server bundle may hold another copy of `@sveltejs/kit` than the one this package would
 * import, and `instanceof` fails across copies (class names do not survive minifying).
 */
function isRedirect(error: unknown): error is { status: number; location: string } {
  if (typeof error !== 'object' || error === null) return false
  const { status, location } = error as { status?: unknown; location?: unknown }
  return typeof status === 'number' && status >= 300 && status <= 308 && typeof location === 'string'
}

