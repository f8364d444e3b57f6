import { SessionTooLargeError } from 'sealed-session'
import { data, Form, redirect, useActionData, useLoaderData, type ActionFunctionArgs, type LoaderFunctionArgs } from 'react-router'
import { commitSession, getSession } from '../sessions.server'

export async function loader({ request }: LoaderFunctionArgs) {
  const session = await getSession(request.headers.get('Cookie'))
  if (session.subject === undefined) return redirect('/login')
  const view = { name: session.get('name') ?? '', message: session.get('message'), expiresAt: session.expiresAt.toISOString() }
  return view.message === undefined ? view : data(view, { headers: { 'Set-Cookie': await commitSession(session) } })
}

export async function action({ request }: ActionFunctionArgs) {
  const session = await getSession(request.headers.get('Cookie'))
  if (session.subject === undefined) return redirect('/login')
  // A body that does not parse as a form is the client's mistake: 400, not a 500.
  const form = await request.formData().catch(() => undefined)
  if (form === undefined) throw data('The form could not be read', { status: 400 })
  if (form.get('intent') === 'notes') {
    // Too much for one cookie: commitSession() throws before any header is sent.
    session.set('notes', String(form.get('notes') ?? ''))
    try {
      return redirect('/', { headers: { 'Set-Cookie': await commitSession(session) } })
    } catch (error) {
      if (!(error instanceof SessionTooLargeError)) throw error
      return data({ error: error.code, size: error.size, limit: error.limit }, { status: 413 })
    }
  }
  session.set('name', String(form.get('name') ?? ''))
  session.flash('message', 'Name changed')
  return redirect('/', { headers: { 'Set-Cookie': await commitSession(session) } })
}

export default function Home() {
  const { name, message, expiresAt } = useLoaderData<typeof loader>()
  const failed = useActionData<typeof action>()
  return (
    <main>
      <h1>
        Hello, <span id="user">{name}</span>
      </h1>
      {message === undefined ? null : <p id="message">{message}</p>}
      {failed === undefined ? null : <p id="error">{`${failed.error}: ${failed.size} bytes, at most ${failed.limit}`}</p>}
      <p>
        Signed in until <time id="expires">{expiresAt}</time>
      </p>
      <Form method="post">
        <input name="name" defaultValue={name} />
        <button type="submit">Change name</button>
      </Form>
      <Form method="post">
        <textarea name="notes" />
        <button type="submit" name="intent" value="notes">
          Save notes
        </button>
      </Form>
      <Form method="post" action="/logout">
        <button type="submit">Sign out</button>
      </Form>
    </main>
  )
}
