// Builds examples/react-router with React Router's own toolchain (`react-router build`,
// vite) and drives it over HTTP on 127.0.0.1: sign in with a form action, read the session
// in a loader, change it in an action (and through the middleware's context session), a
// flash message, a refresh, a tampered and an expired cookie, an oversized session, sign
// out, and Cache-Control: no-store with Vary: Cookie on every response that sets a cookie.
//
//   node test/react-router/run.mjs            type-check, then every mode below
//   node test/react-router/run.mjs node       served by react-router-serve (Node.js)
//   node test/react-router/run.mjs workers    the same app/ built by examples/react-router-workers
//                                             (@cloudflare/vite-plugin), served by wrangler dev
//   node test/react-router/run.mjs quickstart a fresh app made of docs/frameworks/react-router.md's
//                                             blocks, built, served and driven
//   node test/react-router/run.mjs install    only install the packed package into the
//                                             example, to run it by hand
//
// The example imports `sealed-session/react-router` as an app would: the runner packs this
// package (`npm pack`, so package.json `files` and `exports` are what is tested) into
// examples/react-router/node_modules/sealed-session. Needs `npm run build` first. Ends with
// `N passed, M failed` and exits 1 on any failure.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, run, start, startWrangler, tempDir, waitForHttp } from '../support/processes.mjs'
import { CookieJar } from '../support/jar.mjs'
import { installPackedPackage } from '../support/pack.mjs'
import { pagePath, pinProblems, readPage, requireFiles } from '../docs/page.mjs'
import { cacheViolation } from '../support/cache.mjs'

const root = fileURLToPath(new URL('../../', import.meta.url))
const app = join(root, 'examples/react-router')
const require = createRequire(import.meta.url)
const packageDir = (name) => dirname(require.resolve(`${name}/package.json`))
const binOf = (name, bin) => join(packageDir(name), require(`${name}/package.json`).bin[bin])
const VERSIONS = ['react-router', '@react-router/dev', '@react-router/serve', 'vite', 'react'].map((name) => `${name} ${require(`${name}/package.json`).version}`)
const { createSessions } = await import(new URL('../../dist/index.js', import.meta.url).href).catch(() => ({}))

const prefix = '[react-router]'
let passed = 0
let failed = 0
const timings = {}

async function check(name, fn) {
  try {
    await fn()
    passed++
    console.log(`${prefix} ok - ${name}`)
  } catch (error) {
    failed++
    console.log(`${prefix} not ok - ${name}\n    ${error?.message ?? String(error)}`)
  }
}

// ---------------------------------------------------------------- setup

/** `npm pack` this package and unpack it as examples/react-router/node_modules/sealed-session. */
function installPackage() {
  return installPackedPackage(app, './react-router')
}


// ---------------------------------------------------------------- build and serve

/**
 * node: examples/react-router, served by react-router-serve. workers: the same app/ folder
 * built by examples/react-router-workers (@cloudflare/vite-plugin), served by wrangler dev.
 */
const MODES = {
  node: { dir: app, server: 'react-router-serve', secretName: 'SESSION_SECRET', drive: () => drive },
  workers: { dir: join(root, 'examples/react-router-workers'), server: 'wrangler dev', secretName: 'SESSION_SECRET', drive: () => drive },
  quickstart: { dir: join(root, 'test-results/react-router/quickstart'), server: 'react-router-serve', secretName: 'SESSION_SECRETS', drive: () => driveQuickstart, prepare: () => quickstartApp() },
}

/**
 * A fresh app made only of docs/frameworks/react-router.md: every block there that starts
 * with a comment naming its file (`// vite.config.ts`, `// app/sessions.server.ts`), and
 * the package.json its `npm pkg set` lines make. Its `npm install` lines must pin exactly
 * the versions the repository tests (pinProblems); those copies are the app's packages
 * (resolved from the root), and the packed package is its sealed-session.
 */
function quickstartApp() {
  const dir = MODES.quickstart.dir
  rmSync(dir, { recursive: true, force: true })
  const { files, installs } = readPage('react-router')
  requireFiles('react-router', files, ['vite.config.ts', 'react-router.config.ts', 'tsconfig.json', 'env.d.ts', 'app/sessions.server.ts', 'app/root.tsx', 'app/routes.ts', 'app/routes/login.tsx', 'app/routes/home.tsx', 'app/routes/logout.ts'])
  const problems = pinProblems(installs)
  if (problems.length > 0) throw new Error(`${pagePath('react-router')}: ${problems.join('; ')}`)
  for (const [name, code] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), code)
  }
  const dependencies = Object.fromEntries(installs.filter((p) => !p.dev && p.name !== 'sealed-session').map((p) => [p.name, p.version]))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-app', private: true, type: 'module', dependencies }, null, 2))
  cpSync(join(app, 'node_modules/sealed-session'), join(dir, 'node_modules/sealed-session'), { recursive: true })
}

async function typeCheck(env) {
  const began = performance.now()
  for (const [dir, what] of [
    [app, 'the example type-checks (strict) against the packed sealed-session/react-router'],
    [MODES.workers.dir, 'the Workers entry and its vite/react-router configs type-check (strict)'],
  ]) {
    const typecheck = await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: dir, env, timeoutMs: 120_000 })
    await check(what, () => {
      if (typecheck.code !== 0) throw new Error(`tsc exit ${typecheck.timedOut ? 'timeout' : typecheck.code}\n${typecheck.lines.slice(-30).join('\n')}`)
    })
  }
  timings.typecheck = performance.now() - began
}

async function buildAndDrive(mode) {
  const { dir, server: serverName, secretName } = MODES[mode]
  const label = `[${mode}]`
  try {
    MODES[mode].prepare?.()
  } catch (error) {
    await check(`${label} the app is assembled`, () => {
      throw error
    })
    return
  }
  // No SESSION_SECRET at build time, as on a build server: only the server gets it.
  const { SESSION_SECRET: _unused, ...inherited } = process.env
  const env = { ...inherited, NODE_ENV: 'production' }
  if (mode === 'quickstart') {
    const typecheck = await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: dir, env, timeoutMs: 120_000 })
    await check(`${label} the page's files type-check with its tsconfig.json (strict)`, () => {
      if (typecheck.code !== 0) throw new Error(`tsc exit ${typecheck.timedOut ? 'timeout' : typecheck.code}\n${typecheck.lines.slice(-30).join('\n')}`)
    })
  }

  console.log(`${prefix} ${label} react-router build with Node ${process.versions.node} (${VERSIONS.join(', ')})`)
  rmSync(join(dir, 'build'), { recursive: true, force: true })
  const built = await run(process.execPath, [binOf('@react-router/dev', 'react-router'), 'build'], { cwd: dir, env, timeoutMs: 180_000 })
  timings[`${mode} build`] = built.ms
  await check(`${label} react-router build succeeds without SESSION_SECRET`, () => {
    if (built.code !== 0) throw new Error(`exit ${built.timedOut ? 'timeout' : built.code}\n${built.lines.slice(-40).join('\n')}`)
  })
  if (built.code !== 0) return
  await check(`${label} the session code stays on the server (no sealed-session in the client build)`, () => {
    const assets = join(dir, 'build/client/assets')
    const scripts = readdirSync(assets).filter((name) => name.endsWith('.js'))
    assert(scripts.length > 0, 'no client scripts were built')
    for (const name of scripts) {
      const code = readFileSync(join(assets, name), 'utf8')
      for (const marker of ['createSealedSessionStorage', 'SESSION_SECRET', 'SessionTooLargeError']) assert(!code.includes(marker), `${name} contains ${marker}`)
    }
  })

  const secret = base64url(crypto.getRandomValues(new Uint8Array(32)))
  const began = performance.now()
  let origin
  let stop
  let log
  if (serverName === 'react-router-serve') {
    const port = await freePort()
    origin = `http://127.0.0.1:${port}`
    const lines = []
    // v8 ships its bins as .cjs: run the file itself, so there is one PID to stop.
    const server = start(process.execPath, [binOf('@react-router/serve', 'react-router-serve'), './build/server/index.js'], {
      cwd: dir,
      env: { ...env, [secretName]: secret, PORT: String(port), HOST: '127.0.0.1' },
      onLine: (line) => lines.push(line),
    })
    stop = () => server.stop()
    log = () => lines.slice(-30).join('\n')
    const ready = await waitForServer(origin)
    await check(`${label} ${serverName} answers on 127.0.0.1`, () => assert(ready, `no answer within 30 s\n${log()}`))
    if (!ready) origin = undefined
  } else {
    // The build writes the Worker's config beside it: build/server/wrangler.json.
    try {
      const server = await startWrangler({ config: 'build/server/wrangler.json', cwd: dir, vars: { [secretName]: secret }, logFile: join(tempDir('sealed-session-rr-'), 'wrangler.log') })
      origin = server.url
      stop = () => server.stop()
      log = () => server.log().split('\n').slice(-30).join('\n')
      await check(`${label} ${serverName} answers on 127.0.0.1`, () => {})
    } catch (error) {
      await check(`${label} ${serverName} answers on 127.0.0.1`, () => {
        throw error
      })
    }
  }
  const failedBefore = failed
  try {
    if (origin !== undefined) await MODES[mode].drive()(origin, secret, label)
  } finally {
    await stop?.()
  }
  timings[`${mode} serve and drive`] = performance.now() - began
  if (failed > failedBefore && log !== undefined) console.log(`${prefix} ${label} server log:\n${log()}`)
}

/** The server is up once its sign-in page answers 200. */
function waitForServer(origin) {
  return waitForHttp(`${origin}/login`, { status: 200, timeoutMs: 60_000 })
}

// ---------------------------------------------------------------- the HTTP scenario

async function drive(origin, secret, label) {
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

  await check(`${label} signed out: GET / redirects to /login; /login shows the form`, async () => {
    const home = await http.get('/')
    equal(home.status, 302, 'status')
    equal(home.headers.get('location'), '/login', 'location')
    const login = await http.get('/login')
    equal(login.status, 200, '/login status')
    assert((await login.text()).includes('name="name"'), 'no sign-in form on /login')
  })

  await check(`${label} an empty name: the action flashes a message, shown once by the loader`, async () => {
    const jar = new CookieJar()
    const response = await http.post('/login', { name: '' }, jar)
    equal(response.status, 302, 'status')
    jar.update(response)
    const page = await http.get('/login', jar)
    equal(text(await page.text(), 'message'), 'Enter your name', 'message')
    jar.update(page)
    equal(text(await (await http.get('/login', jar)).text(), 'message'), undefined, 'message on the second visit')
  })

  const jar = new CookieJar()
  await check(`${label} sign in with the form action: one Set-Cookie (the sealed __Host-session), a redirect to /`, async () => {
    const response = await http.post('/login', { name: 'Zoë Ada' })
    equal(response.status, 302, 'status')
    equal(response.headers.get('location'), '/', 'location')
    const lines = response.headers.getSetCookie()
    equal(lines.length, 1, 'Set-Cookie count')
    assert(/^__Host-session=[\w-]+; Max-Age=86400; Path=\/; Secure; HttpOnly; SameSite=Lax$/.test(lines[0]), `Set-Cookie: ${lines[0].replace(/=[\w-]+;/, '=…;')}`)
    jar.update(response)
    const session = await opened(jar.header())
    equal(session.subject, 'Zoë Ada', 'the cookie opens as the user')
  })

  await check(`${label} the loader reads the session: GET / shows the user, sets no cookie`, async () => {
    const response = await http.get('/', jar)
    equal(response.status, 200, 'status')
    equal(text(await response.text(), 'user'), 'Zoë Ada', 'user')
    equal(response.headers.getSetCookie().length, 0, 'Set-Cookie count')
  })

  await check(`${label} an action changes the session (POST /?index): the new name and a flash message`, async () => {
    const response = await http.post('/?index', { name: 'Ada L.' }, jar)
    equal(response.status, 302, 'status')
    jar.update(response)
    const page = await http.get('/', jar)
    const html = await page.text()
    equal(text(html, 'user'), 'Ada L.', 'user')
    equal(text(html, 'message'), 'Name changed', 'message')
    jar.update(page)
    equal(text(await (await http.get('/', jar)).text(), 'message'), undefined, 'message on the next visit')
  })

  await check(`${label} React Router's single-fetch action (POST /login.data) sets the cookie too, with no-store`, async () => {
    const response = await http.post('/login.data', { name: 'Bo' })
    equal(response.status, 202, 'status')
    equal(response.headers.getSetCookie().length, 1, 'Set-Cookie count')
    equal((await opened(CookieJar.from().update(response).header())).subject, 'Bo', 'subject')
  })

  await check(`${label} the middleware context session: GET /api/me reads it, POST /api/me changes it (committed by the middleware)`, async () => {
    equal((await (await http.get('/api/me', jar)).json()).name, 'Ada L.', 'name')
    const response = await http.post('/api/me', { theme: 'dark' }, jar)
    equal(response.status, 200, 'status')
    equal(response.headers.getSetCookie().length, 1, 'Set-Cookie count')
    jar.update(response)
    const me = await (await http.get('/api/me', jar)).json()
    equal(me.theme, 'dark', 'theme')
    equal(me.name, 'Ada L.', 'name kept')
  })

  await check(`${label} bad input is the client's mistake: a form body that does not parse gets 400 from every action, never 500`, async () => {
    const broken = { raw: 'not a multipart body', headers: { 'content-type': 'multipart/form-data; boundary=x' } }
    for (const path of ['/?index', '/login', '/api/me']) {
      const response = await http.request(path, { method: 'POST', cookie: jar, ...broken })
      equal(response.status, 400, `malformed form status (${path})`)
    }
    equal((await (await http.get('/api/me', jar)).json()).name, 'Ada L.', 'the session is unchanged')
  })

  await check(`${label} a session due for refresh (sealed 7 h ago) is refreshed by the middleware, with no-store`, async () => {
    const cookie = await sealedEarlier(7)
    const response = await http.get('/api/me', cookie)
    equal((await response.json()).subject, 'Zoë Ada', 'subject')
    equal(response.headers.getSetCookie().length, 1, 'Set-Cookie count (the refresh)')
  })

  await check(`${label} a tampered cookie is refused (redirect to /login) and removed`, async () => {
    const value = jar.get('__Host-session')
    const tampered = `__Host-session=${value.slice(0, 40)}${value[40] === 'A' ? 'B' : 'A'}${value.slice(41)}`
    const response = await http.get('/', tampered)
    equal(response.status, 302, 'status')
    equal(response.headers.get('location'), '/login', 'location')
    assert(!CookieJar.from(tampered).update(response).has('__Host-session'), 'the tampered cookie is still there')
  })

  await check(`${label} an expired cookie (idle for 25 h, idle timeout 1 day) is refused and removed`, async () => {
    const cookie = await sealedEarlier(25)
    const response = await http.get('/', cookie)
    equal(response.status, 302, 'status')
    equal(response.headers.get('location'), '/login', 'location')
    assert(!CookieJar.from(cookie).update(response).has('__Host-session'), 'the expired cookie is still there')
  })

  await check(`${label} an oversized session: SessionTooLargeError caught in the action, 413, no cookie; the old one still works`, async () => {
    const response = await http.post('/?index', { intent: 'notes', notes: 'x'.repeat(5000) }, jar)
    equal(response.status, 413, 'status')
    equal(response.headers.getSetCookie().length, 0, 'Set-Cookie count')
    const message = text(await response.text(), 'error') ?? ''
    assert(/^ERR_SESSION_TOO_LARGE: \d+ bytes, at most 4096$/.test(message), `error on the page: ${message}`)
    equal(text(await (await http.get('/', jar)).text(), 'user'), 'Ada L.', 'user after the refusal')
  })

  await check(`${label} sign out (POST /logout, destroySession): the cookie is removed, / redirects to /login`, async () => {
    const copy = jar.header()
    const response = await http.post('/logout', {}, jar)
    equal(response.status, 302, 'status')
    equal(response.headers.get('location'), '/login', 'location')
    const lines = response.headers.getSetCookie()
    equal(lines.length, 1, 'Set-Cookie count')
    assert(lines[0].startsWith('__Host-session=; Max-Age=0;'), `Set-Cookie: ${lines[0]}`)
    jar.update(response)
    assert(!jar.has('__Host-session'), 'the cookie is still there')
    equal((await http.get('/', jar)).status, 302, 'GET / after sign-out')
    // No revocation store in the example: a copy of the cookie stays valid until it expires.
    equal((await opened(copy)).subject, 'Zoë Ada', 'a copied cookie without a store')
  })

  await check(`${label} every response above that set a cookie said Cache-Control: no-store (and Vary: Cookie)`, () => {
    assert(http.setCookieResponses > 10, `only ${http.setCookieResponses} responses set a cookie`)
    assert(http.unsafe.length === 0, http.unsafe.join('\n    '))
  })
}

/** The page's app as a new user tries it: sign in, read, change, sign out. */
async function driveQuickstart(origin, secret, label) {
  const http = client(origin)
  const opened = (header) => createSessions({ secrets: secret }).load(header)
  const jar = new CookieJar()

  await check(`${label} signed out: / redirects to /login, which shows the form`, async () => {
    const home = await http.get('/')
    equal(home.status, 302, 'status')
    equal(home.headers.get('location'), '/login', 'location')
    const login = await http.get('/login')
    equal(login.status, 200, '/login status')
    assert((await login.text()).includes('name="name"'), 'no sign-in form on /login')
  })

  await check(`${label} sign in with the form: a redirect to / with the sealed cookie`, async () => {
    const response = await http.post('/login', { name: 'Zoë Ada' })
    equal(response.status, 302, 'status')
    equal(response.headers.get('location'), '/', 'location')
    jar.update(response)
    equal((await opened(jar.header())).subject, 'Zoë Ada', 'the cookie opens as the user')
  })

  await check(`${label} the loader reads it; the action (POST /?index) changes it`, async () => {
    equal(text(await (await http.get('/', jar)).text(), 'user'), 'Zoë Ada', 'user')
    const response = await http.post('/?index', { name: 'Ada L.' }, jar)
    equal(response.status, 302, 'status')
    jar.update(response)
    equal(text(await (await http.get('/', jar)).text(), 'user'), 'Ada L.', 'user after the change')
  })

  await check(`${label} an oversized session: 413 from the catch of SessionTooLargeError, no cookie`, async () => {
    const response = await http.post('/?index', { name: 'x'.repeat(5000) }, jar)
    equal(response.status, 413, 'status')
    equal(response.headers.getSetCookie().length, 0, 'Set-Cookie count')
  })

  await check(`${label} sign out: the cookie is removed, / redirects to /login`, async () => {
    const response = await http.post('/logout', {}, jar)
    equal(response.status, 302, 'status')
    jar.update(response)
    assert(!jar.has('__Host-session'), 'the cookie is still there')
    equal((await http.get('/', jar)).status, 302, 'GET / after sign-out')
  })

  await check(`${label} every response that set a cookie said Cache-Control: no-store (the middleware)`, () => {
    assert(http.setCookieResponses >= 4, `only ${http.setCookieResponses} responses set a cookie`)
    assert(http.unsafe.length === 0, http.unsafe.join('\n    '))
  })
}

/** Every response that sets a cookie must say no-store (RFC 9111 §5.2.2.5) and Vary: Cookie: the client records each that does not. */
function client(origin) {
  const http = {
    unsafe: [],
    setCookieResponses: 0,
    async request(path, { method = 'GET', cookie, form, raw, headers: extra = {} } = {}) {
      const headers = { ...extra }
      if (cookie !== undefined) headers.cookie = typeof cookie === 'string' ? cookie : cookie.header()
      // `raw` is sent as given, with the caller's content-type.
      const body = form === undefined ? raw : new URLSearchParams(form)
      const response = await fetch(`${origin}${path}`, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(20_000) })
      if (response.headers.getSetCookie().length > 0) {
        http.setCookieResponses++
        const violation = cacheViolation(response)
        if (violation !== undefined) http.unsafe.push(`${method} ${path} -> ${response.status} with Set-Cookie, ${violation}`)
      }
      return response
    },
    get: (path, cookie) => http.request(path, { cookie }),
    post: (path, form, cookie) => http.request(path, { method: 'POST', form, cookie }),
  }
  return http
}

// ---------------------------------------------------------------- small helpers

function assert(condition, message) {
  if (!condition) throw new Error(message)
}

function equal(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
}

/** The text of the element with this id in server-rendered HTML (React escapes text). */
function text(html, id) {
  const match = new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)
  return match?.[1].replace(/&amp;/g, '&').replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>')
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

// ---------------------------------------------------------------- main

const asked = process.argv.slice(2)
const installOnly = asked.length === 1 && asked[0] === 'install'
for (const mode of installOnly ? [] : asked) {
  if (!(mode in MODES)) {
    console.error(`unknown mode ${JSON.stringify(mode)}; choose ${Object.keys(MODES).join(', ')} or install`)
    process.exit(2)
  }
}
const began = performance.now()
if (createSessions === undefined || !existsSync(join(root, 'dist/react-router/index.js'))) {
  await check('dist/ holds the built package', () => {
    throw new Error('dist/ is missing or has no react-router/: run `npm run build` first')
  })
} else {
  const installed = installPackage()
  await check('the packed package exports sealed-session/react-router', () => {
    if (installed !== true) throw new Error(installed)
  })
  if (installed === true && !installOnly) {
    const { SESSION_SECRET: _unused, ...env } = process.env
    await typeCheck(env)
    for (const mode of asked.length > 0 ? asked : Object.keys(MODES)) await buildAndDrive(mode)
  }
}
console.log(`\n${Object.entries(timings).map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`).join(', ')}, total ${((performance.now() - began) / 1000).toFixed(1)} s`)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
