// Next 16's proxy (Node.js runtime). In your app this file is proxy.js: see next.config.js.
import { requireSignIn } from './lib/guard.js'
import { sessions } from './lib/session.js'

export const proxy = sessions.proxy(requireSignIn)

// Every path but Next.js's static assets: the guard decides which ones need a session.
export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
}
