import { useSealedSession } from 'sealed-session/h3'

export default defineEventHandler((event) => {
  const session = useSealedSession(event)
  return { subject: session.subject ?? null, visits: session.get('visits') ?? 0, csrf: session.csrfToken() }
})
