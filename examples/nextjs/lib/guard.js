import { NextResponse } from 'next/server'

/**
 * The check proxy.node.js and middleware.edge.js run before protected routes. Returning
 * nothing lets the request continue; sessions.proxy() then forwards a refreshed cookie to
 * the route, so the page renders with the session this response sets.
 *
 * @type {import('sealed-session/next').SessionProxyHandler<{ name: string }>}
 */
export function requireSignIn(request, session) {
  if (session.subject !== undefined) return
  if (request.nextUrl.pathname.startsWith('/api/')) {
    return Response.json({ error: 'signed out' }, { status: 401 })
  }
  return NextResponse.redirect(new URL('/login', request.url))
}
