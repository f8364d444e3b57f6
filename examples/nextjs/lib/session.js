import { nextSessions } from 'sealed-session/next'

/**
 * The app's sessions. Options are a function so that `next build` does not need the
 * secret: it is read from the environment when a request comes in.
 * SESSION_SECRET: at least 32 random characters, e.g. `openssl rand -base64 32`.
 *
 * @type {import('sealed-session/next').NextSessions<{ name: string }>}
 */
export const sessions = nextSessions(() => ({
  secrets: process.env.SESSION_SECRET ?? '',
}))
