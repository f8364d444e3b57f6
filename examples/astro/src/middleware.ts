import { getSecret } from 'astro:env/server'
import { defineMiddleware, sequence } from 'astro:middleware'
import { sessionMiddleware } from 'sealed-session/astro'
import type { Data } from './session'

const session = sessionMiddleware<Data>(
  // Called per request: the secret is read when the server runs, never at build time.
  () => ({ secrets: getSecret('SESSION_SECRET') ?? '' }),
  // A synchronizer token on every POST, beside Astro's Origin check.
  { csrf: true },
)

const MEMBERS_ONLY = new Set(['/account', '/api/profile', '/api/notes'])

/** Runs after `session`, so the session is on locals: members-only paths need a signed-in user. */
const signedIn = defineMiddleware((context, next) => {
  if (MEMBERS_ONLY.has(context.url.pathname) && context.locals.session.subject === undefined) return context.redirect('/login', 303)
  return next()
})

export const onRequest = sequence(session, signedIn)
