// The request handler the Deno and Bun examples share: a visit counter with sign-in and
// sign-out, the session kept in one sealed cookie, nothing stored on the server. It uses
// only Web APIs (Request, Response), so each runtime's example is just its server call.
import { applyCommit, createSessions, generateSecret } from 'sealed-session'

type Data = { visits: number }

/** Builds the handler; `runtime` is shown on the page, e.g. "Deno 2.9.6". */
export function visitCounter(runtime: string, secret: string | undefined): (request: Request) => Promise<Response> {
  if (secret === undefined) console.warn('SESSION_SECRET is not set: using a random one, so sessions end when the server stops')
  const sessions = createSessions<Data>({ secrets: secret ?? generateSecret() })

  return async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url)
    const session = await sessions.load(request)
    let response: Response
    if (request.method === 'POST' && url.pathname === '/login') {
      // A body that does not parse as a form is the client's mistake: 400, not a 500.
      const form = await request.formData().catch(() => undefined)
      const name = String(form?.get('name') ?? '').trim().slice(0, 64)
      if (name !== '') await session.login(name) // a new session id: no fixation
      response = form === undefined ? new Response('The form could not be read', { status: 400 }) : new Response(null, { status: 303, headers: { location: '/' } })
    } else if (request.method === 'POST' && url.pathname === '/logout') {
      session.destroy()
      response = new Response(null, { status: 303, headers: { location: '/' } })
    } else if (request.method === 'GET' && url.pathname === '/') {
      const visits = (session.get('visits') ?? 0) + 1
      session.set('visits', visits)
      response = new Response(page(runtime, session.subject, visits), { headers: { 'content-type': 'text/html; charset=utf-8' } })
    } else {
      response = new Response('Not found', { status: 404 })
    }
    // Set-Cookie, Cache-Control: no-store and Vary: Cookie, only when the cookie changes.
    applyCommit(response.headers, await sessions.commit(session))
    return response
  }
}

function page(runtime: string, user: string | undefined, visits: number): string {
  const who = user === undefined
    ? '<form method="post" action="/login"><input name="name" placeholder="Name" required> <button>Sign in</button></form>'
    : `<p>Signed in as <b id="user">${escape(user)}</b>.</p><form method="post" action="/logout"><button>Sign out</button></form>`
  return `<!doctype html><title>sealed-session on ${escape(runtime)}</title><h1>${escape(runtime)}</h1><p>Visits in this session: <b id="visits">${visits}</b></p>${who}`
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
