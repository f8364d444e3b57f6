import {
  createContext,
  type CookieParseOptions,
  type CookieSerializeOptions,
  type MiddlewareFunction,
  type RouterContext,
  type Session as RouterSession,
  type SessionData as RouterSessionData,
  type SessionStorage,
} from 'react-router'
import { createSessions, type SessionEngine } from '../engine/engine.js'
import { engineFor } from '../engine/kit.js'
import { ConfigurationError } from '../errors.js'
import type { CookieSessionOptions, SessionOptions } from '../session/options.js'
import { cookieCommit, withCommit, type SessionCommit } from '../transport/commit.js'
import type { CommittedCookie } from '../cookie/serialize.js'
import { SessionState } from '../session/session.js'
import { RouterSessionState, type SealedSession } from './session.js'

/** Options, or a function returning them, called on each use (read secrets at run time, not at build time). */
export type SealedSessionStorageOptions = CookieSessionOptions | (() => CookieSessionOptions)

/**
 * React Router's `SessionStorage`, sealed: `getSession()`, `commitSession()` and
 * `destroySession()` as in `createCookieSessionStorage()`, plus a middleware that puts the
 * session in the router context and keeps responses that set it out of shared caches.
 */
export interface SealedSessionStorage<Data = RouterSessionData, FlashData = Data> extends SessionStorage<Data, FlashData> {
  /**
   * Opens the session in a Cookie header (`request.headers.get('Cookie')`). A missing,
   * tampered, expired or revoked cookie gives a new, empty session: never an exception.
   * React Router's parse options do not apply (the value is a sealed token) and are refused.
   */
  getSession: (cookieHeader?: string | null, options?: CookieParseOptions) => Promise<SealedSession<Data, FlashData>>
  /**
   * Seals the session and returns its one Set-Cookie header value. It always returns a
   * cookie, as React Router's cookie storage does (the idle expiry moves forward), except
   * `''` when a failing revocation store made the request load as signed out (the browser
   * keeps its cookie). After `logout()` it returns the cookie's removal.
   *
   * Throws `SessionTooLargeError` (`code` `ERR_SESSION_TOO_LARGE`, with `size` and `limit`)
   * when the sealed session does not fit one cookie (4096 bytes with its name), before
   * anything is sent. Cookie attributes and lifetimes are set once in the options
   * (`cookie`, `maxAge`, `idleTimeout`) or per sign-in (`login(subject, { maxAge })`), so
   * serialize options are refused with a TypeError.
   *
   * Send `Cache-Control: no-store` with it (the `middleware` adds it to every response that
   * sets this cookie).
   */
  commitSession: (session: RouterSession<Data, FlashData>, options?: CookieSerializeOptions) => Promise<string>
  /**
   * Signs out (`session.logout()`: with a revocation store, the id is revoked so a copied
   * cookie stops working) and returns the Set-Cookie value that removes the cookie. Throws
   * `RevocationUnavailableError` when the store cannot record the revocation; then
   * `commitSession(session)` still removes this browser's cookie.
   */
  destroySession: (session: RouterSession<Data, FlashData>, options?: CookieSerializeOptions) => Promise<string>
  /**
   * The router context holding this request's session, set by {@link SealedSessionStorage.middleware}:
   * `context.get(sessionStorage.context)` in loaders and actions.
   */
  readonly context: RouterContext<SealedSession<Data, FlashData>>
  /**
   * Root route middleware (`export const middleware = [sessionStorage.middleware]` in
   * `app/root.tsx`): loads the session into {@link SealedSessionStorage.context}, and after
   * the loaders and actions commits it when it changed or is due for a refresh, with
   * `Cache-Control: no-store` and `Vary: Cookie`. A response that already sets this cookie
   * (a handler called `commitSession()` or `destroySession()`) keeps that cookie, and gets
   * the same cache headers.
   */
  readonly middleware: MiddlewareFunction<Response>
  /** Signs `subject` out everywhere (needs `revocation: { store }`). */
  revokeSubject(subject: string): Promise<void>
}

/** Headers for a response that sets the session cookie without our commit: no shared cache keeps it. */
const CACHE_HEADERS: SessionCommit = Object.freeze({
  cookies: Object.freeze([]),
  setCookie: Object.freeze([]),
  headers: Object.freeze([Object.freeze(['Cache-Control', 'no-store'] as const), Object.freeze(['Vary', 'Cookie'] as const)]),
})

/**
 * A React Router session storage that keeps the session in one AES-256-GCM sealed cookie:
 * the same `getSession` / `commitSession` / `destroySession` as
 * `createCookieSessionStorage()`, so an app switches by changing the import and the
 * options. Secrets rotate newest first (`secrets: [newest, older]`); a session sealed
 * under an older secret is sealed again under the newest when it is next committed.
 *
 * One Set-Cookie per commit: React Router's `commitSession()` returns one header value, so
 * chunking over several cookies (`cookie.maxChunks` above 1) is refused, as are the
 * `binding` and `bearer` options, which need more than a Cookie header.
 *
 * @param options - `SessionOptions`: `secrets` (required), `cookie` (default
 * `__Host-session`, Secure, HttpOnly, SameSite=Lax), `lifetime` (`maxAge`
 * default 7 days, `idleTimeout` 1 day), `revocation: { store }`, `onEvent`, … An object is checked now; a
 * function is called on each use, so a build never needs the secrets.
 *
 * @example
 * ```ts
 * // app/sessions.server.ts
 * import { createSealedSessionStorage } from 'sealed-session/react-router'
 *
 * type SessionData = { userId: string }
 * type SessionFlashData = { error: string }
 *
 * export const sessionStorage = createSealedSessionStorage<SessionData, SessionFlashData>(() => ({
 *   secrets: process.env.SESSION_SECRETS ?? '',
 * }))
 * export const { getSession, commitSession, destroySession } = sessionStorage
 * ```
 */
export function createSealedSessionStorage<Data = RouterSessionData, FlashData = Data>(
  options: SealedSessionStorageOptions,
): SealedSessionStorage<Data, FlashData> {
  const engineOf = engineFor<RouterSessionData>(options, createEngine)
  const context = createContext<SealedSession<Data, FlashData>>()

  const ours = (session: RouterSession<Data, FlashData>, method: string): RouterSessionState<Data, FlashData> => {
    if (!(session instanceof RouterSessionState) || session.owner !== storage) {
      throw new TypeError(`${method}() takes a session returned by getSession() of the same storage`)
    }
    return session as RouterSessionState<Data, FlashData>
  }

  // Whether this storage's middleware has run: only it can send a legacy cookie's removal.
  let middlewareRuns = false

  const storage: SealedSessionStorage<Data, FlashData> = {
    context,

    async getSession(cookieHeader, parseOptions) {
      refuseCookieOptions('getSession', parseOptions)
      const engine = engineOf()
      return new RouterSessionState<Data, FlashData>(await engine.load(cookieHeader), storage, engine)
    },

    async commitSession(session, serializeOptions) {
      refuseCookieOptions('commitSession', serializeOptions)
      const state = ours(session, 'commitSession')
      state.touch()
      return oneCookie(state, await state.engine.commit(state.sealed), middlewareRuns)
    },

    async destroySession(session, serializeOptions) {
      refuseCookieOptions('destroySession', serializeOptions)
      const state = ours(session, 'destroySession')
      await state.logout()
      return oneCookie(state, await state.engine.commit(state.sealed), middlewareRuns)
    },

    middleware: async function sealedSessionMiddleware({ request, context: routerContext }, next) {
      middlewareRuns = true
      const engine = engineOf()
      const session = new RouterSessionState<Data, FlashData>(await engine.load(request), storage, engine)
      routerContext.set(context, session)
      const response = await next()
      // A handler's own commitSession()/destroySession() cookie wins: a second Set-Cookie
      // for the same name from this session would replace it in the browser.
      if (setsCookie(response, engine.cookieName)) {
        // The handler committed (this session or one of its own getSession()): the legacy
        // cookies this request carried are expired here, whichever session migrated them.
        const removals = legacyRemovalsOf(session)
        return withCommit(response, removals.length > 0 ? cookieCommit(removals) : CACHE_HEADERS)
      }
      return withCommit(response, await engine.commit(session.sealed))
    },

    revokeSubject: (subject) => engineOf().revokeSubject(subject),
  }
  return storage
}

/** The engine for these options, refusing what one Cookie header in, one Set-Cookie out cannot carry. */
function createEngine(options: SessionOptions): SessionEngine {
  if (typeof options === 'object' && options !== null) {
    if (options.bearer !== undefined) {
      throw new ConfigurationError('createSealedSessionStorage() keeps the session in a cookie: the bearer transport needs createSessions()')
    }
    if (options.binding !== undefined) {
      throw new ConfigurationError('createSealedSessionStorage() reads only the Cookie header, so the binding option cannot be checked: use createSessions()')
    }
    if ((options.cookie?.maxChunks ?? 1) !== 1) {
      throw new ConfigurationError(
        "cookie.maxChunks must be 1 with React Router: commitSession() returns one Set-Cookie value. Keep less in the session (SessionTooLargeError says by how much)",
      )
    }
  }
  return createSessions(options)
}

/** React Router's cookie options change a cookie that this storage configures once: refused rather than ignored. */
function refuseCookieOptions(method: string, options: object | undefined): void {
  if (options === undefined || options === null) return
  const given = Object.entries(options).filter(([, value]) => value !== undefined).map(([key]) => key)
  if (given.length > 0) {
    throw new TypeError(
      `${method}() does not take cookie options (${given.join(', ')}): set cookie attributes and lifetimes in createSealedSessionStorage() ` +
        'options (cookie, maxAge, idleTimeout), or per sign-in with session.login(subject, { maxAge })',
    )
  }
}

/**
 * The commit's one Set-Cookie value ('' when the cookie must stay as it is). Beside ours, a
 * commit may carry only removals of legacy cookies (`migrate`): those wait on the session
 * for `sessionStorage.middleware`, which sends them on the same response (and without
 * which `migrate` is refused).
 */
function oneCookie<Data, FlashData>(state: RouterSessionState<Data, FlashData>, commit: SessionCommit, middlewareRuns: boolean): string {
  const name = state.engine.cookieName
  const ours = commit.cookies.filter((cookie) => cookie.name === name || cookie.name.startsWith(`${name}.`))
  if (ours.length > 1 || commit.cookies.some((cookie) => !ours.includes(cookie) && cookie.maxAge !== 0)) {
    throw new ConfigurationError('commitSession() returns one Set-Cookie value: cookie.maxChunks must be 1 with React Router')
  }
  state.legacyRemovals = commit.cookies.filter((cookie) => !ours.includes(cookie))
  // Without the middleware the old cookie would stay, and after a sign-out (ours removed)
  // the next request would find it alone and migrate it again: refused, loudly.
  if (state.legacyRemovals.length > 0 && !middlewareRuns) {
    throw new ConfigurationError(
      'migrate with createSealedSessionStorage() needs its middleware to expire the old cookie: export const middleware = [sessionStorage.middleware] in app/root.tsx (docs/migrate/react-router.md)',
    )
  }
  const index = ours.length === 0 ? 0 : commit.cookies.indexOf(ours[0]!)
  return commit.setCookie[index] ?? ''
}

/** The legacy cookies (`migrate`) the middleware's request carried, once each by name. */
function legacyRemovalsOf<Data, FlashData>(session: RouterSessionState<Data, FlashData>): CommittedCookie[] {
  const sealed = session.sealed instanceof SessionState ? session.sealed.legacyCookies : []
  const byName = new Map<string, CommittedCookie>()
  for (const cookie of [...session.legacyRemovals, ...sealed]) byName.set(cookie.name, cookie)
  return [...byName.values()]
}

/** Whether the response already sets (or removes) the cookie `name`. */
function setsCookie(response: Response, name: string): boolean {
  const prefix = `${name}=`
  return response.headers.getSetCookie().some((line) => line.startsWith(prefix))
}
