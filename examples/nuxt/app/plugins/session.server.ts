import { useSealedSession } from 'sealed-session/h3'

// On the server only: the page reads the session of its own request (no internal fetch,
// whose Set-Cookie would never reach the browser). The CSRF token goes into the forms.
export default defineNuxtPlugin(() => {
  const event = useRequestEvent()
  if (event === undefined) return
  const session = useSealedSession(event)
  useState('session', () => ({ subject: session.subject ?? null, visits: session.get('visits') ?? 0, csrf: session.csrfToken() }))
})
