import { serializeCookie, type CommittedCookie } from '../cookie/serialize.js'

/** What `commit()` asks the response to carry. */
export interface SessionCommit {
  /** The cookies to set or remove, in order, with their attributes. Empty when the cookie needs no change. */
  readonly cookies: readonly CommittedCookie[]
  /** The same cookies as Set-Cookie values. */
  readonly setCookie: readonly string[]
  /**
   * Headers to merge whenever the commit is not empty: `Cache-Control: no-store`, so no
   * shared cache stores a response that sets a session (RFC 9111 §5.2.2.5), and
   * `Vary: Cookie` for cookies (the bearer transport's token header instead).
   */
  readonly headers: readonly (readonly [name: string, value: string])[]
  /**
   * With the bearer transport: the new or refreshed token for the client to store, or ''
   * when the session was destroyed. Absent when nothing changed, and for cookies.
   */
  readonly token?: string
}

/** The empty commit: nothing to send. */
export const NOTHING: SessionCommit = Object.freeze({ cookies: Object.freeze([]), setCookie: Object.freeze([]), headers: Object.freeze([]) })

/** The commit that sets or removes `cookies`. */
export function cookieCommit(cookies: readonly CommittedCookie[]): SessionCommit {
  if (cookies.length === 0) return NOTHING
  return { cookies, setCookie: cookies.map(serializeCookie), headers: [['Cache-Control', 'no-store'], ['Vary', 'Cookie']] }
}

/** The commit for a bearer token: the token in its header, never cached. */
export function bearerCommit(header: string, token: string): SessionCommit {
  return { cookies: [], setCookie: [], headers: [['Cache-Control', 'no-store'], [header, token]], token }
}

/**
 * Writes a commit into response headers: appends each Set-Cookie (never replacing the
 * application's own cookies), adds `no-store` to whatever Cache-Control the application
 * set, and adds `Cookie` to Vary unless it is already there or Vary is `*`.
 *
 * @example
 * ```ts
 * import { applyCommit, createSessions } from 'sealed-session'
 *
 * const sessions = createSessions({ secrets: process.env.SESSION_SECRETS ?? '' })
 * export async function handle(request: Request): Promise<Response> {
 *   const session = await sessions.load(request)
 *   const response = new Response('<p>hello</p>', { headers: { 'content-type': 'text/html' } })
 *   applyCommit(response.headers, await sessions.commit(session))
 *   return response
 * }
 * ```
 */
export function applyCommit(headers: Headers, commit: SessionCommit): void {
  for (const value of commit.setCookie) headers.append('Set-Cookie', value)
  writeCommitHeaders(commit, (name) => headers.get(name), (name, value) => headers.set(name, value))
}

/**
 * Writes a commit's headers (not its cookies) onto any response's headers, through `get`
 * and `set`: `no-store` merged into Cache-Control and the token into Vary
 * (`mergedListHeader()`), the others set. The one loop of `applyCommit()` and the adapters
 * that write onto their framework's own header store (Node's response, Elysia's `set`).
 */
export function writeCommitHeaders(commit: SessionCommit, get: (name: string) => string | null | undefined, set: (name: string, value: string) => void): void {
  for (const [name, value] of commit.headers) {
    if (name === 'Cache-Control' || name === 'Vary') {
      const merged = mergedListHeader(name, get(name), value)
      if (merged !== undefined) set(name, merged)
    } else {
      set(name, value)
    }
  }
}

/**
 * `applyCommit()` on a response whose headers may be immutable (`Response.redirect()`,
 * a `fetch()` response): the same response when they can be written, else a copy.
 */
export function withCommit(response: Response, commit: SessionCommit): Response {
  if (commit.headers.length === 0) return response
  try {
    applyCommit(response.headers, commit)
    return response
  } catch {
    const copy = new Response(response.body, response)
    applyCommit(copy.headers, commit)
    return copy
  }
}

/**
 * The value of the comma-separated header `name` (`Cache-Control`, `Vary`) once `token` is
 * added to `current`, or `undefined` when it is there already (or Vary is `*`): the one
 * merge rule of `applyCommit()` and the Node adapters.
 */
export function mergedListHeader(name: string, current: string | null | undefined, token: string): string | undefined {
  if (current === null || current === undefined || current.trim() === '') return token
  const lower = token.toLowerCase()
  for (const part of current.split(',')) {
    const item = part.trim().toLowerCase()
    if (item === lower || (name === 'Vary' && item === '*')) return undefined
  }
  return `${current}, ${token}`
}
