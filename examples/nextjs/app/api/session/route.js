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

/** Sign out from a script: the route handler writes the expiring cookie through cookies(). */
export async function DELETE() {
  const session = await sessions.get()
  await session.logout()
  await sessions.save(session)
  return new Response(null, { status: 204, headers: { 'Cache-Control': 'no-store' } })
}
