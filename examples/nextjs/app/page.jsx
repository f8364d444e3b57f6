import { sessions } from '../lib/session.js'

// Reads the session cookie: rendered per request, never prerendered or cached.
export const dynamic = 'force-dynamic'

export default async function Home() {
  const session = await sessions.get()
  const name = session.get('name')
  return (
    <>
      <h1>sealed-session on Next.js</h1>
      {name === undefined ? (
        <p>
          You are signed out. <a href="/login">Sign in</a>
        </p>
      ) : (
        <p>
          Signed in as <strong>{name}</strong>. <a href="/dashboard">Go to the dashboard</a>
        </p>
      )}
    </>
  )
}
