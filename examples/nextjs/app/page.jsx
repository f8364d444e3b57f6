import { sessions } from '../lib/session.js'

// No `dynamic` export: sessions.get() reads the request before anything else, which is
// what makes Next.js render this page per request (and `next build` need no secret).

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
