import { building } from '$app/environment'
import { env } from '$env/dynamic/private'
import { redirect, type Handle, type HandleServerError } from '@sveltejs/kit'
import { sequence } from '@sveltejs/kit/hooks'
import { SessionError } from 'sealed-session'
import { sessionHandle } from 'sealed-session/sveltekit'
import type { Data } from '$lib/session'

// Options as a function: read at each request, so `vite build` needs no secret.
// csrf: true adds the session's synchronizer token to SvelteKit's own Origin check.
const session = sessionHandle<Data>(() => ({ secrets: env.SESSION_SECRET ?? '' }), { csrf: true })

// Runs after the session is loaded: signed-out visitors only see /login.
const signedIn: Handle = ({ event, resolve }) => {
  if (event.url.pathname === '/' && event.locals.session.subject === undefined) redirect(303, '/login')
  return resolve(event)
}

// Prerendered pages (src/routes/about) are rendered by `vite build`, with no visitor and no
// secret: no session there, so the hooks stay out of the build.
export const handle: Handle = building ? sequence() : sequence(session, signedIn)

// A session too large that no action caught (SessionTooLargeError from the hook's commit)
// arrives here: show its code rather than "Internal Error".
export const handleError: HandleServerError = ({ error, message }) => {
  if (error instanceof SessionError) return { message: `${error.code}: ${error.message}` }
  return { message }
}
