import type { APIRoute } from 'astro'

/** Signs out: the middleware removes the cookie on the redirect. */
export const POST: APIRoute = async ({ locals, redirect }) => {
  await locals.session.logout()
  return redirect('/login', 303)
}
