import { lowerSameSite } from '../engine/kit.js'
import type { CommittedCookie } from '../cookie/serialize.js'
import type { SessionCommit } from '../transport/commit.js'

/** One cookie of a commit, as Next.js's cookie store (`await cookies()`) takes it: SameSite in lower case. */
export type NextCookie = Omit<CommittedCookie, 'sameSite'> & { readonly sameSite: Lowercase<CommittedCookie['sameSite']> }

/** The commit's cookies in the shape `cookies().set()` takes (Next.js spells SameSite in lower case). */
export function committedCookies(commit: SessionCommit): NextCookie[] {
  return commit.cookies.map((cookie) => ({ ...cookie, sameSite: lowerSameSite(cookie.sameSite) }))
}
