import { SessionError } from '../errors.js'

/**
 * `save()` ran where Next.js does not let an app set cookies: while a server component
 * renders (or after a server action started rendering its result). Next.js sends a page's
 * headers before the page has rendered, so a cookie set there could never reach the browser.
 *
 * Call `save()` in a server action, return `respond(session, response)` from a route
 * handler, and let `proxy()` refresh sessions for pages. The error Next.js threw is the
 * `cause`.
 */
export class NextReadonlyCookiesError extends SessionError {
  /** The stable code of this class: compare `error.code` with it. */
  static override readonly code: string = 'ERR_SESSION_NEXT_READONLY'
  /** Always 'ERR_SESSION_NEXT_READONLY'. */
  override readonly code: string = NextReadonlyCookiesError.code

  /**
   * Creates the error with a message saying where `save()` works.
   * @param options - `cause`: the error Next.js threw.
   */
  constructor(options: { cause: unknown }) {
    super(
      'sessions.save() cannot set the session cookie here: Next.js allows cookies to be set only in ' +
        'server actions and route handlers, not while a server component renders. Call save() in a ' +
        'server action, return sessions.respond(session, response) from a route handler, and let ' +
        'sessions.proxy() refresh sessions for pages.',
    )
    this.cause = options.cause
  }
}

/**
 * True for the error Next.js throws when `cookies().set()` is called outside a server action
 * or route handler (`ReadonlyRequestCookiesError` in
 * next/dist/server/web/spec-extension/adapters/request-cookies.js, Next 15 and 16). Its
 * class is not exported from a public entry point and server bundles may rename it, so the
 * message decides.
 */
export function isReadonlyCookiesError(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  return error.constructor.name === 'ReadonlyRequestCookiesError' || error.message.startsWith('Cookies can only be modified in a Server Action or Route Handler')
}
