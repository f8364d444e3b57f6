/**
 * The sealed-session demo: a Hono app on Cloudflare Workers with a cart in the session
 * cookie, sign-out-everywhere, and "Your devices" (list, sign out one, sign out the others)
 * through the Durable Object store. `npm run dev` serves it on http://127.0.0.1:8787 with
 * local Durable Objects and KV, no account, and a demo-only secret.
 *
 * `REVOCATION_STORE = "kv"` (a var) runs it on Workers KV instead, as the load run does:
 * KV records no sessions, so "Your devices" then says it is unavailable.
 *
 * CSRF: Hono's `csrf()` refuses form posts from another origin (Origin / Sec-Fetch-Site),
 * and the session's synchronizer token (`_csrf` in every form) refuses the rest.
 */
import { Hono } from 'hono'
import { csrf } from 'hono/csrf'
import { html } from 'hono/html'
import { HTTPException } from 'hono/http-exception'
import { RevocationUnavailableError, SessionTooLargeError, type Session, type SessionInfo, type RevocationOptions } from 'sealed-session'
import { durableObjectRevocations, type SessionRevocations } from 'sealed-session/durable-object'
import { session } from 'sealed-session/hono'
import { kvRevocations } from 'sealed-session/kv'

// The Durable Object class behind the store: exported from the Worker's main module and
// bound in wrangler.toml (SESSION_OBJECTS, a `new_sqlite_classes` migration).
export { SessionRevocations } from 'sealed-session/durable-object'

/** The demo's bindings (wrangler.toml); `KVNamespace` comes from @cloudflare/workers-types. */
export type Bindings = {
  /** One or more secrets, newest first. Demo value in wrangler.toml; use `wrangler secret put` for real. */
  SESSION_SECRETS: string
  /** One Durable Object per user: revocations and that user's recorded sessions. */
  SESSION_OBJECTS: DurableObjectNamespace<SessionRevocations>
  /** Workers KV revocations, used when `REVOCATION_STORE` is "kv". */
  SESSION_REVOCATIONS: KVNamespace
  /** "durable-object" (default) or "kv". */
  REVOCATION_STORE?: string
  /** Seconds between revocation checks of one session (default 60); the browser tests shorten it with `--var`. */
  REVALIDATE_AFTER?: string
}
type Data = { cart: string[] }

const MAX_ITEM = 2000
/** At most this many signed-in devices per user: a sign-in beyond it signs out the oldest. */
const MAX_SESSIONS = 5
/** The session cookie's name (the library's default) and the browsers' limit for name + value. */
const COOKIE = '__Host-session'
const COOKIE_LIMIT = 4096

/** Which store this deployment uses, from the `REVOCATION_STORE` var. */
function storeKind(env: Bindings): 'durable-object' | 'kv' {
  const kind = env.REVOCATION_STORE ?? 'durable-object'
  if (kind !== 'durable-object' && kind !== 'kv') throw new Error(`REVOCATION_STORE must be "durable-object" or "kv", not ${JSON.stringify(kind)}`)
  return kind
}

/** The store and what goes with it: KV records no sessions, so no limit and no labels there. */
function revocation(env: Bindings): RevocationOptions {
  if (storeKind(env) === 'kv') return { store: kvRevocations(env.SESSION_REVOCATIONS), revalidateAfter: revalidateAfter(env) }
  return {
    store: durableObjectRevocations(env.SESSION_OBJECTS),
    revalidateAfter: revalidateAfter(env),
    maxSessions: MAX_SESSIONS,
    label: (headers) => deviceLabel(headers.get('user-agent')),
  }
}

function revalidateAfter(env: Bindings): number {
  return Number(env.REVALIDATE_AFTER ?? 60)
}

const app = new Hono<{ Bindings: Bindings }>()
  .use(csrf())
  .use(
    session<Data, { Bindings: Bindings }>(
      (c) => ({
        secrets: c.env.SESSION_SECRETS,
        revocation: revocation(c.env),
        // Events carry no token, id or secret: safe to log for monitoring.
        onEvent: (event) => console.log(JSON.stringify({ sessionEvent: event })),
      }),
      { csrf: true },
    ),
  )
  .get('/', (c) => {
    personal(c)
    const s = c.get('session')
    const notice = s.getFlash('notice')
    if (s.subject === undefined) {
      return c.html(
        page(
          'Sign in',
          html`${noticeOf(notice)}
            <p class="warning" id="no-password">This demo signs you in with a name alone, <strong>no password</strong>:
              a real application checks a password or passkey before it calls <code>login()</code>. Do not copy this form.</p>
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
        html`${noticeOf(notice)}
          <dl>
            <dt>Signed in as</dt><dd id="subject">${s.subject}</dd>
            <dt>Items in cart</dt><dd id="cart-count">${cart.length}</dd>
          </dl>
          <ul id="cart">${cart.map((item) => html`<li>${item.length > 60 ? `${item.slice(0, 60)}… (${item.length} chars)` : item}</li>`)}</ul>
          <form method="post" action="/cart">
            ${csrfField(s)}
            <label>Item <input name="item" required maxlength="${MAX_ITEM}"></label>
            <button>Add to cart</button>
          </form>
          <p><a href="/devices" id="devices-link">Your devices</a></p>
          ${cookiePanel(c.req.header('cookie'), s)}
          <form method="post" action="/logout">${csrfField(s)}<button>Sign out</button></form>
          <form method="post" action="/logout-everywhere">${csrfField(s)}<button>Sign out everywhere</button></form>`,
      ),
    )
  })
  .get('/devices', async (c) => {
    personal(c)
    const s = c.get('session')
    if (s.subject === undefined) return c.redirect('/', 303)
    if (storeKind(c.env) === 'kv') {
      return c.html(
        page(
          'Your devices',
          html`<p id="unavailable">This deployment keeps revocations in Workers KV, which does not record sessions (docs/REVOCATION.md, "Sessions of a user"),
            so it cannot list your devices. "Sign out everywhere" still works. <a href="/">Back</a></p>`,
        ),
      )
    }
    let devices: SessionInfo[]
    try {
      devices = await c.get('sessions').listSessions(s)
    } catch (error) {
      if (!(error instanceof RevocationUnavailableError)) throw error
      logFailure('list-devices', error)
      return c.html(page('Your devices', html`<p id="error">The session store could not be reached, so your devices cannot be listed right now. Please try again in a moment. <a href="/">Back</a></p>`), 503)
    }
    const notice = s.getFlash('notice')
    const current = devices.find((device) => device.current)
    const others = devices.filter((device) => !device.current)
    return c.html(
      page(
        'Your devices',
        html`${noticeOf(notice)}
          <p class="note" id="limit">You can be signed in on up to ${MAX_SESSIONS} devices at once: signing in on another one signs out the one that signed in longest ago.
            "Last seen" is when that device's session was last checked with the server, at most once every ${revalidateAfter(c.env)} seconds.</p>
          <h2>This device</h2>
          ${current === undefined
            ? html`<p id="this-device">This session is not in the list (it was signed in before this server recorded sessions).</p>`
            : html`<ul id="this-device">${deviceItem(current)}</ul>`}
          <h2>Other devices</h2>
          ${others.length === 0
            ? html`<p id="no-others">You are not signed in anywhere else.</p>`
            : html`<ul id="other-devices">${others.map(
                (device) => html`${deviceItem(device, html`<form method="post" action="/devices/sign-out">
                    ${csrfField(s)}<input type="hidden" name="handle" value="${device.handle}">
                    <button>Sign out this device</button>
                  </form>`)}`,
              )}</ul>
              <form method="post" action="/devices/sign-out-others">${csrfField(s)}<button>Sign out all others</button></form>`}
          <p><a href="/">Back</a></p>`,
      ),
    )
  })
  .post('/devices/sign-out', async (c) => {
    const s = c.get('session')
    if (s.subject === undefined) return c.redirect('/', 303)
    const handle = (await formOf(c))['handle']
    // A form of ours always sends one; anything else is a bad request, not a device.
    if (typeof handle !== 'string' || handle.length === 0) return c.html(page('Bad request', html`<p id="bad-request">No device was named. <a href="/devices">Back</a></p>`), 400)
    const done = await deviceAction(c, 'sign-out-device', () => c.get('sessions').revokeSession(s.subject!, handle))
    if (done instanceof Response) return done
    s.flash('notice', done ? `Signed out that device: it is refused at its next check, within ${revalidateAfter(c.env)} seconds.` : 'That device was already signed out.')
    return c.redirect('/devices', 303)
  })
  .post('/devices/sign-out-others', async (c) => {
    const s = c.get('session')
    if (s.subject === undefined) return c.redirect('/', 303)
    const count = await deviceAction(c, 'sign-out-others', () => c.get('sessions').revokeOtherSessions(s))
    if (count instanceof Response) return count
    s.flash('notice', count === 0 ? 'There was no other device to sign out.' : `Signed out ${count} other device${count === 1 ? '' : 's'}: each is refused at its next check, within ${revalidateAfter(c.env)} seconds.`)
    return c.redirect('/devices', 303)
  })
  .post('/login', async (c) => {
    const name = String((await formOf(c))['name'] ?? '').trim()
    if (name.length === 0 || name.length > 64) return c.html(page('Sign in', html`<p>Please give a name of 1 to 64 characters. <a href="/">Back</a></p>`), 400)
    await c.get('session').login(name)
    return c.redirect('/', 303)
  })
  .post('/cart', async (c) => {
    const s = c.get('session')
    if (s.subject === undefined) return c.redirect('/', 303)
    const item = String((await formOf(c))['item'] ?? '').slice(0, MAX_ITEM)
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
    // most once per revalidateAfter (60 s): docs/REVOCATION.md has the worst case. A Durable
    // Object is strongly consistent: the next check sees it.
    s.flash(
      'notice',
      storeKind(c.env) === 'kv'
        ? 'Signed out on every device. Other devices are signed out at their next check, within about two minutes.'
        : `Signed out on every device. Other devices are signed out at their next check, within ${revalidateAfter(c.env)} seconds.`,
    )
    return c.redirect('/', 303)
  })

app.onError((error, c) => {
  // csrf() (wrong Origin) and session() (missing or wrong _csrf token) answer 403.
  if (error instanceof HTTPException && error.status === 403) {
    return c.html(page('Forbidden', html`<p id="forbidden">This form was not sent from this site, or the page was too old. <a href="/">Back</a></p>`), 403)
  }
  if (error instanceof HTTPException && error.status === 400) return c.html(page('Bad request', html`<p id="bad-request">${error.message} <a href="/">Back</a></p>`), 400)
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

/**
 * Marks a page that shows session data (a name, a cart, the CSRF token) as for this
 * browser only: the session adds no-store only when it sets the cookie, and a page view
 * that changes nothing must not be kept by a shared cache either (docs/SECURITY.md).
 */
function personal(c: { header: (name: string, value: string) => void }): void {
  c.header('Cache-Control', 'private, no-store')
}

/** The posted form; a body that does not parse as one is the client's mistake (400), not a 500. */
async function formOf(c: { req: { parseBody: () => Promise<Record<string, string | File>> } }): Promise<Record<string, string | File>> {
  try {
    return await c.req.parseBody()
  } catch {
    throw new HTTPException(400, { message: 'The form could not be read.' })
  }
}

/** The notice a redirect left in the session, if any. */
function noticeOf(notice: unknown) {
  return typeof notice === 'string' ? html`<p class="notice">${notice}</p>` : ''
}

/**
 * Runs a device sign-out; a store outage becomes a 503 page saying nothing changed
 * (RevocationUnavailableError: nothing was revoked, or not all of it; trying again is safe).
 */
async function deviceAction<R>(c: { html: (body: ReturnType<typeof html>, status: 503) => Response | Promise<Response> }, action: string, run: () => Promise<R>): Promise<R | Response> {
  try {
    return await run()
  } catch (error) {
    if (!(error instanceof RevocationUnavailableError)) throw error
    logFailure(action, error)
    return c.html(
      page('Not signed out', html`<p id="error">The session store could not be reached, so the device may still be signed in. Please try again in a moment. <a href="/devices">Back</a></p>`),
      503,
    )
  }
}

/** One device in the list: its label, when it signed in and was last seen, and an optional form. */
function deviceItem(device: SessionInfo, action: ReturnType<typeof html> | string = '') {
  return html`<li class="device" data-handle="${device.handle}">
    <strong class="label">${device.label ?? 'Unknown browser'}</strong>
    <span class="times">signed in <time datetime="${device.createdAt.toISOString()}">${when(device.createdAt)}</time>,
      last seen ${device.lastSeenAt === undefined ? 'not since it signed in' : html`<time class="last-seen" datetime="${device.lastSeenAt.toISOString()}">${when(device.lastSeenAt)}</time>`}</span>
    ${action}
  </li>`
}

function when(date: Date): string {
  return date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')
}

/** A coarse label of the browser and OS from the User-Agent: stored as given, never trusted. */
function deviceLabel(userAgent: string | null | undefined): string | undefined {
  const ua = userAgent ?? ''
  const browser = /Firefox\//.test(ua) ? 'Firefox' : /Edg\//.test(ua) ? 'Edge' : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : /curl\//.test(ua) ? 'curl' : undefined
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Mac OS X/.test(ua) ? 'macOS' : /Windows/.test(ua) ? 'Windows' : /Linux/.test(ua) ? 'Linux' : undefined
  return browser === undefined ? os : os === undefined ? browser : `${browser} on ${os}`
}

/** Our cookie's value in a Cookie header (the first one, as the session reads it). */
function cookieValue(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const pair = part.trim()
    if (pair.startsWith(`${COOKIE}=`)) return pair.slice(COOKIE.length + 1)
  }
  return undefined
}

/**
 * The token header's key id: byte 1 of the base64url token (docs/FORMAT.md). Shown only for
 * a session that loaded, so the header was authenticated with the rest of the token.
 */
function keyIdOf(token: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{4}/.test(token)) return undefined
  const bytes = atob(token.slice(0, 4).replace(/-/g, '+').replace(/_/g, '/'))
  return bytes.charCodeAt(0) === 1 ? bytes.charCodeAt(1) : undefined
}

/** "What's in your cookie": what this request's cookie costs and says, read from the request and the session. */
function cookiePanel(header: string | undefined, s: Session<Data>) {
  const token = cookieValue(header)
  if (token === undefined) return ''
  const bytes = COOKIE.length + token.length
  const keyId = keyIdOf(token)
  return html`<section id="cookie-panel" aria-labelledby="cookie-title">
    <h2 id="cookie-title">What's in your cookie</h2>
    <p><label for="cookie-bytes">Size</label>: <span id="cookie-size">${bytes}</span> of ${COOKIE_LIMIT} bytes (name + value; browsers drop a bigger cookie)</p>
    <progress id="cookie-bytes" max="${COOKIE_LIMIT}" value="${bytes}">${bytes} of ${COOKIE_LIMIT} bytes</progress>
    <dl>
      <dt>Key id</dt><dd id="key-id">${keyId ?? 'unknown'}</dd>
      <dt>Expires (absolute)</dt><dd id="expires">${s.expiresAt.toISOString()}</dd>
      <dt>Expires if unused (idle)</dt><dd id="idle">${s.idleExpiresAt.toISOString()}</dd>
      <dt>Store last asked</dt><dd id="checked">${s.lastCheckedAt?.toISOString() ?? 'not yet'}</dd>
    </dl>
    <p class="note">Everything above is read from the cookie this request brought; the server stores none of it.
      The store is asked again once the last check is older than the revalidation window.</p>
  </section>`
}

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
          #cart li { word-break: break-all; } .note { color: #555; font-size: 0.9rem; }
          .warning { background: #fff4e5; border-left: 4px solid #d97706; padding: 0.5rem; }
          .device { margin: 0.5rem 0; } .device form { margin: 0.25rem 0; }
          progress { width: 100%; height: 1rem; } #cookie-panel { border: 1px solid #ccc; padding: 0 0.75rem; margin: 1rem 0; }
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
