import type { APIRoute } from 'astro'

/** Changes the name in the session; the middleware commits it on the redirect. */
export const POST: APIRoute = async ({ locals, request, redirect }) => {
  // A body that does not parse as a form is the client's mistake: 400, not a 500.
  const form = await request.formData().catch(() => undefined)
  if (form === undefined) return new Response('The form could not be read', { status: 400 })
  const name = String(form.get('name') ?? '').trim()
  if (name !== '') locals.session.set('name', name)
  return redirect('/account', 303)
}
