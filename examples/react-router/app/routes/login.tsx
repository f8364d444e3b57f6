import { data, Form, redirect, useLoaderData, type ActionFunctionArgs, type LoaderFunctionArgs } from 'react-router'
import { commitSession, getSession } from '../sessions.server'

export async function loader({ request }: LoaderFunctionArgs) {
  const session = await getSession(request.headers.get('Cookie'))
  if (session.subject !== undefined) return redirect('/')
  const message = session.get('message')
  // Reading a flash value changes the session: commit it so the message shows once.
  return message === undefined ? { message } : data({ message }, { headers: { 'Set-Cookie': await commitSession(session) } })
}

export async function action({ request }: ActionFunctionArgs) {
  const session = await getSession(request.headers.get('Cookie'))
  // A body that does not parse as a form is the client's mistake: 400, not a 500.
  const form = await request.formData().catch(() => undefined)
  if (form === undefined) throw data('The form could not be read', { status: 400 })
  const name = String(form.get('name') ?? '').trim()
  if (name === '') {
    session.flash('message', 'Enter your name')
    return redirect('/login', { headers: { 'Set-Cookie': await commitSession(session) } })
  }
  await session.login(name) // a new session id: no session fixation
  session.set('name', name)
  return redirect('/', { headers: { 'Set-Cookie': await commitSession(session) } })
}

export default function Login() {
  const { message } = useLoaderData<typeof loader>()
  return (
    <main>
      <h1>Sign in</h1>
      {message === undefined ? null : <p id="message">{message}</p>}
      <Form method="post">
        <input name="name" placeholder="Your name" />
        <button type="submit">Sign in</button>
      </Form>
    </main>
  )
}
