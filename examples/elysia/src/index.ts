// src/index.ts
import { Elysia, t } from 'elysia'
import { sealedSession } from 'sealed-session/elysia'

type Data = { name: string; cart: string[]; attempts: number; note: string }

const secrets = Bun.env.SESSION_SECRETS
if (secrets === undefined) throw new Error('Set SESSION_SECRETS (npx sealed-session secret prints one)')

export const app = new Elysia()
  // `session` in every handler below, typed Session<Data>; csrf: a token on every POST.
  .use(sealedSession<Data>({ secrets }, { csrf: true }))
  .get('/', ({ session }) => {
    const token = escape(session.csrfToken())
    const name = session.get('name')
    const body = name === undefined
      ? `<form method="post" action="/login"><input type="hidden" name="_csrf" value="${token}"><input name="name"><button>Sign in</button></form>`
      : `<p>Signed in as <b id="user">${escape(name)}</b>, cart: <span id="cart">${escape((session.get('cart') ?? []).join(', '))}</span></p>` +
        `<form method="post" action="/logout"><input type="hidden" name="_csrf" value="${token}"><button>Sign out</button></form>`
    return new Response(`<!doctype html><meta charset="utf-8"><title>Elysia</title>${body}`, { headers: { 'content-type': 'text/html; charset=utf-8' } })
  })
  .get('/me', ({ session }) => ({ name: session.get('name') ?? null, cart: session.get('cart') ?? [] }))
  .post('/login', async ({ session, body, redirect, status }) => {
    const name = body.name.trim().slice(0, 64)
    if (name === '') {
      // A thrown 4xx still commits: the count of failed attempts is kept.
      session.set('attempts', (session.get('attempts') ?? 0) + 1)
      throw status(422, 'Enter a name')
    }
    await session.login(name) // a new session id: no fixation
    session.set('name', name)
    return redirect('/', 303)
  }, { body: t.Object({ name: t.String(), _csrf: t.String() }) })
  .post('/cart', ({ session, body, cookie }) => {
    const cart = [...(session.get('cart') ?? []), body.item]
    session.set('cart', cart)
    cookie.items.value = String(cart.length) // the app's own cookie, next to the session's
    return { cart }
  }, { body: t.Object({ item: t.String() }), cookie: t.Cookie({ items: t.Optional(t.String()) }) })
  .post('/note', ({ session, body }) => {
    session.set('note', body.text) // too large for a cookie: Elysia answers 500, the old cookie stays
    return { saved: true }
  }, { body: t.Object({ text: t.String() }) })
  .post('/logout', ({ session, redirect }) => {
    session.destroy()
    return redirect('/', 303)
  })

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

app.listen({ hostname: '127.0.0.1', port: Number(Bun.env.PORT ?? 3000) })
console.log(`Listening on http://127.0.0.1:${app.server?.port}`)
