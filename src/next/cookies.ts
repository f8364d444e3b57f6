import type { SessionCommit } from '../transport/commit.js'

/** One cookie of a commit, as Next.js's cookie store (`await cookies()`) takes it. */
export interface NextCookie {
  readonly name: string
  readonly value: string
  readonly maxAge: number
  readonly path: string
  readonly domain?: string
  readonly secure: boolean
  readonly httpOnly: boolean
  readonly sameSite: 'strict' | 'lax' | 'none'
  readonly partitioned: boolean
}

/** The commit's cookies in the shape `cookies().set()` takes (Next.js spells SameSite in lower case). */
export function committedCookies(commit: SessionCommit): NextCookie[] {
  return commit.cookies.map((cookie) => ({ ...cookie, sameSite: cookie.sameSite === 'Strict' ? 'strict' : cookie.sameSite === 'None' ? 'none' : 'lax' }))
}
