import { createSealedSessionStorage } from 'sealed-session/react-router'

type SessionData = { name: string; theme: string; notes: string }
type SessionFlashData = { message: string }

// Options as a function: read when a request comes, so `react-router build` needs no secret.
export const sessionStorage = createSealedSessionStorage<SessionData, SessionFlashData>(() => ({
  secrets: process.env.SESSION_SECRET ?? '',
}))

export const { getSession, commitSession, destroySession } = sessionStorage
