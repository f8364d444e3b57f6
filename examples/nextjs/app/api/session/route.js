import { sessions } from '../../../lib/session.js'

// Reads the session cookie: never cached.
export const dynamic = 'force-dynamic'

/** The signed-in user, for scripts and client code. */
export async function GET() {
  const session = await sessions.get()
  return Response.json(
    { user: session.get('name') ?? null, idleExpiresAt: session.idleExpiresAt.toISOString() },
    { headers: { 'Cache-Control': 'no-store' } },
  )
}

/**
 * Sign out from a script. A route handler returns sessions.respond(session, response): the
 * expiring Set-Cookie goes on the response with Cache-Control: no-store and Vary: Cookie.
 */
export async function DELETE() {
  const session = await sessions.get()
  await session.logout()
  return sessions.respond(session, new Response(null, { status: 204 }))
}
