// The smallest sealed-session server on Deno: a visit counter with sign-in and sign-out,
// the session kept in one sealed cookie, nothing stored on the server.
//
//   npm run build    # once, from the repository root
//   deno run --allow-net=127.0.0.1 --allow-env=SESSION_SECRET,PORT examples/deno/main.ts
//
// then open http://localhost:8000 (browsers keep the Secure __Host- cookie on localhost).
// In your own app: `deno add npm:sealed-session`; here `sealed-session` resolves to this
// repository's build through its package.json.
import { applyCommit, createSessions, generateSecret } from 'sealed-session'

type Data = { visits: number }

const secret = Deno.env.get('SESSION_SECRET')
if (secret === undefined) console.warn('SESSION_SECRET is not set: using a random one, so sessions end when the server stops')
const sessions = createSessions<Data>({ secrets: secret ?? generateSecret() })

async function handle(request: Request): Promise<Response> {
  const url = new URL(request.url)
  const session = await sessions.load(request)
  let response: Response
  if (request.method === 'POST' && url.pathname === '/login') {
    const name = String((await request.formData()).get('name') ?? '').trim().slice(0, 64)
    if (name !== '') await session.login(name) // a new session id: no fixation
    response = new Response(null, { status: 303, headers: { location: '/' } })
  } else if (request.method === 'POST' && url.pathname === '/logout') {
    session.destroy()
    response = new Response(null, { status: 303, headers: { location: '/' } })
  } else if (request.method === 'GET' && url.pathname === '/') {
    const visits = (session.get('visits') ?? 0) + 1
    session.set('visits', visits)
    response = new Response(page(session.subject, visits), { headers: { 'content-type': 'text/html; charset=utf-8' } })
  } else {
    response = new Response('Not found', { status: 404 })
  }
  // Set-Cookie, Cache-Control: no-store and Vary: Cookie, only when the cookie changes.
  applyCommit(response.headers, await sessions.commit(session))
  return response
}

function page(user: string | undefined, visits: number): string {
  const who = user === undefined
    ? '<form method="post" action="/login"><input name="name" placeholder="Name" required> <button>Sign in</button></form>'
    : `<p>Signed in as <b id="user">${escape(user)}</b>.</p><form method="post" action="/logout"><button>Sign out</button></form>`
  return `<!doctype html><title>sealed-session on Deno</title><h1>Deno ${Deno.version.deno}</h1><p>Visits in this session: <b id="visits">${visits}</b></p>${who}`
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

Deno.serve({ hostname: '127.0.0.1', port: Number(Deno.env.get('PORT') ?? 8000) }, handle)
