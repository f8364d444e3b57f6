import { sessions } from '../../lib/session.js'

// What a server component gets when it calls sessions.save(): Next.js refuses to set
// cookies while rendering, and the library says where save() works instead.
export default async function SaveInRender() {
  const session = await sessions.get()
  session.set('visited', true)
  try {
    await sessions.save(session)
    return <p id="outcome">saved</p>
  } catch (error) {
    return (
      <>
        <h1>save() in a server component</h1>
        <p>
          <code id="error-code">{error.code}</code> <span id="error-message">{error.message}</span>
        </p>
        <p>
          Next.js said: <span id="error-cause">{error.cause?.message}</span>
        </p>
      </>
    )
  }
}
