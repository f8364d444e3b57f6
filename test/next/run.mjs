// Builds examples/nextjs with `next build`, starts it with `next start` on 127.0.0.1 and
// drives it over HTTP, once with the session check in proxy.node.js (Next 16's proxy, on
// the Node.js runtime) and once in middleware.edge.js (middleware on the edge runtime):
//
//   node test/next/run.mjs             both
//   node test/next/run.mjs node        only the Node.js proxy
//   node test/next/run.mjs edge        only the edge middleware
//   node test/next/run.mjs quickstart  docs/frameworks/next.md on a fresh create-next-app
//                                      project (its own config: Cache Components), built
//                                      and driven on Node 24 and Node 20
//   node test/next/run.mjs install     only install the packed package into the example,
//                                      to run it by hand (examples/nextjs/README.md)
//
// The example imports `sealed-session/next` as an app would: the runner packs this
// package (`npm pack`, so package.json `files` and `exports` are what is tested) into
// examples/nextjs/node_modules/sealed-session. Needs `npm run build` first. Ends with
// `N passed, M failed` and exits 1 on any failure.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, run, start, waitForHttp } from '../support/processes.mjs'
import { installPackedPackage } from '../support/pack.mjs'
import { cacheViolation } from '../support/cache.mjs'
import { pagePath, requireFiles } from '../docs/page.mjs'
import { installApp, scaffold } from '../docs/scaffold.mjs'

const root = fileURLToPath(new URL('../../', import.meta.url))
const exampleApp = join(root, 'examples/nextjs')
const require = createRequire(import.meta.url)
/** The Next.js releases under test: `next` (16) and `next15` (npm:next@15, an alias in devDependencies). */
const NEXT = {
  next: { dir: dirname(require.resolve('next/package.json')), version: require('next/package.json').version },
  next15: { dir: dirname(require.resolve('next15/package.json')), version: require('next15/package.json').version },
}
const { createSessions } = await import(new URL('../../dist/index.js', import.meta.url).href).catch(() => ({}))

// variant: SESSION_EXAMPLE_RUNTIME, which picks the example's proxy/middleware file (next.config.js).
const MODES = {
  node: { label: 'proxy.node.js, Node.js runtime', runtime: 'nodejs', next: 'next', variant: 'node' },
  edge: { label: 'middleware.edge.js, edge runtime', runtime: 'edge', next: 'next', variant: 'edge' },
  'next15-node': { label: 'middleware.nodejs.js, Node.js runtime', runtime: 'nodejs', next: 'next15', variant: 'nodejs' },
  'next15-edge': { label: 'middleware.edge.js, edge runtime', runtime: 'edge', next: 'next15', variant: 'edge' },
}
const asked = process.argv.slice(2)
const installOnly = asked.length === 1 && asked[0] === 'install'
for (const mode of installOnly ? [] : asked) {
  if (!(mode in MODES) && mode !== 'quickstart') {
    console.error(`unknown mode ${JSON.stringify(mode)}; choose ${Object.keys(MODES).join(", ")} or install`)
    process.exit(2)
  }
}

let passed = 0
let failed = 0
const timings = []

function fail(prefix, name, message) {
  failed++
  console.log(`${prefix} not ok - ${name}\n    ${message}`)
}

// ---------------------------------------------------------------- setup

/** `npm pack` this package and unpack it as examples/nextjs/node_modules/sealed-session. */
function installPackage() {
  return installPackedPackage(exampleApp, './next')
}

function runSync(command, args) {
  return spawnSync(command, args, { cwd: root, encoding: 'utf8', timeout: 60_000 })
}

// ---------------------------------------------------------------- one mode

/**
 * The example as an app on Next 15: a copy under test-results/ (inside the repository, so
 * bundlers see one workspace root) whose node_modules/next is the `next15` package and whose sealed-session is its own copy of the packed package, so that its
 * `next/headers.js` import resolves to Next 15 too. react and react-dom come from the root.
 */
function next15App() {
  const copy = join(root, 'test-results/next/next15-app')
  rmSync(copy, { recursive: true, force: true })
  cpSync(exampleApp, copy, { recursive: true, filter: (source) => !/[\\/](node_modules|\.next[^\\/]*)$/.test(source) })
  mkdirSync(join(copy, 'node_modules'))
  // Hard links, not a symlink: Next 15 requires `next/dist/...` by name, and from the real
  // path of a symlinked copy that name would find the root's Next 16.
  const linked = runSync('cp', ['-al', NEXT.next15.dir, join(copy, 'node_modules/next')])
  if (linked.status !== 0) throw new Error(`cp -al ${NEXT.next15.dir} failed: ${linked.stderr}`)
  cpSync(join(exampleApp, 'node_modules/sealed-session'), join(copy, 'node_modules/sealed-session'), { recursive: true })
  return copy
}

/**
 * docs/frameworks/next.md on today's scaffold, as a new user goes: `create-next-app` with
 * the page's own command and its defaults (Cache Components, Tailwind, ESLint, its own
 * next.config.ts, layout and tsconfig), `--skip-install --disable-git` added so that the
 * one `npm install` is ours (the scaffold's dependencies plus the packed sealed-session);
 * the page's files added; then `next build` and `next start` on Node 24 and again on Node
 * 20 (the page says 20.9+), each driven over HTTP. Any line of the build or the server
 * that warns or errors fails the run. One change to the scaffold, for the test machine
 * only: its layout's `next/font/google` fonts (fetched from Google at build time; offline
 * here) are taken out.
 */
async function runScaffold() {
  const prefix = '[next scaffold]'
  const check = checker(prefix)
  const { SESSION_SECRET: _unused, ...inherited } = process.env
  const env = { ...inherited, NEXT_TELEMETRY_DISABLED: '1' }
  let made
  await check(`${pagePath('next')}: the scaffold command runs, and the page's files go in`, async () => {
    made = await scaffold('next', { extra: ['--skip-install', '--disable-git'], env })
    const { dir, page } = made
    requireFiles('next', page.files, ['lib/session.ts', 'proxy.ts', 'app/actions.ts', 'app/login/page.tsx', 'app/dashboard/page.tsx', 'app/api/me/route.ts'])
    for (const [name, code] of Object.entries(page.files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true })
      writeFileSync(join(dir, name), code)
    }
    const layout = join(dir, 'app/layout.tsx')
    writeFileSync(layout, withoutGoogleFonts(readFileSync(layout, 'utf8')))
    assert(/cacheComponents:\s*true/.test(readFileSync(join(dir, 'next.config.ts'), 'utf8')), 'the scaffold no longer turns on cacheComponents: update the page')
  })
  if (made === undefined) return
  const { dir, parent } = made
  const began = performance.now()
  try {
    let installMs = 0
    await check('one npm install: the scaffold\'s dependencies and the packed sealed-session', async () => {
      installMs = await installApp(dir, made.page, { env })
    })
    if (installMs === 0) return
    timings.push({ mode: 'scaffold install', build: installMs, drive: 0 })
    const nextBin = join(dir, 'node_modules/next/dist/bin/next')
    const version = JSON.parse(readFileSync(join(dir, 'node_modules/next/package.json'), 'utf8')).version
    const node20 = process.env.NODE20 ?? '/usr/bin/node'
    const nodes = [[process.execPath, process.versions.node]]
    const other = spawnSync(node20, ['-p', 'process.versions.node'], { encoding: 'utf8' })
    if (other.status === 0 && other.stdout.trim().split('.')[0] === '20') nodes.push([node20, other.stdout.trim()])
    else fail(prefix, 'Node 20 is available', `${node20} is not Node 20 (${other.stdout.trim() || other.stderr.trim()}); set NODE20`)
    for (const [node, nodeVersion] of nodes) {
      const label = `next ${version}, Node ${nodeVersion}`
      rmSync(join(dir, '.next'), { recursive: true, force: true })
      const built = await run(node, [nextBin, 'build'], { cwd: dir, env: { ...env, NODE_ENV: 'production' }, timeoutMs: 240_000 })
      await check(`next build of the scaffold with the page's files succeeds without SESSION_SECRET (${label})`, () => {
        if (built.code !== 0) throw new Error(`exit ${built.timedOut ? 'timeout' : built.code}\n${built.lines.slice(-40).join('\n')}`)
      })
      if (built.code !== 0) continue
      await check(`next build prints no warning and no error (${label})`, () => {
        const noisy = built.lines.filter(isWarning)
        assert(noisy.length === 0, noisy.join('\n'))
      })
      const secret = base64url(crypto.getRandomValues(new Uint8Array(32)))
      const port = await freePort()
      const origin = `http://127.0.0.1:${port}`
      const log = []
      const server = start(node, [nextBin, 'start', '--hostname', '127.0.0.1', '--port', String(port)], { cwd: dir, env: { ...env, NODE_ENV: 'production', SESSION_SECRET: secret }, onLine: (line) => log.push(line) })
      const served = performance.now()
      try {
        const ready = await waitForServer(origin)
        await check(`next start answers on 127.0.0.1 (${label})`, () => assert(ready, `no answer within 60 s\n${log.slice(-20).join('\n')}`))
        if (ready) await driveQuickstart(checker(`${prefix} [Node ${nodeVersion}]`), origin, secret)
        // The server's own lines, after every request above (Cache Components report here).
        await new Promise((resolve) => setTimeout(resolve, 300))
        await check(`the server logged no warning and no error while driven (${label})`, () => {
          const noisy = log.filter(isWarning)
          assert(noisy.length === 0, noisy.join('\n'))
        })
      } finally {
        await server.stop()
      }
      timings.push({ mode: `scaffold node${nodeVersion.split('.')[0]}`, build: built.ms, drive: performance.now() - served })
    }
  } finally {
    rmSync(parent, { recursive: true, force: true })
    console.log(`${prefix} scaffold ${(made.ms / 1000).toFixed(1)} s, in all ${((performance.now() - began + made.ms) / 1000).toFixed(1)} s`)
  }
}

/** A build or server line that warns or errors (Next.js marks them ⚠ / ⨯, or says so). */
function isWarning(line) {
  // Next's own advice to CI runs without a .next/cache ("No build cache found", printed
  // when CI=true) is about the build machine, not the app or this library.
  if (/No build cache found/.test(line)) return false
  return /⚠|⨯|\bwarn(ing)?\b|\berror\b|unstable value|encountered/i.test(line)
}

/** The scaffold's layout without its next/font/google fonts (fetched at build time: offline here). */
function withoutGoogleFonts(layout) {
  return layout
    .replace(/^import \{[^}]*\} from ["']next\/font\/google["'];?\n/m, '')
    .replace(/^const \w+ = \w+\(\{[\s\S]*?\}\);?\n/gm, '')
    .replace(/\$\{\w+\.variable\}\s*/g, '')
}

async function runMode(mode) {
  const { label, runtime, variant } = MODES[mode]
  const next = NEXT[MODES[mode].next]
  const app = MODES[mode].next === 'next' ? exampleApp : next15App()
  // Next 15 runs from the app's own copy, so that it finds itself by name.
  const nextBin = MODES[mode].next === 'next' ? join(next.dir, 'dist/bin/next') : join(app, 'node_modules/next/dist/bin/next')
  const prefix = `[next ${next.version} ${mode}]`
  const distDir = `.next-${mode}`
  // No SESSION_SECRET at build time, as on a build server: only `next start` gets it.
  const { SESSION_SECRET: _unused, ...inherited } = process.env
  const env = {
    ...inherited,
    NEXT_TELEMETRY_DISABLED: '1',
    NODE_ENV: 'production',
    SESSION_EXAMPLE_RUNTIME: variant,
    NEXT_DIST_DIR: distDir,
  }
  console.log(`${prefix} next build (${label}) with Node ${process.versions.node}`)
  const built = await run(process.execPath, [nextBin, 'build'], { cwd: app, env, timeoutMs: 240_000 })
  const check = checker(prefix)
  await check(`next build succeeds without SESSION_SECRET (${label})`, () => {
    if (built.code !== 0) throw new Error(`exit ${built.timedOut ? 'timeout' : built.code}\n${built.lines.slice(-40).join('\n')}`)
  })
  if (built.code !== 0) return

  await check(`the session check is built for the ${runtime} runtime`, () => {
    const server = join(app, distDir, 'server')
    const middleware = JSON.parse(readFileSync(join(server, 'middleware-manifest.json'), 'utf8'))
    const functions = JSON.parse(readFileSync(join(server, 'functions-config-manifest.json'), 'utf8'))
    if (runtime === 'edge') {
      assert(middleware.middleware['/'] !== undefined, 'middleware-manifest.json lists no edge middleware')
      assert(functions.functions['/_middleware'] === undefined, 'a Node.js proxy was built as well')
    } else {
      assert(functions.functions['/_middleware']?.runtime === 'nodejs', 'functions-config-manifest.json lists no Node.js proxy')
      assert(Object.keys(middleware.middleware).length === 0, 'an edge middleware was built as well')
    }
  })

  // Pages without a `dynamic` export: one reads the session, one does not.
  const [dynamicPage, staticPage] = ['/', '/signed-out']
  await check('a page that reads the session is rendered per request; the static page is prerendered', () => {
    const prerendered = JSON.parse(readFileSync(join(app, distDir, 'prerender-manifest.json'), 'utf8')).routes
    assert(prerendered[dynamicPage] === undefined, `${dynamicPage} (reads the session) was prerendered at build time`)
    assert(prerendered[staticPage] !== undefined, `${staticPage} was not prerendered`)
  })

  const secret = base64url(crypto.getRandomValues(new Uint8Array(32)))
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const log = []
  const server = start(process.execPath, [nextBin, 'start', '--hostname', '127.0.0.1', '--port', String(port)], {
    cwd: app,
    env: { ...env, SESSION_SECRET: secret },
    onLine: (line) => log.push(line),
  })
  const began = performance.now()
  try {
    const ready = await waitForServer(origin)
    await check('next start answers on 127.0.0.1', () => assert(ready, `no answer within 30 s\n${log.slice(-20).join('\n')}`))
    if (ready) await drive(check, origin, secret)
  } finally {
    await server.stop()
  }
  timings.push({ mode, build: built.ms, drive: performance.now() - began })
  if (failed > 0 && log.some((line) => /error/i.test(line))) console.log(`${prefix} server log:\n${log.slice(-30).join('\n')}`)
}

/** The server is up once its sign-in page answers 200. */
function waitForServer(origin) {
  return waitForHttp(`${origin}/login`, { status: 200, timeoutMs: 60_000 })
}

// ---------------------------------------------------------------- the HTTP scenario

async function drive(check, origin, secret) {
  const http = client(origin)
  const oldClock = Date.now() - 7 * 3600 * 1000
  /** What the example's lib/session.js does, with a clock 7 hours back: a cookie due for refresh. */
  const sealedEarlier = async () => {
    const engine = createSessions({ secrets: secret, clock: { now: () => oldClock } })
    const session = await engine.load(null)
    await session.login('Zoë Ada')
    session.set('name', 'Zoë Ada')
    return { cookie: new Jar().apply((await engine.commit(session)).setCookie).header(), idle: session.idleExpiresAt.toISOString() }
  }
  /** Opens a cookie the server set, as the server would now. */
  const opened = (cookie) => createSessions({ secrets: secret }).load(cookie)

  await check('a signed-out visit to /dashboard is redirected to /login by the proxy', async () => {
    const response = await http.get('/dashboard')
    equal(response.status, 307, 'status')
    equal(pathOf(response), '/login', 'location')
    equal(response.headers.getSetCookie().length, 0, 'Set-Cookie count')
  })

  await check('the route handler behind the proxy answers 401 when signed out', async () => {
    const response = await http.get('/api/session')
    equal(response.status, 401, 'status')
  })

  const jar = new Jar()
  await check('sign in: the server action (form post) sets the __Host- session cookie', async () => {
    const response = await http.action('/login', { name: 'Zoë Ada' })
    equal(response.status, 303, 'status')
    equal(pathOf(response), '/dashboard', 'location')
    const setCookie = response.headers.getSetCookie()
    equal(setCookie.length, 1, 'Set-Cookie count')
    assert(/^__Host-session=[A-Za-z0-9_-]+;/.test(setCookie[0]), `Set-Cookie ${setCookie[0]}`)
    for (const attribute of ['Path=/', 'Secure', 'HttpOnly', 'Max-Age=86400']) assert(setCookie[0].includes(attribute), `${attribute} in ${setCookie[0]}`)
    assert(/SameSite=lax/i.test(setCookie[0]), `SameSite=Lax in ${setCookie[0]}`)
    noStore(response)
    jar.apply(setCookie)
    assert(jar.has('__Host-session'), 'the browser keeps the cookie')
  })

  await check('the protected page (server component) shows the signed-in user', async () => {
    const response = await http.get('/dashboard', jar)
    equal(response.status, 200, 'status')
    const page = await response.text()
    equal(text(page, 'user'), 'Zoë Ada', 'user on the page')
    equal(response.headers.getSetCookie().length, 0, 'no Set-Cookie for a fresh session')
  })

  await check('the route handler reads the session', async () => {
    const response = await http.get('/api/session', jar)
    equal(response.status, 200, 'status')
    equal((await response.json()).user, 'Zoë Ada', 'user')
  })

  await check("a refresh in the proxy is seen by the same request's page (iron-session #709, #887)", async () => {
    const earlier = await sealedEarlier()
    const response = await http.get('/dashboard', earlier.cookie)
    equal(response.status, 200, 'status')
    const setCookie = response.headers.getSetCookie()
    equal(setCookie.length, 1, 'the proxy refreshes the cookie')
    assert((response.headers.get('cache-control') ?? '').includes('no-store'), `Cache-Control ${response.headers.get('cache-control')}`)
    const refreshed = await opened(new Jar().apply(setCookie).header())
    assert(refreshed.subject === 'Zoë Ada', 'the refreshed cookie opens')
    const shown = text(await response.text(), 'idle-expires')
    assert(shown !== earlier.idle, `the page saw the old cookie (idle expiry ${shown})`)
    equal(shown, refreshed.idleExpiresAt.toISOString(), 'idle expiry on the page is the refreshed cookie')
  })

  await check("a refresh in the proxy is seen by the same request's route handler", async () => {
    const earlier = await sealedEarlier()
    const response = await http.get('/api/session', earlier.cookie)
    equal(response.status, 200, 'status')
    const refreshed = await opened(new Jar().apply(response.headers.getSetCookie()).header())
    const body = await response.json()
    equal(body.user, 'Zoë Ada', 'user')
    equal(body.idleExpiresAt, refreshed.idleExpiresAt.toISOString(), 'idle expiry is the refreshed cookie')
  })

  await check('sign out: destroy() in a server action (form post) really clears the cookie (iron-session #910)', async () => {
    const response = await http.action('/dashboard', {}, jar)
    equal(response.status, 303, 'status')
    equal(pathOf(response), '/signed-out', 'location')
    noStore(response)
    jar.apply(response.headers.getSetCookie())
    assert(!jar.has('__Host-session'), `the browser still holds the cookie: ${jar.header()}`)
    const after = await http.get('/dashboard', jar)
    equal(after.status, 307, 'the protected page redirects after sign-out')
  })

  await check('sign out as the React client sends it (fetch action) to a static page clears the cookie, and the response is no-store (not the static page s-maxage)', async () => {
    const signIn = await http.action('/login', { name: 'Zoë Ada' })
    const client = new Jar().apply(signIn.headers.getSetCookie())
    assert(client.has('__Host-session'), 'signed in again')
    const response = await http.fetchAction('/dashboard', client)
    // Next 16 answers 200, Next 15 303; both carry the target in x-action-redirect.
    assert(response.status === 200 || response.status === 303, `status ${response.status}`)
    equal((response.headers.get('x-action-redirect') ?? '').split(';')[0], '/signed-out', 'x-action-redirect')
    client.apply(response.headers.getSetCookie())
    assert(!client.has('__Host-session'), `the browser still holds the cookie: ${client.header()}`)
    noStore(response)
  })

  await check('server action form posts through the proxy keep their body: 40 sign-outs in a row (Next 15 Node.js middleware race)', async () => {
    // The same signed-in cookie each time: without a revocation store it stays valid.
    const signedIn = new Jar().apply((await http.action('/login', { name: 'Zoë Ada' })).headers.getSetCookie()).header()
    const statuses = []
    // Each time as a browser does: load the page with the form, then post it.
    for (let i = 0; i < 40; i++) statuses.push((await http.action('/dashboard', {}, signedIn)).status)
    assert(statuses.every((status) => status === 303), `statuses ${statuses.join(' ')}`)
  })

  await check('sign out with a refresh due in the proxy still ends signed out (Set-Cookie order)', async () => {
    const stale = await sealedEarlier()
    const response = await http.action('/dashboard', {}, stale.cookie)
    equal(response.status, 303, 'status')
    const setCookie = response.headers.getSetCookie()
    const after = new Jar().apply([`${stale.cookie}; Path=/; Secure`]).apply(setCookie)
    assert(!after.has('__Host-session'), `Set-Cookie lines ${JSON.stringify(setCookie)} leave a session`)
  })

  await check('a route handler signs in with respond(): 303 with the cookie and no-store (POST /api/login)', async () => {
    const form = new FormData()
    form.set('name', 'Zoë Ada')
    const response = await http.request('/api/login', { method: 'POST', body: form })
    equal(response.status, 303, 'status')
    equal(pathOf(response), '/dashboard', 'location')
    const browser = new Jar().apply(response.headers.getSetCookie())
    assert(browser.has('__Host-session'), 'no session cookie')
    noStore(response)
    assert(/\bcookie\b/i.test(response.headers.get('vary') ?? ''), `Vary ${response.headers.get('vary')}`)
    equal((await opened(browser.header())).subject, 'Zoë Ada', 'the cookie opens')
  })

  await check('a route handler answers a form body that does not parse with 400, never 500 (POST /api/login)', async () => {
    const response = await http.request('/api/login', { method: 'POST', body: 'not a multipart body', headers: { 'content-type': 'multipart/form-data; boundary=x' } })
    equal(response.status, 400, 'status')
    equal(response.headers.getSetCookie().length, 0, 'Set-Cookie count')
  })

  await check('a route handler signs out with respond(): the cookie is expired, with no-store (DELETE /api/session)', async () => {
    const signIn = await http.action('/login', { name: 'Zoë Ada' })
    const browser = new Jar().apply(signIn.headers.getSetCookie())
    const response = await http.request('/api/session', { method: 'DELETE', jar: browser })
    equal(response.status, 204, 'status')
    noStore(response)
    browser.apply(response.headers.getSetCookie())
    assert(!browser.has('__Host-session'), `the browser still holds the cookie: ${browser.header()}`)
  })

  await check('a refresh in the proxy on a static page is sent with no-store, not the page s-maxage', async () => {
    const earlier = await sealedEarlier()
    const response = await http.get('/signed-out', earlier.cookie)
    equal(response.status, 200, 'status')
    equal(text(await response.text(), 'signed-out'), 'Signed out', 'the static page')
    equal(response.headers.getSetCookie().length, 1, 'the proxy refreshes the cookie')
    noStore(response)
  })

  await check('the static page stays shared-cacheable when no cookie is set', async () => {
    const response = await http.get('/signed-out')
    equal(response.headers.getSetCookie().length, 0, 'Set-Cookie count')
    assert(/s-maxage/.test(response.headers.get('cache-control') ?? ''), `Cache-Control ${response.headers.get('cache-control')}`)
  })

  await check('save() in a server component fails with NextReadonlyCookiesError, which says where save() works', async () => {
    const response = await http.get('/save-in-render', jar)
    equal(response.status, 200, 'status')
    const page = await response.text()
    equal(text(page, 'error-code'), 'ERR_SESSION_NEXT_READONLY', 'error code')
    const message = text(page, 'error-message') ?? ''
    for (const words of ['server action', 'route handler', 'respond(', 'proxy']) assert(message.includes(words), `"${words}" in ${message}`)
    assert(/Cookies can only be modified/.test(text(page, 'error-cause') ?? ''), `cause: ${text(page, 'error-cause')}`)
    equal(response.headers.getSetCookie().length, 0, 'Set-Cookie count')
  })

  await check('a tampered cookie is refused and expired by the proxy', async () => {
    const earlier = await sealedEarlier()
    const value = earlier.cookie.slice(earlier.cookie.indexOf('=') + 1)
    const tampered = `__Host-session=${value.slice(0, 40)}${value[40] === 'A' ? 'B' : 'A'}${value.slice(41)}`
    const response = await http.get('/dashboard', tampered)
    equal(response.status, 307, 'status')
    const browser = new Jar().apply([`${tampered}; Path=/; Secure`]).apply(response.headers.getSetCookie())
    assert(!browser.has('__Host-session'), 'the tampered cookie is expired')
    noStore(response)
  })

  await check('every response above that set a cookie said Cache-Control: no-store (proxy, server actions, route handlers)', () => {
    assert(http.unsafe.length === 0, http.unsafe.join('\n    '))
  })
}

/** The page's app as a new user tries it: sign in, read, sign out. */
async function driveQuickstart(check, origin, secret) {
  const http = client(origin)
  const opened = (cookie) => createSessions({ secrets: secret }).load(cookie)

  await check('/login answers (the matcher does not send it to itself), /dashboard redirects there when signed out', async () => {
    const login = await http.get('/login')
    equal(login.status, 200, '/login status')
    const dashboard = await http.get('/dashboard')
    equal(dashboard.status, 307, '/dashboard status')
    equal(pathOf(dashboard), '/login', 'location')
  })

  const jar = new Jar()
  await check('sign in with the form (server action): the cookie, with no-store, and a redirect to /dashboard', async () => {
    const response = await http.action('/login', { name: 'Zoë Ada' })
    equal(response.status, 303, 'status')
    equal(pathOf(response), '/dashboard', 'location')
    noStore(response)
    jar.apply(response.headers.getSetCookie())
    equal((await opened(jar.header())).subject, 'Zoë Ada', 'the cookie opens as the user')
  })

  await check('the dashboard (server component) and GET /api/me (route handler) read the session', async () => {
    const page = await http.get('/dashboard', jar)
    equal(page.status, 200, 'status')
    equal(text(await page.text(), 'user'), 'Zoë Ada', 'user on the page')
    const me = await http.get('/api/me', jar)
    equal((await me.json()).name, 'Zoë Ada', 'GET /api/me')
  })

  await check('sign out as React sends it (fetch action) clears the cookie; the static /login it lands on lends no s-maxage', async () => {
    const response = await http.fetchAction('/dashboard', jar)
    equal((response.headers.get('x-action-redirect') ?? '').split(';')[0], '/login', 'x-action-redirect')
    noStore(response)
    const after = new Jar().apply([`${jar.header()}; Path=/; Secure`]).apply(response.headers.getSetCookie())
    assert(!after.has('__Host-session'), 'the cookie is still there')
  })

  await check('sign out with the form (no JavaScript) clears the cookie', async () => {
    const response = await http.action('/dashboard', {}, jar)
    equal(response.status, 303, 'status')
    equal(pathOf(response), '/login', 'location')
    noStore(response)
    jar.apply(response.headers.getSetCookie())
    assert(!jar.has('__Host-session'), 'the cookie is still there')
    equal((await http.get('/dashboard', jar)).status, 307, '/dashboard after sign-out')
  })

  await check('DELETE /api/me signs out through respond(): the cookie expires, with no-store', async () => {
    const browser = new Jar().apply((await http.action('/login', { name: 'Zoë Ada' })).headers.getSetCookie())
    const response = await http.request('/api/me', { method: 'DELETE', jar: browser })
    equal(response.status, 204, 'status')
    noStore(response)
    browser.apply(response.headers.getSetCookie())
    assert(!browser.has('__Host-session'), 'the cookie is still there')
  })

  await check('every response above that set a cookie said Cache-Control: no-store', () => {
    assert(http.unsafe.length === 0, http.unsafe.join('\n    '))
  })
}

/** A response that sets a cookie must not be stored by any cache (RFC 9111 §5.2.2.5). */
function noStore(response) {
  const violation = cacheViolation(response, { vary: false })
  if (violation !== undefined) throw new Error(`Set-Cookie sent with ${violation}`)
}

/** The Next-Action id of the first server action form on a page. */
async function actionId(http, path, jar) {
  const page = await (await http.get(path, jar)).text()
  const match = /name="\$ACTION_ID_([0-9a-f]+)"/.exec(page)
  if (match === null) throw new Error(`no server action form on ${path}`)
  return match[1]
}

function client(origin) {
  const unsafe = []
  const request = async (path, { method = 'GET', jar, headers = {}, body } = {}) => {
    const response = await fetch(`${origin}${path}`, {
      method,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(20_000),
      headers: { ...headers, ...(jar === undefined ? {} : { cookie: typeof jar === 'string' ? jar : jar.header() }) },
    })
    const violation = cacheViolation(response, { vary: false })
    if (violation !== undefined) unsafe.push(`${method} ${path}${headers['next-action'] ? ' (fetch action)' : ''} -> ${response.status} with Set-Cookie and ${violation}`)
    return response
  }
  const http = {
    request,
    /** The responses so far that set a cookie without `no-store`. */
    unsafe,
    get: (path, jar) => request(path, { jar }),
    /** Submits a page's server action form as a browser without JavaScript does (multipart POST). */
    async action(path, fields, jar, id) {
      const form = new FormData()
      form.set(`$ACTION_ID_${id ?? (await actionId(http, path, jar))}`, '')
      for (const [name, value] of Object.entries(fields)) form.set(name, value)
      return request(path, { method: 'POST', jar, body: form, headers: { origin } })
    },
    /** Calls a server action as React's client does: a fetch with the Next-Action header. */
    async fetchAction(path, jar) {
      const id = await actionId(http, path, jar)
      return request(path, {
        method: 'POST',
        jar,
        body: '[]',
        headers: { origin, accept: 'text/x-component', 'next-action': id, 'content-type': 'text/plain;charset=UTF-8' },
      })
    },
  }
  return http
}

/**
 * A browser's cookie jar for one origin, enough for these checks: Set-Cookie lines apply
 * in order, Max-Age <= 0 removes, and a __Host- cookie without Secure and Path=/ (or with
 * a Domain) is ignored, as browsers do (RFC 6265bis §4.1.3.2).
 */
class Jar {
  #cookies = new Map()
  apply(lines) {
    for (const line of lines) {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim())
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq)
      const attrs = new Map(attributes.map((a) => [a.split('=')[0].toLowerCase(), a.slice(a.indexOf('=') + 1)]))
      if (name.startsWith('__Host-') && (!attrs.has('secure') || attrs.get('path') !== '/' || attrs.has('domain'))) continue
      const maxAge = attrs.has('max-age') ? Number(attrs.get('max-age')) : undefined
      const expired = maxAge !== undefined ? maxAge <= 0 : attrs.has('expires') && Date.parse(attrs.get('expires')) <= Date.now()
      if (expired) this.#cookies.delete(name)
      else this.#cookies.set(name, pair.slice(eq + 1))
    }
    return this
  }
  has(name) {
    return this.#cookies.has(name)
  }
  header() {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }
}

// ---------------------------------------------------------------- small helpers

function checker(prefix) {
  return async (name, fn) => {
    try {
      await fn()
      passed++
      console.log(`${prefix} ok - ${name}`)
    } catch (error) {
      fail(prefix, name, error?.message ?? String(error))
    }
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message)
}

function equal(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
}

/** The path a redirect points to (Next 16 sends it relative, Next 15 absolute). */
function pathOf(response) {
  const location = response.headers.get('location')
  return location === null ? null : new URL(location, 'http://base.invalid').pathname
}

/** The text of the element with this id in server-rendered HTML. */
function text(html, id) {
  const match = new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)
  return match?.[1]
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

// ---------------------------------------------------------------- main (last: classes above are initialized)

async function main() {
  if (createSessions === undefined || !existsSync(join(root, 'dist/next/index.js'))) {
    fail('[next]', 'dist/ holds the built package', 'dist/ is missing or has no next/: run `npm run build` first')
  } else {
    const installed = installPackage()
    if (installed !== true) {
      fail('[next]', 'the packed package exports sealed-session/next', installed)
    } else if (installOnly) {
      passed++
      console.log('[next] ok - installed the packed package as examples/nextjs/node_modules/sealed-session')
    } else {
      for (const mode of asked.length > 0 ? asked : [...Object.keys(MODES), 'quickstart']) {
        if (mode === 'quickstart') await runScaffold()
        else await runMode(mode)
      }
    }
  }

  if (timings.length > 0) {
    console.log('\nmode              build    drive')
    for (const t of timings) console.log(`${t.mode.padEnd(17)} ${(t.build / 1000).toFixed(1).padStart(5)} s ${(t.drive / 1000).toFixed(1).padStart(5)} s`)
  }
  console.log(`${passed} passed, ${failed} failed`)
  process.exit(failed === 0 ? 0 : 1)
}

await main()
