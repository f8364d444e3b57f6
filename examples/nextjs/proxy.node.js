// Next 16's proxy (Node.js runtime). In your app this file is proxy.js: see next.config.js.
import { requireSignIn } from './lib/guard.js'
import { sessions } from './lib/session.js'

export const proxy = sessions.proxy(requireSignIn)

export const config = {
  matcher: ['/dashboard/:path*', '/api/session'],
}
