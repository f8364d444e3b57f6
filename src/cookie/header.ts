import { isRemoval, type CommittedCookie } from './serialize.js'

/**
 * The Cookie request header the browser will send once it has applied `cookies`: every
 * cookie written or expired is taken out of `header` (all copies, so a planted duplicate
 * goes too), and the ones written are added back with their new values. Other cookies
 * keep their order and values. Nothing changes when `cookies` is empty.
 *
 * This is what lets a session created or refreshed in a proxy or middleware reach the
 * same request's handler (iron-session #709, #887).
 *
 * @example
 * ```ts
 * import { cookieHeaderAfter, createSessions } from 'sealed-session'
 *
 * const sessions = createSessions({ secrets: process.env.SESSION_SECRETS ?? '' })
 * const request = new Request('https://example.com/')
 * const session = await sessions.load(request)
 * const commit = await sessions.commit(session)
 * const forwarded = cookieHeaderAfter(request.headers.get('cookie') ?? '', commit.cookies)
 * ```
 */
export function cookieHeaderAfter(header: string, cookies: readonly CommittedCookie[]): string {
  if (cookies.length === 0) return header
  const touched = new Set(cookies.map((cookie) => cookie.name))
  const kept: string[] = []
  for (const part of header.split(';')) {
    const pair = part.trim()
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const name = (eq === -1 ? pair : pair.slice(0, eq)).trim()
    if (!touched.has(name)) kept.push(pair)
  }
  for (const cookie of cookies) if (!isRemoval(cookie)) kept.push(`${cookie.name}=${cookie.value}`)
  return kept.join('; ')
}
