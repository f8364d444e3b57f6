import type { APIRoute } from 'astro'

/** The session as JSON, for fetch() clients; PATCH changes the name (the CSRF token in x-csrf-token). */
export const GET: APIRoute = ({ locals }) => {
  const { session } = locals
  return Response.json({ subject: session.subject ?? null, name: session.get('name') ?? null, csrf: session.csrfToken() })
}

export const PATCH: APIRoute = async ({ locals, request }) => {
  let body: unknown
  try {
    body = await request.json()
  } catch {
    return Response.json({ error: 'the body must be JSON' }, { status: 400 }) // the client's mistake, not a 500
  }
  const name = typeof body === 'object' && body !== null && 'name' in body && typeof body.name === 'string' ? body.name : ''
  if (locals.session.subject === undefined || name === '') return Response.json({ error: 'sign in and send a name' }, { status: 400 })
  locals.session.set('name', name)
  return Response.json({ name })
}
