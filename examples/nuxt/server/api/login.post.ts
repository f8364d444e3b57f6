import { commitSealedSession, useSealedSession } from 'sealed-session/h3'

export default defineEventHandler(async (event) => {
  const { name } = await readBody<{ name?: string }>(event)
  if (typeof name !== 'string' || name === '') throw createError({ statusCode: 400, statusMessage: 'name is required' })
  // A new session id at sign-in: no session fixation.
  await useSealedSession(event).login(name)
  // sendRedirect() sends the response itself, so no hook runs after it: commit first.
  await commitSealedSession(event)
  return sendRedirect(event, '/', 303)
})
