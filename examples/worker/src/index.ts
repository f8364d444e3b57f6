/**
 * The sealed-session demo: a Hono app on Cloudflare Workers with a cart in the session
 * cookie and sign-out-everywhere through Workers KV. `npm run dev` serves it on
 * http://127.0.0.1:8787 with local KV and a demo-only secret.
 */
import { Hono } from 'hono'
import { html } from 'hono/html'
import { SessionTooLargeError } from 'sealed-session'
import { session } from 'sealed-session/hono'
import { kvRevocations, type KVLike } from 'sealed-session/kv'

type Bindings = {
  /** Space-separated, newest first. Demo value in wrangler.toml; use `wrangler secret put` for real. */
  SESSION_SECRETS: string
  SESSION_REVOCATIONS: KVLike
  /** Seconds between revocation checks of one session (default 60); the browser tests shorten it with `--var`. */
  REVALIDATE_AFTER?: string
}
type Data = { cart: string[] }

const MAX_ITEM = 2000

const app = new Hono<{ Bindings: Bindings }>()
  .use(
    session<Data, { Bindings: Bindings }>((c) => ({
      secrets: c.env.SESSION_SECRETS.split(/\s+/).filter(Boolean),
      revocations: kvRevocations(c.env.SESSION_REVOCATIONS),
      revalidateAfter: Number(c.env.REVALIDATE_AFTER ?? 60),
      // Events carry no token, id or secret: safe to log for monitoring.
      onEvent: (event) => console.log(JSON.stringify({ sessionEvent: event })),
    })),
  )
  .get('/', (c) => {
    const s = c.get('session')
    const notice = s.getFlash('notice')
    if (s.subject === undefined) {
      return c.html(
        page(
          'Sign in',
          html`${typeof notice === 'string' ? html`<p class="notice">${notice}</p>` : ''}
            <form method="post" action="/login">
              <label>Name <input name="name" required maxlength="64" autofocus></label>
              <button>Sign in</button>
            </form>`,
        ),
      )
    }
    const cart = s.get('cart') ?? []
    return c.html(
      page(
        `Hello, ${s.subject}`,
        html`${typeof notice === 'string' ? html`<p class="notice">${notice}</p>` : ''}
          <dl>
            <dt>Signed in as</dt><dd id="subject">${s.subject}</dd>
            <dt>Session expires</dt><dd id="expires">${s.expiresAt.toISOString()}</dd>
            <dt>Idle expiry</dt><dd id="idle">${s.idleExpiresAt.toISOString()}</dd>
            <dt>Items in cart</dt><dd id="cart-count">${cart.length}</dd>
          </dl>
          <ul id="cart">${cart.map((item) => html`<li>${item.length > 60 ? `${item.slice(0, 60)}… (${item.length} chars)` : item}</li>`)}</ul>
          <form method="post" action="/cart">
            <label>Item <input name="item" required maxlength="${MAX_ITEM}"></label>
            <button>Add to cart</button>
          </form>
          <form method="post" action="/logout"><button>Sign out</button></form>
          <form method="post" action="/logout-everywhere"><button>Sign out everywhere</button></form>`,
      ),
    )
  })
  .post('/login', async (c) => {
    const name = String((await c.req.parseBody())['name'] ?? '').trim()
    if (name.length === 0 || name.length > 64) return c.html(page('Sign in', html`<p>Please give a name of 1 to 64 characters. <a href="/">Back</a></p>`), 400)
    await c.get('session').login(name)
    return c.redirect('/', 303)
  })
  .post('/cart', async (c) => {
    const s = c.get('session')
    if (s.subject === undefined) return c.redirect('/', 303)
    const item = String((await c.req.parseBody())['item'] ?? '').slice(0, MAX_ITEM)
    if (item.length > 0) s.set('cart', [...(s.get('cart') ?? []), item])
    return c.redirect('/', 303)
  })
  .post('/logout', async (c) => {
    await c.get('session').logout()
    return c.redirect('/', 303)
  })
  .post('/logout-everywhere', async (c) => {
    const s = c.get('session')
    if (s.subject !== undefined) await c.get('sessions').revokeSubject(s.subject)
    s.destroy()
    s.flash('notice', 'Signed out on every device.')
    return c.redirect('/', 303)
  })

app.onError((error, c) => {
  if (error instanceof SessionTooLargeError) {
    return c.html(
      page(
        'Your cart is full',
        html`<p id="too-large">This cart no longer fits in a cookie: it needs ${error.size} bytes, and browsers keep at most ${error.limit}.
          Nothing was saved, so your previous cart is still there. <a href="/">Back to your cart</a></p>`,
      ),
      507,
    )
  }
  console.error('unhandled error:', error instanceof Error ? error.name : 'unknown')
  return c.html(page('Something went wrong', html`<p>Please try again.</p>`), 500)
})

function page(title: string, body: ReturnType<typeof html>) {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>${title} · sealed-session demo</title>
        <style>
          body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem; }
          form { margin: 0.75rem 0; } dt { font-weight: 600; } .notice { background: #eef6ee; padding: 0.5rem; }
          li { word-break: break-all; }
        </style>
      </head>
      <body>
        <h1>${title}</h1>
        ${body}
        <footer><small>sealed-session demo: the whole session lives in one encrypted cookie.</small></footer>
      </body>
    </html>`
}

export default app
