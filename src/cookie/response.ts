/** What `commit()` asks the response to carry. */
export interface SessionCommit {
  /** Set-Cookie values, in order. Empty when the cookie needs no change. */
  readonly setCookie: readonly string[]
  /**
   * Headers to merge when `setCookie` is not empty: `Cache-Control: no-store`, so no
   * shared cache stores a response that sets a session (RFC 9111 §5.2.2.5), and
   * `Vary: Cookie`.
   */
  readonly headers: readonly (readonly [name: string, value: string])[]
  /**
   * With the bearer transport: the new or refreshed token for the client to store, or ''
   * when the session was destroyed. Absent when nothing changed, and for cookies.
   */
  readonly token?: string
}

export const NOTHING: SessionCommit = Object.freeze({ setCookie: Object.freeze([]), headers: Object.freeze([]) })

export function commitOf(setCookie: readonly string[]): SessionCommit {
  if (setCookie.length === 0) return NOTHING
  return { setCookie, headers: [['Cache-Control', 'no-store'], ['Vary', 'Cookie']] }
}

/**
 * Writes a commit into response headers: appends each Set-Cookie (never replacing the
 * application's own cookies), adds `no-store` to whatever Cache-Control the application
 * set, and adds `Cookie` to Vary unless it is already there or Vary is `*`.
 *
 * @example
 * ```ts
 * const response = new Response(html, { headers: { 'content-type': 'text/html' } })
 * applyCommit(response.headers, await sessions.commit(session))
 * ```
 */
export function applyCommit(headers: Headers, commit: SessionCommit): void {
  for (const value of commit.setCookie) headers.append('Set-Cookie', value)
  for (const [name, value] of commit.headers) {
    if (name === 'Cache-Control' || name === 'Vary') mergeListHeader(headers, name, value)
    else headers.set(name, value)
  }
}

/** The commit for a bearer token: the token in its header, never cached. */
export function bearerCommitOf(header: string, token: string): SessionCommit {
  return { setCookie: [], headers: [['Cache-Control', 'no-store'], [header, token]], token }
}

/** Adds `token` to a comma-separated header unless an equal token (or `*`) is there. */
function mergeListHeader(headers: Headers, name: string, token: string): void {
  const current = headers.get(name)
  if (current === null || current.trim() === '') {
    headers.set(name, token)
    return
  }
  const lower = token.toLowerCase()
  for (const part of current.split(',')) {
    const item = part.trim().toLowerCase()
    if (item === lower || (name === 'Vary' && item === '*')) return
  }
  headers.set(name, `${current}, ${token}`)
}
