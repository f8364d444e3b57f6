// Builds examples/sveltekit with SvelteKit's own toolchain (`vite build`, adapter-node),
// starts it with `ORIGIN=http://127.0.0.1:PORT node build` (on this Node, then on Node 20
// when that is another binary: /usr/bin/node or $NODE20) and drives it over HTTP: sign in
// through a form action, the session read in a +page.server.ts load, changed in an action
// (a plain form post and use:enhance's fetch), a +server.ts endpoint, a tampered and an
// expired cookie, an oversized session (caught in the action, and uncaught into
// handleError), SvelteKit's Origin check and the session's CSRF token, sign out, and
// Cache-Control: no-store on every Set-Cookie.
//
//   node test/sveltekit/run.mjs              the example, then the page on the sv scaffold
//   node test/sveltekit/run.mjs example      sync, type-check, build, serve, drive the example
//   node test/sveltekit/run.mjs quickstart   the same for docs/frameworks/sveltekit.md on a
//                                            fresh `sv create` project (built and served on
//                                            Node 24 and Node 20)
//   node test/sveltekit/run.mjs install      only install the packed package into the
//                                            example, to run it by hand
//
// The example imports `sealed-session/sveltekit` as an app would: the runner packs this
// package (`npm pack`, so package.json `files` and `exports` are what is tested) into
// examples/sveltekit/node_modules/sealed-session. Needs `npm run build` first. Ends with
// `N passed, M failed` and exits 1 on any failure.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, run, start, waitForHttp } from '../support/processes.mjs'
import { CookieJar } from '../support/jar.mjs'
import { assert, createTally, equal, summaryLine } from '../support/runner.mjs'
import { installPackedPackage } from '../support/pack.mjs'
import { cacheViolation } from '../support/cache.mjs'
import { pagePath, requireFiles } from '../docs/page.mjs'
import { installApp, scaffold } from '../docs/scaffold.mjs'

const root = fileURLToPath(new URL('../../', import.meta.url))
const app = join(root, 'examples/sveltekit')
// Read from node_modules directly: not every package exports its package.json.
const manifest = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8'))
const VERSIONS = ['@sveltejs/kit', '@sveltejs/adapter-node', '@sveltejs/vite-plugin-svelte', 'svelte', 'vite'].map((name) => `${name} ${manifest(name).version}`)
const { createSessions } = await import(new URL('../../dist/index.js', import.meta.url).href).catch(() => ({}))

const tally = createTally({ label: '[sveltekit]' })
const timings = {}
/** Which Node serves the app, in each check's name once the build is done. */
let servedBy = ''

function check(name, fn) {
  return tally.run(`${name}${servedBy}`, fn)
}

// ---------------------------------------------------------------- setup

/** `npm pack` this package and unpack it as examples/sveltekit/node_modules/sealed-session. */
function installPackage() {
  return installPackedPackage(app, './sveltekit')
}


// ---------------------------------------------------------------- build and serve

/**
 * The two apps: the example, and docs/frameworks/sveltekit.md on a fresh `sv create`
 * project (made by quickstartApp(), in a temp folder). Each is type-checked, built and
 * served without its secret at build time. `own`: the app has its own node_modules (the
 * scaffold's install), so its kit, vite and typescript run, and it is built and served on
 * each Node; the example uses the root's, built once and served on each Node.
 */
const APPS = {
  example: { dir: app, what: 'the example', secretName: 'SESSION_SECRET', drive: () => drive, node20: true, own: false },
  quickstart: { dir: undefined, what: 'the page on the sv scaffold', secretName: 'SESSION_SECRETS', drive: () => driveQuickstart, node20: true, own: true },
}

/**
 * docs/frameworks/sveltekit.md as a new user goes: the page's `sv create` command (pinned,
 * `--install npm` left out so that the one install is ours), the page's files written over
 * the scaffold's (vite.config.ts, src/app.d.ts) and beside them, then ONE `npm install`:
 * the scaffold's dependencies, the page's pinned packages (@sveltejs/adapter-node 5.5.7)
 * and the packed sealed-session.
 */
async function quickstartApp() {
  const made = await scaffold('sveltekit', { drop: ['--install'], extra: ['--no-install'] })
  APPS.quickstart.dir = made.dir
  APPS.quickstart.parent = made.parent
  const { files } = made.page
  requireFiles('sveltekit', files, ['vite.config.ts', 'src/app.d.ts', 'src/lib/session.ts', 'src/hooks.server.ts', 'src/routes/login/+page.server.ts', 'src/routes/login/+page.svelte', 'src/routes/account/+page.server.ts', 'src/routes/account/+page.svelte'])
  for (const [name, code] of Object.entries(files)) {
    mkdirSync(dirname(join(made.dir, name)), { recursive: true })
    writeFileSync(join(made.dir, name), code)
  }
  timings.scaffold = made.ms
  timings.install = await installApp(made.dir, made.page)
}

async function buildAndDrive(name) {
  const { dir, what, secretName, node20: alsoNode20, own } = APPS[name]
  // No secret at build time, as on a build server: only the server gets it.
  const { [secretName]: _unused, ORIGIN: _origin, ...inherited } = process.env
  const env = { ...inherited, NODE_ENV: 'production' }
  // The app's own toolchain when it has one (the scaffold's install), else the root's.
  const bin = (pkg, command) => {
    const base = own ? join(dir, 'node_modules', pkg) : join(root, 'node_modules', pkg)
    const bins = JSON.parse(readFileSync(join(base, 'package.json'), 'utf8')).bin
    return join(base, typeof bins === 'string' ? bins : bins[command])
  }
  const versions = own ? ['@sveltejs/kit', '@sveltejs/adapter-node', '@sveltejs/vite-plugin-svelte', 'svelte', 'vite', 'typescript'].map((pkg) => `${pkg} ${JSON.parse(readFileSync(join(dir, 'node_modules', pkg, 'package.json'), 'utf8')).version}`) : VERSIONS

  // `svelte-kit sync` writes .svelte-kit/ (tsconfig, ./$types, $env types) that tsc needs.
  const sync = await run(process.execPath, [bin('@sveltejs/kit', 'svelte-kit'), 'sync'], { cwd: dir, env, timeoutMs: 60_000 })
  const typecheck = sync.code !== 0 ? sync : await run(process.execPath, [bin('typescript', 'tsc'), '-p', 'tsconfig.json'], { cwd: dir, env, timeoutMs: 120_000 })
  timings.typecheck = (timings.typecheck ?? 0) + sync.ms + (typecheck === sync ? 0 : typecheck.ms)
  await check(`${what} type-checks (strict, svelte-kit sync + tsc) against the packed sealed-session/sveltekit`, () => {
    if (typecheck.code !== 0) throw new Error(`exit ${typecheck.timedOut ? 'timeout' : typecheck.code}\n${typecheck.lines.slice(-30).join('\n')}`)
  })

  // The same build served by this Node, then by Node 20 (the package's floor) when it is
  // another binary: /usr/bin/node here, or NODE20=/path/to/node. An app with its own
  // toolchain is also built by each Node, as a user on that Node would.
  const node20 = process.env.NODE20 ?? '/usr/bin/node'
  const servers = [process.execPath]
  if (alsoNode20 && !process.versions.node.startsWith('20.') && existsSync(node20)) servers.push(node20)
  for (const [index, builder] of (own ? servers : [process.execPath]).entries()) {
    const builderVersion = spawnSync(builder, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim()
    console.log(`[sveltekit] vite build of ${what} with Node ${builderVersion} (${versions.join(', ')})`)
    rmSync(join(dir, 'build'), { recursive: true, force: true })
    const built = await run(builder, [bin('vite', 'vite'), 'build'], { cwd: dir, env, timeoutMs: 180_000 })
    timings.build = (timings.build ?? 0) + built.ms
    await check(`vite build (adapter-node) of ${what} succeeds without ${secretName} (Node ${builderVersion})`, () => {
      if (built.code !== 0) throw new Error(`exit ${built.timedOut ? 'timeout' : built.code}\n${built.lines.slice(-40).join('\n')}`)
    })
    if (built.code !== 0) return
    await serveAndDrive(name, own ? [builder] : servers, index === 0, env)
  }
}

async function serveAndDrive(name, servers, first, env) {
  const { dir, what, secretName } = APPS[name]
  if (name === 'example' && first) {
    await check('the prerendered page was built (build/prerendered/about.html)', () => assert(existsSync(join(dir, 'build/prerendered/about.html')), 'no about.html'))
  }
  await check(`the session code stays on the server (no sealed-session in the client build of ${what})`, () => {
    const scripts = filesUnder(join(dir, 'build/client')).filter((file) => file.endsWith('.js'))
    assert(scripts.length > 0, 'no client scripts were built')
    for (const file of scripts) {
      const code = readFileSync(file, 'utf8')
      for (const marker of ['sessionHandle', secretName, 'SessionTooLargeError']) assert(!code.includes(marker), `${file} contains ${marker}`)
    }
  })

  const began = performance.now()
  for (const node of servers) {
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()
    servedBy = ` [${name}, node ${version}]`
    const secret = base64url(crypto.getRandomValues(new Uint8Array(32)))
    const port = await freePort()
    const origin = `http://127.0.0.1:${port}`
    const log = []
    const failedBefore = tally.failed
    // adapter-node assumes https unless ORIGIN says otherwise; SvelteKit compares a form
    // post's Origin header with it.
    const server = start(node, ['build'], {
      cwd: dir,
      env: { ...env, [secretName]: secret, PORT: String(port), HOST: '127.0.0.1', ORIGIN: origin },
      onLine: (line) => log.push(line),
    })
    try {
      const ready = await waitForServer(origin)
      await check('node build answers on 127.0.0.1', () => assert(ready, `no answer within 30 s\n${log.slice(-20).join('\n')}`))
      if (ready) await APPS[name].drive()(origin, secret)
    } finally {
      await server.stop()
    }
    if (tally.failed > failedBefore) console.log(`[sveltekit] server log (${name}, node ${version}):\n${log.slice(-30).join('\n')}`)
  }
  servedBy = ''
  timings.drive = (timings.drive ?? 0) + performance.now() - began
}

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })
}

/** The server is up once its sign-in page answers 200. */
function waitForServer(origin) {
  return waitForHttp(`${origin}/login`, { status: 200, timeoutMs: 60_000 })
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
  /** GET `path` with `jar`, keep its cookies, and return the page with its CSRF token. */
  const page = async (path, jar) => {
    const response = await http.get(path, jar)
    jar.update(response)
    const html = await response.text()
    return { response, html, csrf: attribute(html, '_csrf') }
  }

  await check('signed out: GET / redirects (303, the hook in sequence()) to /login; /login shows the form', async () => {
    const home = await http.get('/')
    equal(home.status, 303, 'status')
    equal(home.headers.get('location'), '/login', 'location')
    const login = await http.get('/login')
    equal(login.status, 200, '/login status')
    assert((await login.text()).includes('name="name"'), 'no sign-in form on /login')
  })

  await check('a prerendered page (built with the hooks kept out of the build) is served as built, with no cookie', async () => {
    const response = await http.get('/about')
    equal(response.status, 200, 'status')
    assert((await response.text()).includes('A prerendered page'), 'not the about page')
    equal(response.headers.getSetCookie().length, 0, 'Set-Cookie count')
  })

  await check("SvelteKit's Origin check: a form post without Origin gets 403 before the hook runs", async () => {
    const jar = new CookieJar()
    const { csrf } = await page('/login', jar)
    const response = await http.post('/login', { _csrf: csrf, name: 'Mallory' }, jar, { origin: null })
    equal(response.status, 403, 'status')
    equal(await response.text(), 'Cross-site POST form submissions are forbidden', 'body')
    equal(response.headers.getSetCookie().length, 0, 'Set-Cookie count')
  })

  await check('a form post from another origin gets 403 from SvelteKit too', async () => {
    const jar = new CookieJar()
    const { csrf } = await page('/login', jar)
    const response = await http.post('/login', { _csrf: csrf, name: 'Mallory' }, jar, { origin: 'http://evil.example' })
    equal(response.status, 403, 'status')
  })

  await check("the session's CSRF token: a same-origin post without it (or with another session's) gets 403 from sessionHandle", async () => {
    const jar = new CookieJar()
    await page('/login', jar)
    const missing = await http.post('/login', { name: 'Mallory' }, jar)
    equal(missing.status, 403, 'status without a token')
    equal(await missing.text(), 'Invalid or missing CSRF token', 'body')
    const other = await page('/login', new CookieJar())
    equal((await http.post('/login', { _csrf: other.csrf, name: 'Mallory' }, jar)).status, 403, "status with another session's token")
  })

  await check('an empty name: the action returns fail(400), shown on the page', async () => {
    const jar = new CookieJar()
    const { csrf } = await page('/login', jar)
    const response = await http.post('/login', { _csrf: csrf, name: ' ' }, jar)
    equal(response.status, 400, 'status')
    equal(text(await response.text(), 'error'), 'Enter your name', 'error')
  })

  const jar = new CookieJar()
  await check('sign in with the form action: redirect(303) carries the sealed __Host-session cookie', async () => {
    const { response: visit, csrf } = await page('/login', jar)
    equal(visit.headers.getSetCookie().length, 1, 'the CSRF secret is saved for the anonymous visitor')
    const response = await http.post('/login', { _csrf: csrf, name: 'Zoë Ada' }, jar)
    equal(response.status, 303, 'status')
    equal(response.headers.get('location'), '/', 'location')
    const lines = response.headers.getSetCookie()
    equal(lines.length, 1, 'Set-Cookie count')
    assert(/^__Host-session=[\w-]+; Max-Age=86400; Path=\/; Secure; HttpOnly; SameSite=Lax$/.test(lines[0]), `Set-Cookie: ${lines[0].replace(/=[\w-]+;/, '=…;')}`)
    const before = jar.get('__Host-session')
    jar.update(response)
    assert(jar.get('__Host-session') !== before, 'the cookie did not change')
    equal((await opened(jar.header())).subject, 'Zoë Ada', 'the cookie opens as the user')
  })

  await check('the load reads the session: GET / shows the user; only the first visit after sign-in sets a cookie (a new CSRF secret)', async () => {
    const first = await http.get('/', jar)
    equal(first.headers.getSetCookie().length, 1, 'Set-Cookie count of the first visit (login() drops the CSRF secret)')
    jar.update(first)
    const response = await http.get('/', jar)
    equal(response.status, 200, 'status')
    equal(text(await response.text(), 'user'), 'Zoë Ada', 'user')
    equal(response.headers.getSetCookie().length, 0, 'Set-Cookie count')
  })

  await check('an action changes the session (POST /?/rename, a plain form post): the 303 carries the new cookie', async () => {
    const { csrf } = await page('/', jar)
    const response = await http.post('/?/rename', { _csrf: csrf, name: 'Ada L.' }, jar)
    equal(response.status, 303, 'status')
    equal(response.headers.getSetCookie().length, 1, 'Set-Cookie count')
    jar.update(response)
    equal(text(await (await http.get('/', jar)).text(), 'user'), 'Ada L.', 'user')
  })

  await check("the same action through use:enhance (x-sveltekit-action): the JSON redirect carries the cookie", async () => {
    const { csrf } = await page('/', jar)
    const response = await http.post('/?/rename', { _csrf: csrf, name: 'Ada' }, jar, { headers: { 'x-sveltekit-action': 'true', accept: 'application/json' } })
    equal(response.status, 200, 'status')
    const result = await response.json()
    equal(result.type, 'redirect', 'result type')
    equal(result.location, '/', 'location')
    equal(response.headers.getSetCookie().length, 1, 'Set-Cookie count')
    jar.update(response)
    equal(text(await (await http.get('/', jar)).text(), 'user'), 'Ada', 'user')
  })

  await check('client-side navigation data (GET /__data.json) reads the same session', async () => {
    const response = await http.get('/__data.json', jar)
    equal(response.status, 200, 'status')
    assert((await response.text()).includes('"Ada"'), 'the name is not in the data')
  })

  await check('a +server.ts endpoint: GET /api/me reads, POST with x-csrf-token changes the session', async () => {
    equal((await (await http.get('/api/me', jar)).json()).name, 'Ada', 'name')
    const { csrf } = await page('/', jar)
    const refused = await http.request('/api/me', { method: 'POST', cookie: jar, json: { theme: 'dark' } })
    equal(refused.status, 403, 'status without the header')
    const response = await http.request('/api/me', { method: 'POST', cookie: jar, json: { theme: 'dark' }, headers: { 'x-csrf-token': csrf } })
    equal(response.status, 200, 'status')
    equal(response.headers.getSetCookie().length, 1, 'Set-Cookie count')
    jar.update(response)
    const me = await (await http.get('/api/me', jar)).json()
    equal(me.theme, 'dark', 'theme')
    equal(me.name, 'Ada', 'name kept')
  })

  await check("bad input is the client's mistake: malformed JSON to the endpoint and a malformed form body to an action get 400, never 500", async () => {
    const { csrf } = await page('/', jar)
    const headers = { 'x-csrf-token': csrf }
    const json = await http.request('/api/me', { method: 'POST', cookie: jar, raw: '{"theme":', headers: { ...headers, 'content-type': 'application/json' } })
    equal(json.status, 400, 'malformed JSON status')
    equal((await json.json()).error, 'the body must be JSON', 'error')
    for (const path of ['/?/rename', '/login']) {
      const form = await http.request(path, { method: 'POST', cookie: jar, raw: 'not a multipart body', headers: { ...headers, 'content-type': 'multipart/form-data; boundary=x' } })
      equal(form.status, 400, `malformed form status (${path})`)
    }
    equal((await (await http.get('/api/me', jar)).json()).name, 'Ada', 'the session is unchanged')
  })

  await check('a session due for refresh (sealed 7 h ago) is refreshed by the hook, with no-store', async () => {
    const cookie = await sealedEarlier(7)
    const response = await http.get('/api/me', cookie)
    equal((await response.json()).subject, 'Zoë Ada', 'subject')
    equal(response.headers.getSetCookie().length, 1, 'Set-Cookie count (the refresh)')
  })

  await check('a tampered cookie is refused (303 to /login, thrown by the next hook) and removed', async () => {
    const value = jar.get('__Host-session')
    const tampered = `__Host-session=${value.slice(0, 40)}${value[40] === 'A' ? 'B' : 'A'}${value.slice(41)}`
    const response = await http.get('/', tampered)
    equal(response.status, 303, 'status')
    equal(response.headers.get('location'), '/login', 'location')
    const lines = response.headers.getSetCookie()
    equal(lines.length, 1, 'Set-Cookie count')
    // Set through event.cookies, serialized by SvelteKit: the same attributes, its own order.
    const [pair, ...attributes] = lines[0].split('; ')
    equal(pair, '__Host-session=', 'cookie')
    equal(attributes.sort().join('; '), 'HttpOnly; Max-Age=0; Path=/; SameSite=Lax; Secure', 'attributes')
    assert(!CookieJar.from(tampered).update(response).has('__Host-session'), 'the tampered cookie is still there')
  })

  await check('an expired cookie (idle for 25 h, idle timeout 1 day) is refused and removed', async () => {
    const cookie = await sealedEarlier(25)
    const response = await http.get('/', cookie)
    equal(response.status, 303, 'status')
    equal(response.headers.get('location'), '/login', 'location')
    assert(!CookieJar.from(cookie).update(response).has('__Host-session'), 'the expired cookie is still there')
    const api = await http.get('/api/me', cookie)
    equal((await api.json()).subject, null, 'subject from the endpoint')
    assert(!CookieJar.from(cookie).update(api).has('__Host-session'), 'the endpoint left the expired cookie')
  })

  await check('an oversized session: saveSession() throws SessionTooLargeError in the action, fail(413), no cookie; the old one still works', async () => {
    const { csrf } = await page('/', jar)
    const response = await http.post('/?/notes', { _csrf: csrf, notes: 'x'.repeat(5000) }, jar)
    equal(response.status, 413, 'status')
    equal(response.headers.getSetCookie().length, 0, 'Set-Cookie count')
    const message = text(await response.text(), 'error') ?? ''
    assert(/^ERR_SESSION_TOO_LARGE: \d+ bytes, at most 4096$/.test(message), `error on the page: ${message}`)
    equal(text(await (await http.get('/', jar)).text(), 'user'), 'Ada', 'user after the refusal')
  })

  await check('an oversized session nobody caught (a +server.ts endpoint): handleError shows ERR_SESSION_TOO_LARGE, 500, no cookie', async () => {
    const { csrf } = await page('/', jar)
    const response = await http.request('/api/me', { method: 'POST', cookie: jar, json: { theme: 'x'.repeat(5000) }, headers: { 'x-csrf-token': csrf, accept: 'application/json' } })
    equal(response.status, 500, 'status')
    equal(response.headers.getSetCookie().length, 0, 'Set-Cookie count')
    const { message } = await response.json()
    assert(/^ERR_SESSION_TOO_LARGE: Session cookie "__Host-session" needs \d+ bytes/.test(message), `message: ${message}`)
    equal((await (await http.get('/api/me', jar)).json()).theme, 'dark', 'theme after the refusal')
  })

  await check('sign out (POST /?/logout): the 303 removes the cookie, / redirects to /login', async () => {
    const copy = jar.header()
    const { csrf } = await page('/', jar)
    const response = await http.post('/?/logout', { _csrf: csrf }, jar)
    equal(response.status, 303, 'status')
    equal(response.headers.get('location'), '/login', 'location')
    const lines = response.headers.getSetCookie()
    equal(lines.length, 1, 'Set-Cookie count')
    assert(lines[0].startsWith('__Host-session=; Max-Age=0;'), `Set-Cookie: ${lines[0]}`)
    jar.update(response)
    assert(!jar.has('__Host-session'), 'the cookie is still there')
    equal((await http.get('/', jar)).status, 303, 'GET / after sign-out')
    // No revocation store in the example: a copy of the cookie stays valid until it expires.
    equal((await opened(copy)).subject, 'Zoë Ada', 'a copied cookie without a store')
  })

  await check('every response above that set a cookie said Cache-Control: no-store and Vary: Cookie (redirects thrown by a hook: 303, not stored)', () => {
    assert(http.setCookieResponses > 12, `only ${http.setCookieResponses} responses set a cookie`)
    assert(http.unsafe.length === 0, http.unsafe.join('\n    '))
  })
}

/** The page's app as a new user tries it: sign in, read, change, too large, sign out. */
async function driveQuickstart(origin, secret) {
  const http = client(origin)
  const jar = new CookieJar()
  const page = async (path) => {
    const response = await http.get(path, jar)
    jar.update(response)
    const html = await response.text()
    return { response, html, csrf: attribute(html, '_csrf') }
  }

  await check('signed out: /account redirects to /login (the guard hook)', async () => {
    const response = await http.get('/account')
    equal(response.status, 303, 'status')
    equal(response.headers.get('location'), '/login', 'location')
  })

  await check('a form post without Origin: 403 from SvelteKit; without the CSRF token: 403 from sessionHandle', async () => {
    const { csrf } = await page('/login')
    equal((await http.post('/login', { _csrf: csrf, name: 'Ada' }, jar, { origin: null })).status, 403, 'status without Origin')
    equal((await http.post('/login', { name: 'Ada' }, jar)).status, 403, 'status without the token')
  })

  await check('sign in: the action redirects (303) to /account with the sealed cookie', async () => {
    const { csrf } = await page('/login')
    const response = await http.post('/login', { _csrf: csrf, name: 'Ada' }, jar)
    equal(response.status, 303, 'status')
    equal(response.headers.get('location'), '/account', 'location')
    jar.update(response)
    equal((await createSessions({ secrets: secret }).load(jar.header())).subject, 'Ada', 'the cookie opens as the user')
  })

  await check('the account page shows the user; rename changes the session', async () => {
    const { html, csrf } = await page('/account')
    assert(html.includes('<b>Ada</b>'), 'the name is not on the page')
    const response = await http.post('/account?/rename', { _csrf: csrf, name: 'Ada L.' }, jar)
    equal(response.status, 200, 'status')
    equal(response.headers.getSetCookie().length, 1, 'Set-Cookie count')
    jar.update(response)
    assert((await page('/account')).html.includes('<b>Ada L.</b>'), 'the new name is not on the page')
  })

  await check('a name too large for the cookie: fail(413) with ERR_SESSION_TOO_LARGE, no cookie, the old one kept', async () => {
    const { csrf } = await page('/account')
    const response = await http.post('/account?/rename', { _csrf: csrf, name: 'x'.repeat(5000) }, jar)
    equal(response.status, 413, 'status')
    equal(response.headers.getSetCookie().length, 0, 'Set-Cookie count')
    assert(/ERR_SESSION_TOO_LARGE: \d+ bytes, at most 4096/.test(await response.text()), 'no error on the page')
    assert((await page('/account')).html.includes('<b>Ada L.</b>'), 'the old session is gone')
  })

  await check('sign out: the cookie is removed, /account redirects again', async () => {
    const { csrf } = await page('/account')
    const response = await http.post('/account?/logout', { _csrf: csrf }, jar)
    equal(response.status, 303, 'status')
    equal(response.headers.get('location'), '/login', 'location')
    jar.update(response)
    assert(!jar.has('__Host-session'), 'the cookie is still there')
    equal((await http.get('/account', jar)).status, 303, 'GET /account after sign-out')
  })

  await check('every response that set a cookie said Cache-Control: no-store and Vary: Cookie', () => {
    assert(http.setCookieResponses >= 4, `only ${http.setCookieResponses} responses set a cookie`)
    assert(http.unsafe.length === 0, http.unsafe.join('\n    '))
  })
}

/**
 * Every response that sets a cookie must say no-store (RFC 9111 §5.2.2.5) and Vary: Cookie:
 * the client records each that does not. The one exception, by design: a redirect that a
 * later hook throws is built by SvelteKit, which takes cookies but no headers; a 303 is
 * not stored by any cache without explicit freshness (RFC 9111 §3, RFC 9110 §15.4.4).
 * Requests send a browser's Accept header, and posts this origin's Origin header, as
 * browsers do, unless told otherwise.
 */
function client(origin) {
  const http = {
    unsafe: [],
    setCookieResponses: 0,
    async request(path, { method = 'GET', cookie, form, json, raw, headers: extra = {}, origin: from = origin } = {}) {
      // A browser's Accept: SvelteKit answers an action with JSON when Accept prefers it (use:enhance).
      const headers = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8', ...extra }
      if (cookie !== undefined) headers.cookie = typeof cookie === 'string' ? cookie : cookie.header()
      if (method !== 'GET' && from !== null) headers.origin = from
      let body = raw // sent as given, with the caller's content-type
      if (form !== undefined) body = new URLSearchParams(form)
      if (json !== undefined) {
        body = JSON.stringify(json)
        headers['content-type'] = 'application/json'
      }
      const response = await fetch(`${origin}${path}`, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(20_000) })
      if (response.headers.getSetCookie().length > 0) {
        http.setCookieResponses++
        const thrownRedirect = response.status === 303 && (response.headers.get('cache-control') ?? '') === '' && method === 'GET'
        const violation = thrownRedirect ? undefined : cacheViolation(response)
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

/** The text of the element with this id in server-rendered HTML (Svelte escapes text). */
function text(html, id) {
  const match = new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)
  return match?.[1].replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>')
}

/** The value of the first input named `name`. */
function attribute(html, name) {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1]
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

// ---------------------------------------------------------------- main

const began = performance.now()
if (createSessions === undefined || !existsSync(join(root, 'dist/sveltekit/index.js'))) {
  await check('dist/ holds the built package', () => {
    throw new Error('dist/ is missing or has no sveltekit/: run `npm run build` first')
  })
} else {
  const installed = installPackage()
  await check('the packed package exports sealed-session/sveltekit', () => {
    if (installed !== true) throw new Error(installed)
  })
  const mode = process.argv[2]
  if (installed === true && mode !== 'install') {
    if (mode === undefined || mode === 'example') await buildAndDrive('example')
    if (mode === undefined || mode === 'quickstart') {
      let made = true
      await check(`${pagePath('sveltekit')}: the sv scaffold, the page's files, one npm install`, async () => {
        try {
          await quickstartApp()
        } catch (error) {
          made = false
          throw error
        }
      })
      try {
        if (made) await buildAndDrive('quickstart')
      } finally {
        if (APPS.quickstart.parent !== undefined) rmSync(APPS.quickstart.parent, { recursive: true, force: true })
      }
    }
  }
}
const seconds = (ms) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`)
console.log(`\nscaffold ${seconds(timings.scaffold)}, install ${seconds(timings.install)}, type-check ${seconds(timings.typecheck)}, build ${seconds(timings.build)}, serve and drive ${seconds(timings.drive)}, total ${seconds(performance.now() - began)}`)
console.log(summaryLine(tally))
process.exit(tally.failed === 0 && tally.passed > 0 ? 0 : 1)
