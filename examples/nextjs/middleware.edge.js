// The same check as middleware on the edge runtime (Next 16 deprecates the name but keeps
// edge middleware). In your app this file is middleware.js: see next.config.js.
import { requireSignIn } from './lib/guard.js'
import { sessions } from './lib/session.js'

export const middleware = sessions.proxy(requireSignIn)

export const config = {
  matcher: ['/dashboard/:path*', '/api/session'],
}
