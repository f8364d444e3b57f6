'use server'

import { redirect } from 'next/navigation'
import { sessions } from '../lib/session.js'

/** Sign in with a name (a real app checks a password or a passkey here). */
export async function signIn(formData) {
  const name = String(formData.get('name') ?? '').trim().slice(0, 64)
  if (name === '') redirect('/login')
  const session = await sessions.get()
  await session.login(name) // a new session id: no session fixation
  session.set('name', name)
  await sessions.save(session)
  redirect('/dashboard')
}

/** Sign out: the Set-Cookie that expires the session cookie goes out with this action's response. */
export async function signOut() {
  const session = await sessions.get()
  await session.logout()
  await sessions.save(session)
  redirect('/signed-out')
}
