import type { APIRoute } from 'astro'

/** Changes the name in the session; the middleware commits it on the redirect. */
export const POST: APIRoute = async ({ locals, request, redirect }) => {
  const name = String((await request.formData()).get('name') ?? '').trim()
  if (name !== '') locals.session.set('name', name)
  return redirect('/account', 303)
}
