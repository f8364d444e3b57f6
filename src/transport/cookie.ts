import type { ResolvedCookie } from '../cookie/options.js'
import { readCookies } from '../cookie/parse.js'
import { cookieOf, cookieSize, expiredCookie, layOut, type CommittedCookie } from '../cookie/serialize.js'
import { cookieCommit } from './commit.js'
import type { Transport } from './transport.js'

/** The session cookie (and its chunks). Its purpose is the cookie name, as since v1's first release. */
export function cookieTransport(cookie: ResolvedCookie): Transport {
  return {
    purpose: cookie.name,
    read: (headers) => readCookies(headers.get('cookie') ?? '', cookie, 'sets'),
    write({ token, maxAge, destroyed, names, current }) {
      const cookies: CommittedCookie[] = []
      if (token !== undefined) for (const [name, value] of layOut(cookie, token)) cookies.push(cookieOf(cookie, name, value, maxAge))
      // Expire every cookie of ours the browser holds that this response does not overwrite:
      // the old token after destroy(), stale chunks after a resize, or a garbage value.
      if (cookies.length > 0 || destroyed || !current) {
        const stale = new Set(names)
        if (destroyed) stale.add(cookie.name)
        for (const written of cookies) stale.delete(written.name)
        for (const name of stale) cookies.push(expiredCookie(cookie, name))
      }
      return cookieCommit(cookies)
    },
    measure: (token) => cookieSize(cookie, token),
  }
}
