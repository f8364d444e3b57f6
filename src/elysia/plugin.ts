import { Elysia, status, StatusMap } from 'elysia'
import type { CsrfOptions } from '../engine/csrf.js'
import type { SessionEngine } from '../engine/engine.js'
import { adapterConfig, engineFor, lowerSameSite, CSRF_REFUSED } from '../engine/kit.js'
import type { Json } from '../session/envelope.js'
import type { SessionOptions } from '../session/options.js'
import type { Session, SessionData } from '../session/session.js'
import { applyCommit, writeCommitHeaders, type SessionCommit } from '../transport/commit.js'

export type { CsrfOptions }

/** What the plugin derives into Elysia's context: `({ session })` in every handler. */
export type SessionContext<T extends SessionData<T> = Record<string, Json>> = {
  /** This request's session: read it, change it, sign in and out. */
  session: Session<T>
  /** The engine, for `revokeSubject()` (sign a user out everywhere). */
  sessions: SessionEngine<T>
}

/**
 * The plugin `sealedSession()` returns: an Elysia instance whose context carries
 * `session` and `sessions` (a global derive), so `.use()` types every later handler.
 */
export type SessionPlugin<T extends SessionData<T> = Record<string, Json>> = Elysia<
  '',
  { decorator: {}; store: {}; derive: SessionContext<T>; resolve: {} }
>

/** Options, or a function of the request computing them (secrets read per request). */
export type ElysiaSessionOptions = SessionOptions | ((request: Request) => SessionOptions)

/** Behaviour of the plugin, beside the session options. */
export interface ElysiaSessionConfig {
  /**
   * Require a valid `session.csrfToken()` (a synchronizer token) on every method but GET,
   * HEAD, OPTIONS and TRACE: others get a thrown `status(403)` (with `no-store`, through
   * your `onError`) in `onRequest`, before Elysia parses the body or routes. The
   * token comes from the `x-csrf-token` header, or the `_csrf` field within a form body's
   * first 64 KiB (read from a copy, so handlers still get the whole body): put the hidden
   * input first. @default false
   */
  readonly csrf?: boolean | CsrfOptions
}

/** A cookie in Elysia's jar (`set.cookie`), as Elysia serializes it. */
interface JarCookie {
  value?: unknown
  path?: string | undefined
  domain?: string | undefined
  maxAge?: number | undefined
  secure?: boolean | undefined
  httpOnly?: boolean | undefined
  sameSite?: 'lax' | 'strict' | 'none' | boolean | undefined
  partitioned?: boolean | undefined
}

/** Elysia's `set`, by the members the commit writes. */
interface ElysiaSet {
  headers: Record<string, unknown>
  status?: number | string | undefined
  cookie?: Record<string, JarCookie> | undefined
}

interface Loaded<T extends SessionData<T>> {
  readonly session: Session<T>
  readonly sessions: SessionEngine<T>
}

// Each call is its own plugin: Elysia deduplicates a plugin by name and seed, so one
// plugin used by several sub-apps loads and commits once per request, never twice.
let plugins = 0

/**
 * Session plugin for Elysia 1.4: `session` and `sessions` in the context of every route
 * (a global `derive`, typed through Elysia's inference: `.use(sealedSession<Data>(…))`).
 *
 * The session is loaded in `onRequest` (so the CSRF check can read a form body before
 * Elysia parses it) and committed in `onAfterHandle`, whatever the handler returns: for a
 * plain value (or `status()`) the cookie goes into Elysia's cookie jar (`set.cookie`,
 * beside your own `cookie.x.value = …`) and the cache headers into `set.headers`; for a
 * `Response` (`redirect()` makes one) onto its own headers (through `set` when they are
 * immutable). `Cache-Control: no-store` is merged and `Vary: Cookie` added, only when the
 * cookie changes. A handler that throws an `Error`, or answers 500 or more (`status(503)`,
 * `set.status`), leaves the session as it was (no half-finished sign-in is sent); a
 * thrown 4xx (`status(401)`, a validation error) still commits, through `onError`. A session that no longer fits its
 * cookie throws `SessionTooLargeError` into Elysia's error handling (500 with its message,
 * or your `onError`), and the browser keeps its previous cookie.
 *
 * @param options - `SessionOptions` (from `sealed-session`), or a function of the `Request` returning them.
 * @param config - `csrf`: enforce `session.csrfToken()` on unsafe methods (default off).
 *
 * @example
 * ```ts
 * import { Elysia, status, StatusMap } from 'elysia'
 * import { sealedSession } from 'sealed-session/elysia'
 *
 * const app = new Elysia()
 *   .use(sealedSession<{ visits: number }>({ secrets: process.env.SESSION_SECRETS ?? '' }))
 *   .get('/', ({ session }) => {
 *     session.set('visits', (session.get('visits') ?? 0) + 1)
 *     return `visit ${session.get('visits')}`
 *   })
 * ```
 */
export function sealedSession<T extends SessionData<T> = Record<string, Json>>(options: ElysiaSessionOptions, config?: ElysiaSessionConfig): SessionPlugin<T> {
  const { checkCsrf } = adapterConfig('sealedSession()', config)
  // Fixed options fail here, at start-up, never at a user's request.
  const engineOf = engineFor<T, Request>(options)
  const loaded = new WeakMap<Request, Loaded<T>>()

  /** Seals the session once per request and writes the commit onto `value` (a Response) or `set`. */
  async function commit(request: Request, set: ElysiaSet, value: unknown, thrown: boolean): Promise<void> {
    const state = loaded.get(request)
    // Once per request: the error of a failed commit comes back through onError.
    loaded.delete(request)
    if (state === undefined || statusOf(value, set, thrown) >= 500) return
    const result = await state.sessions.commit(state.session)
    if (result.headers.length === 0) return
    if (value instanceof Response) {
      try {
        // Onto the Response itself: its own Cache-Control and Set-Cookie win over `set.headers` in Elysia's merge.
        applyCommit(value.headers, result)
        return
      } catch {
        // Immutable headers (a `fetch()` response): through `set`, which Elysia merges into a copy.
      }
    }
    writeCommit(set, result)
  }

  return new Elysia({ name: 'sealed-session', seed: ++plugins })
    .onRequest(async function loadSession({ request, set }) {
      const sessions = engineOf(request)
      const session = await sessions.load(request)
      loaded.set(request, { session, sessions })
      // OWASP CSRF cheat sheet: a synchronizer token on every state-changing request.
      if (checkCsrf !== undefined && !(await checkCsrf(request, session))) {
        loaded.delete(request)
        set.headers['cache-control'] = 'no-store'
        // Thrown, so the app's onError sees it as any other 403 (code 403).
        throw status(403, CSRF_REFUSED)
      }
    })
    .derive({ as: 'global' }, function session({ request }): SessionContext<T> {
      const state = loaded.get(request)
      if (state === undefined) throw new Error('sealed-session: no session was loaded for this request (is the plugin used by this app?)')
      return { session: state.session, sessions: state.sessions }
    })
    .onAfterHandle({ as: 'global' }, async function commitSession({ request, set, responseValue }) {
      await commit(request, set, responseValue, false)
    })
    .onError({ as: 'global' }, async function commitOnError({ request, set, error }) {
      await commit(request, set, error, true)
    })
}

/**
 * The status the response will have: a Response's, `status(…)`'s, an Elysia error's
 * `status`, else `set.status` (a number or a name from Elysia's StatusMap). Anything else
 * thrown is a 500.
 */
function statusOf(value: unknown, set: ElysiaSet, thrown: boolean): number {
  if (value instanceof Response) return value.status
  if (value instanceof Error) return 'status' in value && typeof value.status === 'number' ? value.status : 500
  if (typeof value === 'object' && value !== null && 'code' in value && typeof value.code === 'number' && 'response' in value) return value.code
  if (thrown) return 500
  if (typeof set.status === 'number') return set.status
  return set.status === undefined ? 200 : (statusNumbers.get(set.status) ?? 500)
}

const statusNumbers: ReadonlyMap<string, number> = new Map(Object.entries(StatusMap))

/**
 * Writes a commit the Elysia way: the cookies into its jar (`set.cookie`), which Elysia
 * serializes with the app's own `cookie` changes (a Set-Cookie put in `set.headers` would be
 * replaced by the jar's), and Cache-Control and Vary merged into `set.headers`.
 */
function writeCommit(set: ElysiaSet, commit: SessionCommit): void {
  if (commit.cookies.length > 0) {
    const jar = (set.cookie ??= {})
    for (const cookie of commit.cookies) {
      jar[cookie.name] = {
        value: cookie.value,
        path: cookie.path,
        domain: cookie.domain,
        maxAge: cookie.maxAge,
        secure: cookie.secure,
        httpOnly: cookie.httpOnly,
        sameSite: lowerSameSite(cookie.sameSite),
        partitioned: cookie.partitioned,
      }
    }
  }
  writeCommitHeaders(
    commit,
    (name) => {
      const current = set.headers[name.toLowerCase()]
      return current === undefined ? undefined : String(current)
    },
    (name, value) => {
      set.headers[name.toLowerCase()] = value
    },
  )
}
