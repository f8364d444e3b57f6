import { NextResponse } from 'next/server'

/** Paths that need a signed-in session; everything else is public. */
const PROTECTED = ['/dashboard', '/api/session']

/**
 * The check proxy.node.js and middleware.edge.js run before every page and route (their
 * matcher leaves out only static assets, so rolling refresh happens on any page). Returning
 * nothing lets the request continue; sessions.proxy() then forwards a refreshed cookie to
 * the route, so the page renders with the session this response sets.
 *
 * @type {import('sealed-session/next').SessionProxyHandler<{ name: string }>}
 */
export function requireSignIn(request, session) {
  const path = request.nextUrl.pathname
  if (session.subject !== undefined || !PROTECTED.some((p) => path === p || path.startsWith(`${p}/`))) return
  if (path.startsWith('/api/')) {
    return Response.json({ error: 'signed out' }, { status: 401 })
  }
  return NextResponse.redirect(new URL('/login', request.url))
}
