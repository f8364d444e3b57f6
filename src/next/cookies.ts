import type { SessionCommit } from '../cookie/response.js'

/**
 * One cookie of a commit, as Next.js's cookie store (`await cookies()`) takes it.
 * Candidate for the core: a commit could carry these next to its Set-Cookie strings.
 */
export interface CommittedCookie {
  readonly name: string
  /** Empty when the cookie is being removed. */
  readonly value: string
  /** 0 removes the cookie (RFC 6265 §5.3 step 11). */
  readonly maxAge: number
  readonly path: string
  readonly domain?: string
  readonly secure: boolean
  readonly httpOnly: boolean
  readonly sameSite: 'strict' | 'lax' | 'none'
  readonly partitioned: boolean
}

/**
 * Reads back the Set-Cookie values `commit()` produced. They have one fixed shape
 * (`name=value; Max-Age=n; Path=…[; Domain=…][; Secure][; HttpOnly]; SameSite=…[; Partitioned]`,
 * src/cookie/serialize.ts), so this is not a general Set-Cookie parser.
 */
export function committedCookies(commit: SessionCommit): CommittedCookie[] {
  return commit.setCookie.map((line) => {
    const [pair = '', ...attributes] = line.split('; ')
    const eq = pair.indexOf('=')
    const cookie: { -readonly [K in keyof CommittedCookie]: CommittedCookie[K] } = {
      name: pair.slice(0, eq),
      value: pair.slice(eq + 1),
      maxAge: 0,
      path: '/',
      secure: false,
      httpOnly: false,
      sameSite: 'lax',
      partitioned: false,
    }
    for (const attribute of attributes) {
      const at = attribute.indexOf('=')
      const key = at === -1 ? attribute : attribute.slice(0, at)
      const value = at === -1 ? '' : attribute.slice(at + 1)
      if (key === 'Max-Age') cookie.maxAge = Number(value)
      else if (key === 'Path') cookie.path = value
      else if (key === 'Domain') cookie.domain = value
      else if (key === 'Secure') cookie.secure = true
      else if (key === 'HttpOnly') cookie.httpOnly = true
      else if (key === 'SameSite') cookie.sameSite = value.toLowerCase() as CommittedCookie['sameSite']
      else if (key === 'Partitioned') cookie.partitioned = true
    }
    return cookie
  })
}

/**
 * The Cookie request header the browser will send once it has applied `commit`: every
 * cookie the commit writes or expires is taken out of `header` (all copies, so a planted
 * duplicate goes too), and the ones it writes are added back with their new values.
 * Other cookies keep their order and values. Nothing changes when the commit is empty.
 *
 * This is what lets a session created or refreshed in proxy/middleware reach the same
 * request's route handler or server component (iron-session #709, #887).
 * Candidate for the core (src/cookie/): nothing here is Next.js-specific.
 */
export function cookieHeaderAfter(header: string, commit: SessionCommit): string {
  if (commit.setCookie.length === 0) return header
  const cookies = committedCookies(commit)
  const touched = new Set(cookies.map((cookie) => cookie.name))
  const kept: string[] = []
  for (const part of header.split(';')) {
    const pair = part.trim()
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const name = (eq === -1 ? pair : pair.slice(0, eq)).trim()
    if (!touched.has(name)) kept.push(pair)
  }
  for (const cookie of cookies) if (cookie.maxAge > 0) kept.push(`${cookie.name}=${cookie.value}`)
  return kept.join('; ')
}
