import type { APIRoute } from 'astro'

/**
 * Keeps notes in the session. Too much text makes the session outgrow its cookie: the
 * middleware throws SessionTooLargeError when it commits, src/pages/500.astro shows it,
 * and the browser keeps its previous cookie.
 */
export const POST: APIRoute = async ({ locals, request, redirect }) => {
  locals.session.set('notes', String((await request.formData()).get('notes') ?? ''))
  return redirect('/account', 303)
}
