import { cookieHeaderAfter } from '../cookie/header.js'
import type { SessionCommit } from '../transport/commit.js'

// The request-header override protocol that `NextResponse.next({ request: { headers } })`
// and `NextResponse.rewrite(url, { request: { headers } })` write into the response
// (next/dist/server/web/spec-extension/response.js): the list of request headers the
// route will see, and one `x-middleware-request-<name>` header per value.
const OVERRIDE = 'x-middleware-override-headers'
const PREFIX = 'x-middleware-request-'

/** True for a proxy response that lets the request continue to a route (next or rewrite). */
export function continuesToRoute(response: Response): boolean {
  return response.headers.has('x-middleware-next') || response.headers.has('x-middleware-rewrite')
}

/** The request headers the route should see: the incoming ones with the Cookie header as after `commit`. */
export function forwardedHeaders(request: Request, commit: SessionCommit): Headers {
  const headers = new Headers(request.headers)
  const cookie = cookieHeaderAfter(headers.get('cookie') ?? '', commit.cookies)
  if (cookie === '') headers.delete('cookie')
  else headers.set('cookie', cookie)
  return headers
}

/**
 * Makes a continuing response the application built itself (`NextResponse.next()`,
 * `NextResponse.rewrite()`) carry the committed cookie to the route, keeping any request
 * headers it already overrides.
 */
export function forwardCommit(response: Response, request: Request, commit: SessionCommit): void {
  const headers = response.headers
  const listed = headers.get(OVERRIDE)
  let names: string[]
  let before: string
  if (listed === null) {
    // No overrides yet: list every incoming header, as NextResponse.next({ request }) does,
    // because Next.js drops the request headers missing from the list.
    names = []
    for (const [name, value] of request.headers) {
      names.push(name)
      headers.set(PREFIX + name, value)
    }
    before = request.headers.get('cookie') ?? ''
  } else {
    names = listed.split(',').map((name) => name.trim()).filter((name) => name !== '')
    before = names.includes('cookie') ? (headers.get(PREFIX + 'cookie') ?? '') : ''
  }
  const cookie = cookieHeaderAfter(before, commit.cookies)
  names = names.filter((name) => name !== 'cookie')
  if (cookie === '') {
    headers.delete(PREFIX + 'cookie')
  } else {
    names.push('cookie')
    headers.set(PREFIX + 'cookie', cookie)
  }
  headers.set(OVERRIDE, names.join(','))
}
