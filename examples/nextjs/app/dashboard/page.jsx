import { redirect } from 'next/navigation'
import { sessions } from '../../lib/session.js'
import { signOut } from '../actions.js'

// Reads the session cookie: rendered per request, never prerendered or cached.
export const dynamic = 'force-dynamic'

export default async function Dashboard() {
  const session = await sessions.get()
  // The proxy already sent signed-out visitors away; check again where the data is used.
  if (session.subject === undefined) redirect('/login')
  const idle = session.idleExpiresAt.toISOString()
  return (
    <>
      <h1>Dashboard</h1>
      <p>
        Signed in as <strong id="user">{session.get('name')}</strong>.
      </p>
      <p>
        This session ends if unused until <time id="idle-expires" dateTime={idle}>{idle}</time>; each visit
        after a quarter of that window moves it forward.
      </p>
      <form action={signOut}>
        <button type="submit">Sign out</button>
      </form>
    </>
  )
}
