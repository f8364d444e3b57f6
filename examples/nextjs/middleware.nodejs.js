// Middleware on the Node.js runtime, for Next 15.5 (stable there; Next 16 calls this proxy).
// In your app this file is middleware.js: see next.config.js.
import { requireSignIn } from './lib/guard.js'
import { sessions } from './lib/session.js'

export const middleware = sessions.proxy(requireSignIn)

// Every path but Next.js's static assets: the guard decides which ones need a session.
export const config = {
  runtime: 'nodejs',
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
}
