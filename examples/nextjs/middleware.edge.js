// The same check as middleware on the edge runtime: Next 15's default, and still supported
// (deprecated) in Next 16. In your app this file is middleware.js: see next.config.js.
import { requireSignIn } from './lib/guard.js'
import { sessions } from './lib/session.js'

export const middleware = sessions.proxy(requireSignIn)

// Every path but Next.js's static assets: the guard decides which ones need a session.
export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
}
