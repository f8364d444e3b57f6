/**
 * The sealed-session demo: a Hono app on Cloudflare Workers with a cart in the session
 * cookie and sign-out-everywhere through Workers KV. `npm run dev` serves it on
 * http://127.0.0.1:8787 with local KV and a demo-only secret.
 *
 * CSRF: Hono's `csrf()` refuses form posts from another origin (Origin / Sec-Fetch-Site),
 * and the session's synchronizer token (`_csrf` in every form) refuses the rest.
 */
import { Hono } from 'hono'
import { csrf } from 'hono/csrf'
import { html } from 'hono/html'
import { HTTPException } from 'hono/http-exception'
import { SessionTooLargeError } from 'sealed-session'
import { session } from 'sealed-session/hono'
import { kvRevocations } from 'sealed-session/kv'

/** The demo's bindings (wrangler.toml); `KVNamespace` comes from @cloudflare/workers-types. */
export type Bindings = {
  /** One or more secrets, newest first. Demo value in wrangler.toml; use `wrangler secret put` for real. */
  SESSION_SECRETS: string
  SESSION_REVOCATIONS: KVNamespace
  /** Seconds between revocation checks of one session (default 60); the browser tests shorten it with `--var`. */
  REVALIDATE_AFTER?: string
}
type Data = { cart: string[] }

const MAX_ITEM = 2000

const app = new Hono<{ Bindings: Bindings }>()
  .use(csrf())
  .use(
    session<Data, { Bindings: Bindings }>(
      (c) => ({
        secrets: c.env.SESSION_SECRETS,
        revocations: kvRevocations(c.env.SESSION_REVOCATIONS),
        revalidateAfter: Number(c.env.REVALIDATE_AFTER ?? 60),
        // Events carry no token, id or secret: safe to log for monitoring.
        onEvent: (event) => console.log(JSON.stringify({ sessionEvent: event })),
      }),
      { csrf: true },
    ),
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
              ${csrfField(s)}
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
            ${csrfField(s)}
            <label>Item <input name="item" required maxlength="${MAX_ITEM}"></label>
            <button>Add to cart</button>
          </form>
          <form method="post" action="/logout">${csrfField(s)}<button>Sign out</button></form>
          <form method="post" action="/logout-everywhere">${csrfField(s)}<button>Sign out everywhere</button></form>`,
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
    const s = c.get('session')
    try {
      await s.logout()
    } catch (error) {
      // The store failed: this browser forgets the session anyway, but a copy of the cookie
      // is not refused until it expires. Say so rather than pretend.
      logFailure('logout', error)
      s.destroy()
      s.flash('notice', 'Signed out in this browser. The server could not record the sign-out, so a copy of this session elsewhere stays valid until it expires.')
    }
    return c.redirect('/', 303)
  })
  .post('/logout-everywhere', async (c) => {
    const s = c.get('session')
    if (s.subject === undefined) {
      s.flash('notice', 'You were not signed in, so there was nothing to sign out.')
      return c.redirect('/', 303)
    }
    try {
      await c.get('sessions').revokeSubject(s.subject)
    } catch (error) {
      // Nothing was revoked: keep this session so the person can try again, and say so.
      logFailure('logout-everywhere', error)
      return c.html(
        page(
          'Not signed out',
          html`<p id="error">The session store could not be reached, so no device was signed out, and you are still signed in here.
            Please try again in a moment. <a href="/">Back</a></p>`,
        ),
        503,
      )
    }
    s.destroy()
    // KV: other locations see the change within about a minute, and each session asks at
    // most once per revalidateAfter (60 s): docs/REVOCATION.md has the worst case.
    s.flash('notice', 'Signed out on every device. Other devices are signed out at their next check, within about two minutes.')
    return c.redirect('/', 303)
  })

app.onError((error, c) => {
  // csrf() (wrong Origin) and session() (missing or wrong _csrf token) answer 403.
  if (error instanceof HTTPException && error.status === 403) {
    return c.html(page('Forbidden', html`<p id="forbidden">This form was not sent from this site, or the page was too old. <a href="/">Back</a></p>`), 403)
  }
  if (error instanceof HTTPException) return error.getResponse()
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

/** The hidden field with this session's CSRF token: every form that posts carries one. */
function csrfField(s: { csrfToken(): string }) {
  return html`<input type="hidden" name="_csrf" value="${s.csrfToken()}">`
}

function logFailure(action: string, error: unknown): void {
  console.error(JSON.stringify({ action, failed: error instanceof Error ? error.name : 'unknown' }))
}

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
