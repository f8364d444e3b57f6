import { json } from '@sveltejs/kit'
import type { RequestHandler } from './$types'

export const GET: RequestHandler = ({ locals }) =>
  json({ subject: locals.session.subject ?? null, name: locals.session.get('name') ?? null, theme: locals.session.get('theme') ?? null })

// fetch() sends the token in the x-csrf-token header (sessionHandle's csrf option).
export const POST: RequestHandler = async ({ request, locals }) => {
  const { theme } = (await request.json()) as { theme?: unknown }
  if (typeof theme !== 'string') return json({ error: 'theme must be a string' }, { status: 400 })
  locals.session.set('theme', theme)
  return json({ theme })
}
