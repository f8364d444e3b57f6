import type { ActionFunctionArgs, LoaderFunctionArgs } from 'react-router'
import { sessionStorage } from '../sessions.server'

// A resource route on the middleware's session: no getSession() or commitSession() here;
// the root middleware commits changes (with Cache-Control: no-store).
export function loader({ context }: LoaderFunctionArgs) {
  const session = context.get(sessionStorage.context)
  return Response.json({ subject: session.subject ?? null, name: session.get('name') ?? null, theme: session.get('theme') ?? null })
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = context.get(sessionStorage.context)
  if (session.subject === undefined) return Response.json({ error: 'signed out' }, { status: 401 })
  // A body that does not parse as a form is the client's mistake: 400, not a 500.
  const form = await request.formData().catch(() => undefined)
  if (form === undefined) return Response.json({ error: 'the form could not be read' }, { status: 400 })
  session.set('theme', String(form.get('theme') ?? 'light'))
  return Response.json({ theme: session.get('theme') })
}
