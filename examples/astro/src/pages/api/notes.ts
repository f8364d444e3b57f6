import type { APIRoute } from 'astro'

/**
 * Keeps notes in the session. Too much text makes the session outgrow its cookie: the
 * middleware throws SessionTooLargeError when it commits, src/pages/500.astro shows it,
 * and the browser keeps its previous cookie.
 */
export const POST: APIRoute = async ({ locals, request, redirect }) => {
  // A body that does not parse as a form is the client's mistake: 400, not a 500.
  const form = await request.formData().catch(() => undefined)
  if (form === undefined) return new Response('The form could not be read', { status: 400 })
  locals.session.set('notes', String(form.get('notes') ?? ''))
  return redirect('/account', 303)
}
