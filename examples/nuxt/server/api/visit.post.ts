import { useSealedSession } from 'sealed-session/h3'

export default defineEventHandler((event) => {
  const session = useSealedSession(event)
  if (session.subject === undefined) throw createError({ statusCode: 401, statusMessage: 'Sign in first' })
  const visits = (session.get('visits') ?? 0) + 1
  session.set('visits', visits)
  return { visits }
})
