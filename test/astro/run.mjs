// Builds examples/astro with Astro's own toolchain (`astro build`, @astrojs/node standalone),
// starts the built server with node on a free 127.0.0.1 port and drives it over HTTP: sign
// in with a form post to a page, read the session on a page, change it in API routes, a
// tampered and an expired cookie, an oversized session (SessionTooLargeError on the 500 page), Astro's
// Origin check and the session's CSRF token, a prerendered page, sign out, and
// Cache-Control: no-store with Vary: Cookie on every response that sets a cookie.
//
//   node test/astro/run.mjs              both modes below
//   node test/astro/run.mjs example      examples/astro: build (once with a prerendered page
//                                        that must be refused), type-check, serve, drive
//   node test/astro/run.mjs quickstart   a fresh app made of docs/frameworks/astro.md's blocks:
//                                        build, serve, sign in, read, sign out
//   node test/astro/run.mjs install      only install the packed package into the example
//
// The example imports `sealed-session/astro` as an app would: the runner packs this package
// (`npm pack`, so package.json `files` and `exports` are what is tested) into
// examples/astro/node_modules/sealed-session. Needs `npm run build` first, and Node >= 22.12
// (astro 7): `npm run test:astro` runs it on the `node` devDependency. Ends with
// `N passed, M failed` and exits 1 on any failure.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, run, start, waitForHttp } from '../support/processes.mjs'
import { assert, createTally, equal, finish } from '../support/runner.mjs'
import { CookieJar } from '../support/jar.mjs'
import { installPackedPackage } from '../support/pack.mjs'
import { pagePath, pinProblems, readPage, requireFiles } from '../docs/page.mjs'
import { cacheViolation } from '../support/cache.mjs'

const root = fileURLToPath(new URL('../../', import.meta.url))
const app = join(root, 'examples/astro')
const require = createRequire(import.meta.url)
const packageDir = (name) => dirname(require.resolve(`${name}/package.json`))
const binOf = (name, bin) => join(packageDir(name), require(`${name}/package.json`).bin[bin])
const VERSIONS = ['astro', '@astrojs/node', 'vite'].map((name) => `${name} ${require(`${name}/package.json`).version}`)
const { createSessions } = await import(new URL('../../dist/index.js', import.meta.url).href).catch(() => ({}))

const tally = createTally({ label: '[astro]' })
const timings = {}

function check(name, fn) {
  return tally.run(name, fn)
}

// ---------------------------------------------------------------- setup

/** `npm pack` this package and unpack it as examples/astro/node_modules/sealed-session. */
function installPackage() {
  return installPackedPackage(app, './astro')
}


// ---------------------------------------------------------------- build and serve

async function buildAndDrive() {
  // No SESSION_SECRET at build time, as on a build server: only the server gets it.
  const { SESSION_SECRET: _unused, ...inherited } = process.env
  const env = { ...inherited, NODE_ENV: 'production', ASTRO_TELEMETRY_DISABLED: '1' }

  console.log(`[astro] astro build with Node ${process.versions.node} (${VERSIONS.join(', ')})`)
  // A prerendered page that reads the session has no request to read it from: the build fails, naming the fix.
  const refusedPage = join(app, 'src/pages/prerender-refused.astro')
  let refused
  try {
    writeFileSync(refusedPage, "---\nexport const prerender = true\nconst name = Astro.locals.session.get('name')\n---\n<p>{name}</p>\n")
    refused = await run(process.execPath, [binOf('astro', 'astro'), 'build'], { cwd: app, env, timeoutMs: 180_000 })
  } finally {
    rmSync(refusedPage, { force: true })
  }
  timings.refusedBuild = refused.ms
  await check('a prerendered page reading Astro.locals.session fails the build with the fix (ConfigurationError)', () => {
    assert(refused.code !== 0 && !refused.timedOut, `astro build exit ${refused.timedOut ? 'timeout' : refused.code}`)
    const said = refused.lines.some((line) => line.includes('ConfigurationError: sessionMiddleware(): /prerender-refused is prerendered') && line.includes('export const prerender = false'))
    assert(said, `the build did not say why:\n${refused.lines.slice(-15).join('\n')}`)
  })

  rmSync(join(app, 'dist'), { recursive: true, force: true })
  const built = await run(process.execPath, [binOf('astro', 'astro'), 'build'], { cwd: app, env, timeoutMs: 180_000 })
  timings.build = built.ms
  await check('astro build succeeds without SESSION_SECRET (the prerendered /about included)', () => {
    if (built.code !== 0) throw new Error(`exit ${built.timedOut ? 'timeout' : built.code}\n${built.lines.slice(-40).join('\n')}`)
    assert(existsSync(join(app, 'dist/client/about/index.html')), 'dist/client/about/index.html was not prerendered')
  })
  if (built.code !== 0) return
  await check('the session code stays on the server (no sealed-session in dist/client)', () => {
    for (const file of filesUnder(join(app, 'dist/client'))) {
      const code = readFileSync(file, 'utf8')
      for (const marker of ['sessionMiddleware', 'SESSION_SECRET', 'SessionTooLargeError']) assert(!code.includes(marker), `${file} contains ${marker}`)
    }
  })

  // After the build: it writes .astro/types.d.ts (astro:env, astro:middleware) that tsc reads.
  const typecheck = await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: app, env, timeoutMs: 120_000 })
  timings.typecheck = typecheck.ms
  await check('the example type-checks (strict) against the packed sealed-session/astro: App.Locals gives a typed session', () => {
    if (typecheck.code !== 0) throw new Error(`tsc exit ${typecheck.timedOut ? 'timeout' : typecheck.code}\n${typecheck.lines.slice(-30).join('\n')}`)
  })

  await serve(app, env, 'SESSION_SECRET', 'drive', drive)
}

/**
 * Starts `dir`'s built server (`node dist/server/entry.mjs`) on a free 127.0.0.1 port with
 * a fresh secret in `secretName`, runs `driveIt(origin, secret)`, and stops it by PID.
 */
async function serve(dir, env, secretName, timing, driveIt) {
  const secret = base64url(crypto.getRandomValues(new Uint8Array(32)))
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const log = []
  const began = performance.now()
  const failedBefore = tally.failed
  const server = start(process.execPath, ['dist/server/entry.mjs'], {
    cwd: dir,
    env: { ...env, [secretName]: secret, PORT: String(port), HOST: '127.0.0.1' },
    onLine: (line) => log.push(line),
  })
  try {
    const ready = await waitForHttp(`${origin}/login`, { proc: server, timeoutMs: 30_000 })
    await check('the @astrojs/node standalone server answers on 127.0.0.1', () => assert(ready, `no answer within 30 s\n${log.slice(-20).join('\n')}`))
    if (ready) await driveIt(origin, secret)
  } finally {
    await server.stop()
  }
  timings[timing] = performance.now() - began
  if (tally.failed > failedBefore) console.log(`[astro] server log:\n${log.slice(-30).join('\n')}`)
}

// ---------------------------------------------------------------- the page's quickstart

/**
 * A fresh app made only of docs/frameworks/astro.md: each block there that names its file
 * in its first comment (`// src/middleware.ts`, `// astro.config.mjs`, `// tsconfig.json`),
 * and the package.json its lines make. Its `npm install` line must pin exactly the versions
 * the repository tests (pinProblems): those copies (astro, @astrojs/node) come from the
 * root, the packed package is its sealed-session. Types are the docs check's job
 * (test/docs/check.mjs); this builds, serves and drives it.
 */
async function quickstart(env) {
  const dir = join(root, 'test-results/astro/quickstart')
  rmSync(dir, { recursive: true, force: true })
  let page
  await check(`${pagePath('astro')} shows a whole app, with pinned packages`, () => {
    page = readPage('astro')
    requireFiles('astro', page.files, ['astro.config.mjs', 'tsconfig.json', 'src/middleware.ts', 'src/env.d.ts', 'src/pages/login.astro', 'src/pages/account.astro', 'src/pages/api/login.ts', 'src/pages/api/logout.ts'])
    const problems = pinProblems(page.installs)
    assert(problems.length === 0, problems.join('; '))
  })
  if (page === undefined) return
  for (const [name, code] of Object.entries(page.files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), code)
  }
  const dependencies = Object.fromEntries(page.installs.filter((p) => p.name !== 'sealed-session').map((p) => [p.name, p.version]))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-app', private: true, type: 'module', dependencies }, null, 2))
  cpSync(join(app, 'node_modules/sealed-session'), join(dir, 'node_modules/sealed-session'), { recursive: true })

  const built = await run(process.execPath, [binOf('astro', 'astro'), 'build'], { cwd: dir, env, timeoutMs: 180_000 })
  timings.quickstartBuild = built.ms
  await check('the quickstart builds with astro build, without SESSION_SECRETS', () => {
    if (built.code !== 0) throw new Error(`exit ${built.timedOut ? 'timeout' : built.code}\n${built.lines.slice(-40).join('\n')}`)
  })
  if (built.code === 0) await serve(dir, env, 'SESSION_SECRETS', 'quickstart', driveQuickstart)
}

/** The page's app as a new user tries it: sign in, read the session, sign out. */
async function driveQuickstart(origin) {
  const http = client(origin)
  const jar = new CookieJar()
  const tokenOf = async () => {
    const page = await http.get('/login', jar)
    jar.update(page)
    return attribute(await page.text(), '_csrf')
  }
  await check('quickstart: /account redirects to /login when signed out', async () => {
    const response = await http.get('/account')
    equal(response.status, 303, 'status')
    equal(response.headers.get('location'), '/login', 'location')
  })
  await check('quickstart: sign in through the form (Origin and _csrf), then /account shows the name', async () => {
    const token = await tokenOf()
    assert(token !== undefined, 'no _csrf field on /login')
    equal((await http.post('/api/login', { name: 'Ada' }, jar)).status, 403, 'status without _csrf')
    const response = await http.post('/api/login', { _csrf: token, name: 'Ada' }, jar)
    equal(response.status, 303, 'status')
    equal(response.headers.get('location'), '/account', 'location')
    jar.update(response)
    const account = await http.get('/account', jar)
    equal(account.status, 200, '/account status')
    assert((await account.text()).includes('Signed in as <b>Ada</b>'), '/account does not show the name')
    jar.update(account)
  })
  await check('quickstart: sign out removes the cookie; /account redirects again; no-store on every Set-Cookie', async () => {
    const token = attribute(await (await http.get('/account', jar)).text(), '_csrf')
    const response = await http.post('/api/logout', { _csrf: token }, jar)
    equal(response.status, 303, 'status')
    jar.update(response)
    assert(!jar.has('__Host-session'), 'the cookie is still there')
    equal((await http.get('/account', jar)).status, 303, '/account after sign-out')
    assert(http.setCookieResponses >= 3, `only ${http.setCookieResponses} responses set a cookie`)
    assert(http.unsafe.length === 0, http.unsafe.join('\n    '))
  })
}

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : /\.(js|mjs|html)$/.test(name) ? [path] : []
  })
}

// ---------------------------------------------------------------- the HTTP scenario

async function drive(origin, secret) {
  const http = client(origin)
  /** Opens a cookie the server set, as the server would now. */
  const opened = (header) => createSessions({ secrets: secret }).load(header)
  /** A signed-in cookie sealed as the example does, on a clock `hoursAgo` back. */
  const sealedEarlier = async (hoursAgo) => {
    const then = Date.now() - hoursAgo * 3600 * 1000
    const engine = createSessions({ secrets: secret, clock: { now: () => then } })
    const session = await engine.load(null)
    await session.login('Zoë Ada')
    session.set('name', 'Zoë Ada')
    return CookieJar.from().update((await engine.commit(session)).setCookie).header()
  }
  /** The page's CSRF token and the jar updated with what the page set. */
  const tokenFrom = async (path, jar) => {
    const page = await http.get(path, jar)
    jar.update(page)
    const token = attribute(await page.text(), '_csrf')
    assert(token !== undefined, `no _csrf field on ${path}`)
    return token
  }

  await check('signed out: GET / says so; GET /account redirects to /login (the second middleware of sequence())', async () => {
    const home = await http.get('/')
    equal(home.status, 200, 'status')
    assert(text(await home.text(), 'status')?.startsWith('Signed out'), 'the home page does not say signed out')
    const account = await http.get('/account')
    equal(account.status, 303, '/account status')
    equal(account.headers.get('location'), '/login', 'location')
  })

  const jar = new CookieJar()
  let token
  await check('GET /login: a form with a CSRF token, whose secret is saved in a pre-session cookie', async () => {
    token = await tokenFrom('/login', jar)
    assert(jar.has('__Host-session'), 'no session cookie for the CSRF secret')
    equal((await opened(jar.header())).subject, undefined, 'subject')
  })

  await check("Astro's security.checkOrigin refuses a cross-site form post (403) before the middleware: no cookie", async () => {
    const evil = await http.post('/login', { _csrf: token, name: 'Mallory' }, jar, { origin: 'http://evil.example' })
    equal(evil.status, 403, 'status with Origin: http://evil.example')
    assert((await evil.text()).includes('Cross-site POST form submissions are forbidden'), 'not the Astro refusal')
    equal(evil.headers.getSetCookie().length, 0, 'Set-Cookie count')
    const none = await http.post('/login', { _csrf: token, name: 'Mallory' }, jar, { origin: null })
    equal(none.status, 403, 'status without Origin')
  })

  await check('a same-origin form post without the CSRF token is refused by the middleware (403), with a wrong one too', async () => {
    const missing = await http.post('/login', { name: 'Mallory' }, jar)
    equal(missing.status, 403, 'status without _csrf')
    equal(await missing.text(), 'Invalid or missing CSRF token', 'body')
    const other = await tokenFrom('/login', new CookieJar()) // another visitor's token
    equal((await http.post('/login', { _csrf: other, name: 'Mallory' }, jar)).status, 403, "status with another session's token")
  })

  await check('an empty name: the page answers 422 with its message, still signed out', async () => {
    const response = await http.post('/login', { _csrf: token, name: ' ' }, jar)
    equal(response.status, 422, 'status')
    equal(text(await response.text(), 'message'), 'Enter your name', 'message')
  })

  await check('sign in with a form post to the page: 303 to /account, one Set-Cookie (the sealed __Host-session)', async () => {
    const response = await http.post('/login', { _csrf: token, name: 'Zoë Ada' }, jar)
    equal(response.status, 303, 'status')
    equal(response.headers.get('location'), '/account', 'location')
    const lines = response.headers.getSetCookie()
    equal(lines.length, 1, 'Set-Cookie count')
    assert(/^__Host-session=[\w-]+; Max-Age=86400; Path=\/; Secure; HttpOnly; SameSite=Lax$/.test(lines[0]), `Set-Cookie: ${lines[0].replace(/=[\w-]+;/, '=…;')}`)
    jar.update(response)
    equal((await opened(jar.header())).subject, 'Zoë Ada', 'the cookie opens as the user')
  })

  await check('pages read the session: /account shows the user; GET / then sets no cookie', async () => {
    token = await tokenFrom('/account', jar) // login() gave the session a new CSRF secret: saved here
    const account = await http.get('/account', jar)
    equal(text(await account.text(), 'user'), 'Zoë Ada', 'user on /account')
    equal(account.headers.getSetCookie().length, 0, 'Set-Cookie count on the second /account')
    const home = await http.get('/', jar)
    equal(text(await home.text(), 'user'), 'Zoë Ada', 'user on /')
    equal(home.headers.getSetCookie().length, 0, 'Set-Cookie count on /')
  })

  await check('an API route changes the session (POST /api/profile): committed on its redirect', async () => {
    const response = await http.post('/api/profile', { _csrf: token, name: 'Ada L.' }, jar)
    equal(response.status, 303, 'status')
    equal(response.headers.getSetCookie().length, 1, 'Set-Cookie count')
    jar.update(response)
    equal(text(await (await http.get('/account', jar)).text(), 'user'), 'Ada L.', 'user')
  })

  await check('a JSON PATCH: Astro checks no Origin on it, the session token does (x-csrf-token)', async () => {
    const json = { 'content-type': 'application/json' }
    const body = JSON.stringify({ name: 'Ada Lovelace' })
    const forged = await http.request('/api/me', { method: 'PATCH', cookie: jar, body, headers: json, origin: 'http://evil.example' })
    equal(forged.status, 403, 'status without the token')
    const { csrf } = await (await http.get('/api/me', jar)).json()
    const response = await http.request('/api/me', { method: 'PATCH', cookie: jar, body, headers: { ...json, 'x-csrf-token': csrf } })
    equal(response.status, 200, 'status with the token')
    jar.update(response)
    equal((await (await http.get('/api/me', jar)).json()).name, 'Ada Lovelace', 'name')
  })

  await check("bad input is the client's mistake: malformed JSON and malformed form bodies get 400, never 500", async () => {
    const { csrf } = await (await http.get('/api/me', jar)).json()
    const json = await http.request('/api/me', { method: 'PATCH', cookie: jar, body: '{"name":', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf } })
    equal(json.status, 400, 'malformed JSON status')
    equal((await json.json()).error, 'the body must be JSON', 'error')
    for (const path of ['/api/profile', '/api/notes', '/login']) {
      const headers = { 'content-type': 'multipart/form-data; boundary=x', 'x-csrf-token': csrf }
      const form = await http.request(path, { method: 'POST', cookie: jar, body: 'not a multipart body', headers })
      equal(form.status, 400, `malformed form status (${path})`)
    }
    equal((await (await http.get('/api/me', jar)).json()).name, 'Ada Lovelace', 'the session is unchanged')
  })

  await check('a session due for refresh (sealed 7 h ago) is sealed again on a plain GET, with no-store', async () => {
    const cookie = await sealedEarlier(7)
    const response = await http.get('/', cookie)
    equal(text(await response.text(), 'user'), 'Zoë Ada', 'user')
    equal(response.headers.getSetCookie().length, 1, 'Set-Cookie count (the refresh)')
  })

  await check('a tampered cookie is refused (/account redirects to /login) and removed', async () => {
    const value = jar.get('__Host-session')
    const tampered = `__Host-session=${value.slice(0, 40)}${value[40] === 'A' ? 'B' : 'A'}${value.slice(41)}`
    const response = await http.get('/account', tampered)
    equal(response.status, 303, 'status')
    equal(response.headers.get('location'), '/login', 'location')
    assert(!CookieJar.from(tampered).update(response).has('__Host-session'), 'the tampered cookie is still there')
  })

  await check('an expired cookie (idle for 25 h, idle timeout 1 day) is refused and removed', async () => {
    const cookie = await sealedEarlier(25)
    const response = await http.get('/account', cookie)
    equal(response.status, 303, 'status')
    equal(response.headers.get('location'), '/login', 'location')
    assert(!CookieJar.from(cookie).update(response).has('__Host-session'), 'the expired cookie is still there')
  })

  await check('an oversized session: SessionTooLargeError shown by src/pages/500.astro, no cookie; the old one still works', async () => {
    const response = await http.post('/api/notes', { _csrf: token, notes: 'x'.repeat(5000) }, jar)
    equal(response.status, 500, 'status (Astro gives its error page 500)')
    equal(response.headers.getSetCookie().length, 0, 'Set-Cookie count')
    const message = text(await response.text(), 'error') ?? ''
    assert(/^ERR_SESSION_TOO_LARGE: \d+ bytes, at most 4096$/.test(message), `error on the page: ${message}`)
    equal(text(await (await http.get('/account', jar)).text(), 'user'), 'Ada Lovelace', 'user after the refusal')
    const small = await http.post('/api/notes', { _csrf: token, notes: 'short' }, jar)
    jar.update(small)
    equal(text(await (await http.get('/account', jar)).text(), 'notes'), 'short', 'a note that fits')
  })

  await check('the prerendered /about is served as built: no session read, no Set-Cookie', async () => {
    const response = await http.get('/about', jar)
    equal(response.status, 200, 'status')
    equal(text(await response.text(), 'about'), 'A static page, the same for every visitor.', 'text')
    equal(response.headers.getSetCookie().length, 0, 'Set-Cookie count')
  })

  await check('sign out (POST /api/logout): the cookie is removed, /account redirects to /login', async () => {
    const copy = jar.header()
    const response = await http.post('/api/logout', { _csrf: token }, jar)
    equal(response.status, 303, 'status')
    equal(response.headers.get('location'), '/login', 'location')
    const lines = response.headers.getSetCookie()
    equal(lines.length, 1, 'Set-Cookie count')
    assert(lines[0].startsWith('__Host-session=; Max-Age=0;'), `Set-Cookie: ${lines[0]}`)
    jar.update(response)
    assert(!jar.has('__Host-session'), 'the cookie is still there')
    equal((await http.get('/account', jar)).status, 303, 'GET /account after sign-out')
    // No revocation store in the example: a copy of the cookie stays valid until it expires.
    equal((await opened(copy)).subject, 'Zoë Ada', 'a copied cookie without a store')
  })

  await check('every response above that set a cookie said Cache-Control: no-store and Vary: Cookie', () => {
    assert(http.setCookieResponses >= 10, `only ${http.setCookieResponses} responses set a cookie`)
    assert(http.unsafe.length === 0, http.unsafe.join('\n    '))
  })
}

/**
 * A same-origin browser: form posts carry `Origin` (Astro's checkOrigin needs it) unless
 * `origin` says otherwise. Every response that sets a cookie must say no-store (RFC 9111
 * §5.2.2.5) and Vary: Cookie: the client records each that does not.
 */
function client(base) {
  const http = {
    unsafe: [],
    setCookieResponses: 0,
    async request(path, { method = 'GET', cookie, form, body, headers: extra = {}, origin = base } = {}) {
      const headers = { ...extra }
      if (cookie !== undefined) headers.cookie = typeof cookie === 'string' ? cookie : cookie.header()
      if (method !== 'GET' && origin !== null) headers.origin = origin
      const payload = form === undefined ? body : new URLSearchParams(form)
      const response = await fetch(`${base}${path}`, { method, headers, body: payload, redirect: 'manual', signal: AbortSignal.timeout(20_000) })
      if (response.headers.getSetCookie().length > 0) {
        http.setCookieResponses++
        const violation = cacheViolation(response)
        if (violation !== undefined) http.unsafe.push(`${method} ${path} -> ${response.status} with Set-Cookie, ${violation}`)
      }
      return response
    },
    get: (path, cookie) => http.request(path, { cookie }),
    post: (path, form, cookie, options = {}) => http.request(path, { method: 'POST', form, cookie, ...options }),
  }
  return http
}

// ---------------------------------------------------------------- small helpers

/** The text of the element with this id in server-rendered HTML (Astro escapes text). */
function text(html, id) {
  const match = new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)
  return match === null ? undefined : unescape(match[1])
}

/** The value attribute of the input named `name`. */
function attribute(html, name) {
  const match = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(html) ?? new RegExp(`<input[^>]*value="([^"]*)"[^>]*name="${name}"`).exec(html)
  return match === null ? undefined : unescape(match[1])
}

function unescape(value) {
  return value.replace(/&#x27;|&#39;/g, "'").replace(/&quot;|&#34;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

// ---------------------------------------------------------------- main

const began = performance.now()
if (createSessions === undefined || !existsSync(join(root, 'dist/astro/index.js'))) {
  await check('dist/ holds the built package', () => {
    throw new Error('dist/ is missing or has no astro/: run `npm run build` first')
  })
} else {
  const installed = installPackage()
  await check('the packed package exports sealed-session/astro', () => {
    if (installed !== true) throw new Error(installed)
  })
  const mode = process.argv[2] ?? 'all'
  if (installed === true && (mode === 'all' || mode === 'example')) await buildAndDrive()
  if (installed === true && (mode === 'all' || mode === 'quickstart')) {
    const { SESSION_SECRETS: _unused, ...inherited } = process.env
    await quickstart({ ...inherited, NODE_ENV: 'production', ASTRO_TELEMETRY_DISABLED: '1' })
  }
}
const seconds = (ms) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`)
console.log(
  `\nrefused build ${seconds(timings.refusedBuild)}, build ${seconds(timings.build)}, type-check ${seconds(timings.typecheck)}, serve and drive ${seconds(timings.drive)}, ` +
    `quickstart build ${seconds(timings.quickstartBuild)}, quickstart drive ${seconds(timings.quickstart)}, total ${seconds(performance.now() - began)}`,
)
finish(tally)
