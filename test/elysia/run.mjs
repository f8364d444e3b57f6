/**
 * sealed-session/elysia, run: the example app (examples/elysia/src/index.ts, the same file
 * docs/frameworks/elysia.md shows) is started on Bun (the `bun` devDependency) on a free
 * 127.0.0.1 port, importing the built package, and driven over HTTP: the first page, CSRF
 * refused, a failed sign-in still committed (a thrown 4xx), sign in, read, change (with
 * the app's own Elysia cookie beside the session's), an oversized session refused with
 * Elysia's 500 while the browser keeps its cookie, sign out, and the cache headers.
 *
 *   npm run build && node test/elysia/run.mjs
 *
 * Ends with `N passed, M failed`; the server is stopped by PID.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { httpClient } from '../support/jar.mjs'
import { cleanUp, freePort, start, waitForHttp } from '../support/processes.mjs'
import { assert, createSuite, deepEqual, equal, finish } from '../support/runner.mjs'
import { ROOT } from '../docs/project.mjs'
import { readPage } from '../docs/page.mjs'

const BUN = join(ROOT, 'node_modules/.bin/bun')
const EXAMPLE = join(ROOT, 'examples/elysia')
const SECRET = 'a-test-secret-of-at-least-32-characters-0123456789'

if (!existsSync(join(ROOT, 'dist/elysia/index.js'))) {
  console.error('dist/ is missing: run `npm run build` first')
  finish({ passed: 0, failed: 1 })
}

const { test, run } = createSuite({ label: '[elysia]', timeoutMs: 30_000 })
const log = []
const port = await freePort()
const origin = `http://127.0.0.1:${port}`
const server = start(BUN, ['src/index.ts'], { cwd: EXAMPLE, env: { ...process.env, SESSION_SECRETS: SECRET, PORT: String(port), NO_COLOR: '1' }, onLine: (line) => log.push(line) })
const ready = await waitForHttp(`${origin}/me`, { proc: server, timeoutMs: 30_000, status: 200 })
const bun = await import('node:child_process').then(({ execFileSync }) => execFileSync(BUN, ['--version'], { encoding: 'utf8' }).trim())
const elysia = JSON.parse(readFileSync(join(ROOT, 'node_modules/elysia/package.json'), 'utf8')).version
console.log(`[elysia] Elysia ${elysia} on Bun ${bun}, ${origin}`)

const { jar, request } = httpClient(origin)
const sessionCookies = (response) => response.setCookie.filter((line) => line.startsWith('__Host-session='))
const csrfOf = (html) => html.match(/name="_csrf" value="([^"]+)"/)?.[1]
function cacheHeaders(response) {
  equal(response.headers.get('cache-control'), 'no-store', 'Cache-Control')
  assert(/\bCookie\b/.test(response.headers.get('vary') ?? ''), `Vary: ${response.headers.get('vary')}`)
}

test('the doc shows the example: docs/frameworks/elysia.md src/index.ts is examples/elysia/src/index.ts', () => {
  const { files } = readPage('elysia')
  equal(files['src/index.ts'], readFileSync(join(EXAMPLE, 'src/index.ts'), 'utf8').trimEnd(), 'src/index.ts of the page')
})
let token
test('the first page is the sign-in form; the CSRF secret it needs sets the cookie, with no-store and Vary: Cookie', async () => {
  assert(ready, `no answer within 30 s\n${log.slice(-20).join('\n')}`)
  const page = await request('/')
  equal(page.status, 200, 'status')
  token = csrfOf(page.text)
  assert(token !== undefined && page.text.includes('action="/login"'), `no sign-in form: ${page.text.slice(0, 300)}`)
  equal(sessionCookies(page).length, 1, 'session Set-Cookie count')
  assert(/^__Host-session=[\w-]{100,}; Max-Age=\d+; Path=\/; Secure; HttpOnly; SameSite=Lax$/.test(page.setCookie[0] ?? ''), `Set-Cookie ${page.setCookie[0]}`)
  cacheHeaders(page)
})
test('a read that changes nothing (a plain value) sets no cookie and no Cache-Control', async () => {
  const me = await request('/me')
  equal(me.status, 200, 'status')
  deepEqual(JSON.parse(me.text), { name: null, cart: [] }, '/me')
  equal(me.setCookie.length, 0, 'Set-Cookie count')
  equal(me.headers.get('cache-control'), null, 'Cache-Control')
})
test('CSRF: a sign-in without the token is refused with 403 and sets nothing', async () => {
  const refused = await request('/login', { method: 'POST', form: { name: 'mallory' } })
  equal(refused.status, 403, 'status')
  equal(refused.text, 'Invalid or missing CSRF token', 'body')
  equal(refused.setCookie.length, 0, 'Set-Cookie count')
  equal(refused.headers.get('cache-control'), 'no-store', 'Cache-Control')
  const forged = await request('/login', { method: 'POST', form: { _csrf: 'x'.repeat(43), name: 'mallory' } })
  equal(forged.status, 403, 'status with a wrong token')
  deepEqual(JSON.parse((await request('/me')).text), { name: null, cart: [] }, '/me after the refusals')
})
test('a thrown 4xx (status(422)) still commits: the failed attempt is counted in the cookie', async () => {
  const failed = await request('/login', { method: 'POST', form: { _csrf: token, name: '  ' } })
  equal(failed.status, 422, 'status')
  equal(failed.text, 'Enter a name', 'body')
  equal(sessionCookies(failed).length, 1, 'session Set-Cookie count')
  cacheHeaders(failed)
})
test('signs in (a redirect Response): 303, a new __Host-session cookie, no-store and Vary: Cookie', async () => {
  const before = jar.header()
  const signedIn = await request('/login', { method: 'POST', form: { _csrf: token, name: 'Zoë Ada' } })
  equal(signedIn.status, 303, 'status')
  equal(signedIn.headers.get('location'), '/', 'Location')
  equal(sessionCookies(signedIn).length, 1, 'session Set-Cookie count')
  assert(jar.header() !== before, 'the cookie did not change')
  cacheHeaders(signedIn)
})
test('reads the session on the next requests (HTML page and JSON)', async () => {
  const page = await request('/')
  assert(page.text.includes('<b id="user">Zoë Ada</b>'), `not signed in: ${page.text.slice(0, 300)}`)
  token = csrfOf(page.text)
  deepEqual(JSON.parse((await request('/me')).text), { name: 'Zoë Ada', cart: [] }, '/me')
})
test("changes the session (a plain object, the token in x-csrf-token): the app's Elysia cookie and the session's both set", async () => {
  const changed = await request('/cart', { method: 'POST', json: { item: 'apple' }, token })
  equal(changed.status, 200, 'status')
  deepEqual(JSON.parse(changed.text), { cart: ['apple'] }, 'body')
  assert(changed.setCookie.some((line) => line.startsWith('items=1;')), `the app's cookie is missing: ${changed.setCookie.join(' | ')}`)
  equal(sessionCookies(changed).length, 1, 'session Set-Cookie count')
  cacheHeaders(changed)
  deepEqual(JSON.parse((await request('/me')).text), { name: 'Zoë Ada', cart: ['apple'] }, '/me')
})
test("an oversized session is refused with Elysia's 500 naming the sizes, and the browser keeps its cookie", async () => {
  const cookie = jar.header()
  const refused = await request('/note', { method: 'POST', json: { text: 'x'.repeat(6000) }, token })
  equal(refused.status, 500, 'status')
  assert(/4096/.test(refused.text) && /__Host-session/.test(refused.text), `the error does not name the cookie and its limit: ${refused.text.slice(0, 300)}`)
  equal(refused.setCookie.length, 0, 'Set-Cookie count')
  equal(jar.header(), cookie, 'the cookie')
  deepEqual(JSON.parse((await request('/me')).text), { name: 'Zoë Ada', cart: ['apple'] }, '/me after the refusal')
})
test('signs out: 303, the cookie expired (Max-Age=0), the next page is the sign-in form', async () => {
  const refused = await request('/logout', { method: 'POST' })
  equal(refused.status, 403, 'status without the token')
  const out = await request('/logout', { method: 'POST', token })
  equal(out.status, 303, 'status')
  assert(out.setCookie.some((line) => line.startsWith('__Host-session=;') && /Max-Age=0/.test(line)), `Set-Cookie ${out.setCookie.join(' | ')}`)
  cacheHeaders(out)
  assert(!jar.has('__Host-session'), 'the cookie is still in the jar')
  assert((await request('/')).text.includes('action="/login"'), 'still signed in')
})

let tally
try {
  tally = await run()
} finally {
  await server.stop()
  cleanUp()
}
finish(tally)
