import { commitSealedSession, useSealedSession } from 'sealed-session/h3'

export default defineEventHandler(async (event) => {
  await useSealedSession(event).logout()
  await commitSealedSession(event)
  return sendRedirect(event, '/', 303)
})
