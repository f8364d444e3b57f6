import { writeCommitHeaders, type SessionCommit } from '../transport/commit.js'

// Part of the adapter kit: a commit written onto a Node-style response, shared by the
// adapters whose framework hands over Node's `ServerResponse` (sealed-session/node, and h3,
// whose `event.node.res` is Node's or Nitro's own). Node's types stay out: the members used
// are listed here (jose's rule: Node's types never leak into the API).

/** What is written on a Node response (`http.ServerResponse`, Express's `res`). */
export interface NodeResponse {
  /** True once the headers went out: no cookie can be set after that. */
  readonly headersSent: boolean
  /** The status to send: 500 or more leaves the session as it was (Express). */
  statusCode: number
  /** A header set so far (Set-Cookie, Cache-Control, Vary are merged with it). */
  getHeader(name: string): number | string | readonly string[] | undefined
  /** Sets a header before it goes out. */
  setHeader(name: string, value: number | string | readonly string[]): unknown
}

/**
 * Writes a commit onto a Node response, as `applyCommit()` does on `Headers`: each
 * Set-Cookie is added after the application's own, `no-store` is merged into
 * Cache-Control and `Cookie` into Vary. Nothing is written for an empty commit.
 * Throws when the headers were already sent (a cookie can no longer be set).
 */
export function writeCommit(res: NodeResponse, commit: SessionCommit): void {
  if (commit.headers.length === 0) return
  if (res.headersSent) throw new Error('sealed-session: the response headers were already sent, so the session cookie cannot be set; commit the session before writing the body')
  if (commit.setCookie.length > 0) {
    const current = res.getHeader('set-cookie')
    const before = current === undefined ? [] : typeof current === 'object' ? current : [String(current)]
    res.setHeader('Set-Cookie', [...before, ...commit.setCookie])
  }
  writeCommitHeaders(commit, (name) => headerText(res.getHeader(name)), (name, value) => res.setHeader(name, value))
}

/** A header as Node (or Fastify) holds it, as one comma-separated string. */
export function headerText(value: number | string | readonly string[] | undefined): string | undefined {
  return value === undefined ? undefined : typeof value === 'object' ? value.join(', ') : String(value)
}
