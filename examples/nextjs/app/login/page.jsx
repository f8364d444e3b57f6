import { sessions } from '../../lib/session.js'
import { signIn } from '../actions.js'

// Reads the session cookie: rendered per request (sessions.get() alone makes it so; the
// export says it where a reader looks).
export const dynamic = 'force-dynamic'

export default async function Login() {
  const session = await sessions.get()
  const name = session.get('name')
  return (
    <>
      <h1>Sign in</h1>
      {name !== undefined && (
        <p>
          You are signed in as <strong>{name}</strong>; signing in again replaces that session.
        </p>
      )}
      <form action={signIn}>
        <label>
          Name <input name="name" autoComplete="username" required maxLength={64} />
        </label>{' '}
        <button type="submit">Sign in</button>
      </form>
    </>
  )
}
