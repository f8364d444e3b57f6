import { json } from '@sveltejs/kit'
import type { RequestHandler } from './$types'

export const GET: RequestHandler = ({ locals }) =>
  json({ subject: locals.session.subject ?? null, name: locals.session.get('name') ?? null, theme: locals.session.get('theme') ?? null })

// fetch() sends the token in the x-csrf-token header (sessionHandle's csrf option).
export const POST: RequestHandler = async ({ request, locals }) => {
  let body: unknown
  try {
    body = await request.json()
  } catch {
    return json({ error: 'the body must be JSON' }, { status: 400 }) // the client's mistake, not a 500
  }
  const theme = typeof body === 'object' && body !== null && 'theme' in body ? body.theme : undefined
  if (typeof theme !== 'string') return json({ error: 'theme must be a string' }, { status: 400 })
  locals.session.set('theme', theme)
  return json({ theme })
}
