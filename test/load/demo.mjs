// How the load runners talk to the demo Worker as a browser does: its session cookie,
// the `_csrf` field of its forms, and the sign-in through GET / and POST /login.
// Used by test/load/run.mjs (KV) and test/load/objects.mjs (Durable Objects).

export const COOKIE = '__Host-session'
export const REQUEST_TIMEOUT_MS = 10_000

/** The abort signal of one request: every request of a load run is bounded. */
export function timeout() {
  return AbortSignal.timeout(REQUEST_TIMEOUT_MS)
}

/** `name=value` of the session cookie a response sets (not an expiry), or undefined. */
export function sessionCookieOf(response) {
  const line = response.headers.getSetCookie().find((l) => l.startsWith(`${COOKIE}=`) && !/;\s*max-age=0/i.test(l))
  return line === undefined ? undefined : line.slice(0, line.indexOf(';'))
}

/** The value of the hidden input `name` in a page, if the page has one. */
export function hiddenField(html, name) {
  const input = html.match(new RegExp(`<input[^>]*\\bname="${name}"[^>]*>`))?.[0]
  const value = input?.match(/\bvalue="([^"]*)"/)?.[1]
  return value?.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&')
}

/**
 * Signs in through the demo's form as a browser does: GET / (the page may store a CSRF
 * secret in a session cookie and put a `_csrf` field in the form), then POST /login with
 * that cookie, the field and `Origin` (Hono's csrf() checks it), then the page a browser
 * loads next, keeping whatever cookie it sets. Returns the session cookie.
 */
export async function signIn(base, name) {
  const form = await fetch(`${base}/`, { redirect: 'manual', signal: timeout() })
  const html = await form.text()
  const anonymous = sessionCookieOf(form)
  const body = new URLSearchParams({ name })
  const csrf = hiddenField(html, '_csrf')
  if (csrf !== undefined) body.set('_csrf', csrf)
  const headers = { origin: base, ...(anonymous !== undefined && { cookie: anonymous }) }
  const login = await fetch(`${base}/login`, { method: 'POST', body, headers, redirect: 'manual', signal: timeout() })
  await login.arrayBuffer()
  const cookie = sessionCookieOf(login)
  if (login.status !== 303 || cookie === undefined) throw new Error(`sign-in of ${name} answered ${login.status}${cookie === undefined ? ' without a session cookie' : ''}`)
  const home = await fetch(`${base}/`, { headers: { cookie }, redirect: 'manual', signal: timeout() })
  await home.arrayBuffer()
  return sessionCookieOf(home) ?? cookie
}
