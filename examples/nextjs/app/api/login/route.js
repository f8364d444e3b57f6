import { sessions } from '../../../lib/session.js'

/**
 * Sign in from a script or a plain form (a real app checks a password or a passkey here).
 * The session's Set-Cookie goes on the redirect with Cache-Control: no-store.
 */
export async function POST(request) {
  // A body that does not parse as a form is the client's mistake: 400, not a 500.
  const form = await request.formData().catch(() => undefined)
  if (form === undefined) return Response.json({ error: 'the form could not be read' }, { status: 400 })
  const name = String(form.get('name') ?? '').trim().slice(0, 64)
  if (name === '') return Response.json({ error: 'name required' }, { status: 400 })
  const session = await sessions.get()
  await session.login(name) // a new session id: no session fixation
  session.set('name', name)
  return sessions.respond(session, Response.redirect(new URL('/dashboard', request.url), 303))
}
