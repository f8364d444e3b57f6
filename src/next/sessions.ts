import { cookies, headers } from 'next/headers.js'
import { connection, NextResponse, type NextFetchEvent, type NextRequest } from 'next/server.js'
import { applyCommit, withCommit } from '../transport/commit.js'
import type { Json } from '../session/envelope.js'
import type { SessionEngine } from '../engine/engine.js'
import { engineFor } from '../engine/kit.js'
import type { SessionOptions } from '../session/options.js'
import type { Session, SessionData } from '../session/session.js'
import { committedCookies } from './cookies.js'
import { isReadonlyCookiesError, NextReadonlyCookiesError } from './errors.js'
import { continuesToRoute, forwardCommit, forwardedHeaders } from './forward.js'

/**
 * What a proxy handler returns: nothing to let the request continue to its route, or a
 * Response (a redirect, a 401, `NextResponse.rewrite()`, `NextResponse.next()`).
 */
export type SessionProxyResult = Response | undefined | void

/** Your proxy (or middleware) logic, given the request's session. */
export type SessionProxyHandler<T extends SessionData<T> = Record<string, Json>> = (
  request: NextRequest,
  session: Session<T>,
  event: NextFetchEvent,
) => SessionProxyResult | Promise<SessionProxyResult>

/** The function to export from `proxy.ts` (as `proxy`) or `middleware.ts` (as `middleware`). */
export type SessionProxy = (request: NextRequest, event: NextFetchEvent) => Promise<Response>

/** Options, or a function returning them, called on each use (read secrets from `process.env` at run time, not at build time). */
export type NextSessionOptions = SessionOptions | (() => SessionOptions)

/** Sessions for Next.js, returned by {@link nextSessions}. */
export interface NextSessions<T extends SessionData<T> = Record<string, Json>> {
  /**
   * This request's session, read through `await cookies()` from `next/headers`: in server
   * components, server actions and route handlers. It sees a cookie that proxy/middleware
   * refreshed in the same request, and one that `save()` wrote earlier in a server action.
   * The request is read before the options are resolved and before the clock, so a page
   * that calls `get()` is rendered per request and never prerendered by `next build` (which
   * has no secret). With Cache Components (`cacheComponents: true`, the default of
   * `create-next-app` 16) call it inside `<Suspense>`, never inside `"use cache"`.
   */
  get(): Promise<Session<T>>
  /**
   * Sends the session's cookie through `await cookies()`, in a **server action** (Next.js
   * sends action responses with `Cache-Control: no-store`). Writes nothing when nothing
   * changed; a removed cookie is expired with the attributes it was set with, so
   * `destroy()` really signs out a `__Host-` cookie. Throws `SessionTooLargeError` before
   * writing anything, and {@link NextReadonlyCookiesError} in a server component, where
   * Next.js refuses to set cookies (the proxy refreshes sessions for pages).
   *
   * In a route handler, return {@link NextSessions.respond} instead: `cookies()` cannot
   * add `Cache-Control: no-store` to the handler's response.
   */
  save(session: Session<T>): Promise<void>
  /**
   * Commits the session onto a route handler's response: the Set-Cookie, with
   * `Cache-Control: no-store` (merged with what the response has) and `Vary: Cookie`, so
   * no shared cache keeps it. Returns `response`, or a copy when its headers are immutable
   * (`Response.redirect()`). Writes nothing when nothing changed.
   *
   * @example
   * ```ts
   * // app/api/logout/route.ts
   * import { sessions } from '@/lib/session'
   * export async function POST() {
   *   const session = await sessions.get()
   *   await session.logout()
   *   return sessions.respond(session, new Response(null, { status: 204 }))
   * }
   * ```
   */
  respond(session: Session<T>, response: Response): Promise<Response>
  /**
   * Wraps your `proxy.ts` (Node.js runtime) or `middleware.ts` (edge runtime) logic:
   * loads the session, runs `handler`, commits. The Set-Cookie goes on the response, and
   * when the request continues to its route the new cookie is also put on the request
   * headers, so the route handler or server component sees the session as it is now.
   */
  proxy(handler?: SessionProxyHandler<T>): SessionProxy
  /** The engine itself: `load(request)`, `commit(session)`, `revokeSubject(subject)`. */
  readonly engine: SessionEngine<T>
}

/**
 * Sessions for Next.js (App Router): one object for proxy/middleware, route handlers,
 * server actions and server components.
 *
 * @param options - {@link SessionOptions}: `secrets` (required), `cookie`, `lifetime`
 * (`maxAge` default 7 days, `idleTimeout` 1 day), `revocation: { store }`, `onEvent`, … An object is
 * checked now; a function is called on each use, so `next build` never needs the secrets.
 *
 * @example
 * ```ts
 * // lib/session.ts
 * import { nextSessions } from 'sealed-session/next'
 * export const sessions = nextSessions<{ name: string }>(() => ({ secrets: process.env.SESSION_SECRET! }))
 *
 * // proxy.ts (Next 15: middleware.ts, exporting `middleware`)
 * export const proxy = sessions.proxy((request, session) => {
 *   if (session.subject === undefined && request.nextUrl.pathname.startsWith('/dashboard')) {
 *     return NextResponse.redirect(new URL('/login', request.url))
 *   }
 * })
 * // Every page (so redirect targets are covered, see README), never /login-to-/login loops.
 * export const config = { matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'] }
 *
 * // app/actions.ts: save() in server actions
 * 'use server'
 * export async function signOut() {
 *   const session = await sessions.get()
 *   await session.logout()
 *   await sessions.save(session)
 *   redirect('/login')
 * }
 *
 * // app/api/logout/route.ts: respond() in route handlers
 * export async function POST() {
 *   const session = await sessions.get()
 *   await session.logout()
 *   return sessions.respond(session, new Response(null, { status: 204 }))
 * }
 * ```
 */
export function nextSessions<T extends SessionData<T> = Record<string, Json>>(options: NextSessionOptions): NextSessions<T> {
  const engineOf = engineFor<T>(options)

  return {
    get engine() {
      return engineOf()
    },

    async get() {
      // The request first: reading cookies() is what marks the page as dynamic, and resolving
      // the options (process.env) before it would run them at build time, without the secret.
      const [store, incoming] = await Promise.all([cookies(), headers()])
      // Then the clock (expiry, refresh). With Cache Components a page may be prerendered with
      // the request's cookies (runtime prefetch), where Next.js refuses `Date.now()`; after
      // connection() nothing is prerendered, so the session is read per request only.
      await connection()
      const engine = engineOf()
      const cookie = ourCookies(store, engine.cookieName)
      // The request's other headers stay readable, for the `binding` option.
      return engine.load({ get: (name) => (name.toLowerCase() === 'cookie' ? cookie : incoming.get(name)) })
    },

    async save(session) {
      const store = await cookies()
      const commit = await engineOf().commit(session)
      if (commit.setCookie.length === 0) return
      try {
        for (const cookie of committedCookies(commit)) store.set(cookie)
      } catch (error) {
        if (isReadonlyCookiesError(error)) throw new NextReadonlyCookiesError({ cause: error })
        throw error
      }
    },

    async respond(session, response) {
      const commit = await engineOf().commit(session)
      return withCommit(response, commit)
    },

    proxy(handler) {
      return async function sessionProxy(request, event) {
        const engine = engineOf()
        const session = await engine.load(request)
        const result = await handler?.(request, session, event)
        const commit = await engine.commit(session)
        let response: Response
        if (result === undefined) {
          if (commit.setCookie.length === 0) {
            response = NextResponse.next()
          } else {
            response = NextResponse.next({ request: { headers: forwardedHeaders(request, commit) } })
            applyCommit(response.headers, commit)
          }
        } else if (commit.setCookie.length === 0) {
          response = result
        } else {
          response = withCommit(result, commit)
          if (continuesToRoute(response)) forwardCommit(response, request, commit)
        }
        if (continuesToRoute(response)) await drainBody(request)
        return rendersActionRedirect(request) ? withNoStore(response) : response
      }
    },
  }
}

/**
 * Reads the proxy's copy of a request body to its end before the request continues to its
 * route. Next 15's Node.js middleware does not wait for the body it buffers for the route
 * (`requestData.body.finalize()` is not awaited in next/dist/server/next-server.js; Next 16
 * awaits it), so a server action form posted through a fast middleware sometimes reached
 * its route without its body: "Failed to find Server Action", a 500 (about 1 in 10 here).
 * The copy is the proxy's own, so the route still gets the whole body.
 */
async function drainBody(request: Request): Promise<void> {
  if (request.body === null || request.bodyUsed) return
  const reader = request.body.getReader()
  while (!(await reader.read()).done) {
    // Discard: only the end of the stream matters.
  }
}

/**
 * True when Next.js renders the target of a server action's `redirect()` (an internal
 * request carrying the action response's headers, among them `x-action-redirect`). Next.js
 * copies this response's headers onto the action's response, which may set our cookie: a
 * static target's `s-maxage=31536000` would then make a shared cache keep that Set-Cookie
 * (next/dist/server/app-render/action-handler.js, createRedirectRenderResult).
 */
function rendersActionRedirect(request: Request): boolean {
  return request.headers.has('x-action-redirect')
}

/** `response` with `no-store` added to its Cache-Control (copied when its headers are immutable). */
function withNoStore(response: Response): Response {
  const cacheControl = response.headers.get('cache-control')
  if (cacheControl !== null && /(^|,)\s*no-store\s*(,|$)/i.test(cacheControl)) return response
  const value = cacheControl === null || cacheControl.trim() === '' ? 'no-store' : `${cacheControl}, no-store`
  try {
    response.headers.set('Cache-Control', value)
    return response
  } catch {
    const copy = new Response(response.body, response)
    copy.headers.set('Cache-Control', value)
    return copy
  }
}

/**
 * The Cookie header for the engine, rebuilt from Next.js's parsed cookies: only our cookie
 * and its chunks. Next.js keeps one value per name, so a duplicate cookie (which the
 * engine refuses when it reads a raw header) shows up here as the last one sent. Values
 * emptied earlier in this request (a cookie being removed) are left out.
 */
function ourCookies(store: { getAll(): { name: string; value: string }[] }, name: string): string {
  const parts: string[] = []
  for (const cookie of store.getAll()) {
    if (cookie.value === '') continue
    if (cookie.name === name || cookie.name.startsWith(`${name}.`)) parts.push(`${cookie.name}=${cookie.value}`)
  }
  return parts.join('; ')
}
