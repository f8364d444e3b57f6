// Builds examples/nextjs with `next build`, starts it with `next start` on 127.0.0.1 and
// drives it over HTTP, once with the session check in proxy.node.js (Next 16's proxy, on
// the Node.js runtime) and once in middleware.edge.js (middleware on the edge runtime):
//
//   node test/next/run.mjs             both
//   node test/next/run.mjs node        only the Node.js proxy
//   node test/next/run.mjs edge        only the edge middleware
//   node test/next/run.mjs install     only install the packed package into the example,
//                                      to run it by hand (examples/nextjs/README.md)
//
// The example imports `sealed-session/next` as an app would: the runner packs this
// package (`npm pack`, so package.json `files` and `exports` are what is tested) into
// examples/nextjs/node_modules/sealed-session. Needs `npm run build` first. Ends with
// `N passed, M failed` and exits 1 on any failure.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, run, start } from '../conformance/processes.mjs'

const root = fileURLToPath(new URL('../../', import.meta.url))
const app = join(root, 'examples/nextjs')
const nextBin = join(root, 'node_modules/next/dist/bin/next')
const nextVersion = JSON.parse(readFileSync(join(root, 'node_modules/next/package.json'), 'utf8')).version
const { createSessions } = await import(new URL('../../dist/index.js', import.meta.url).href).catch(() => ({}))

const MODES = {
  node: { label: 'proxy.node.js, Node.js runtime', runtime: 'nodejs' },
  edge: { label: 'middleware.edge.js, edge runtime', runtime: 'edge' },
}
const asked = process.argv.slice(2)
const installOnly = asked.length === 1 && asked[0] === 'install'
for (const mode of installOnly ? [] : asked) {
  if (!(mode in MODES)) {
    console.error(`unknown mode ${JSON.stringify(mode)}; choose node, edge or install`)
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
  const scratch = mkdtempSync(join(tmpdir(), 'sealed-session-pack-'))
  try {
    // Under `npm run`, npm_execpath is npm's own CLI script; otherwise use npm from PATH.
    const npm = process.env.npm_execpath
    const pack = ['pack', '--ignore-scripts', '--silent', '--pack-destination', scratch]
    const packed = npm?.endsWith('.js') ? runSync(process.execPath, [npm, ...pack]) : runSync('npm', pack)
    if (packed.status !== 0) return `npm pack failed: ${packed.stderr}`
    const tarball = join(scratch, packed.stdout.trim().split('\n').pop())
    const target = join(app, 'node_modules/sealed-session')
    rmSync(target, { recursive: true, force: true })
    mkdirSync(target, { recursive: true })
    const untar = runSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1'])
    if (untar.status !== 0) return `tar failed: ${untar.stderr}`
    const manifest = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8'))
    const entry = manifest.exports?.['./next']
    if (entry === undefined) return 'package.json "exports" has no "./next" entry: add { "types": "./dist/next/index.d.ts", "default": "./dist/next/index.js" }'
    const file = typeof entry === 'string' ? entry : entry.default ?? entry.import
    if (!existsSync(join(target, file))) return `"./next" points to ${file}, which the packed package does not contain`
    return true
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

function runSync(command, args) {
  return spawnSync(command, args, { cwd: root, encoding: 'utf8', timeout: 60_000 })
}

// ---------------------------------------------------------------- one mode

async function runMode(mode) {
  const { label, runtime } = MODES[mode]
  const prefix = `[next ${nextVersion} ${mode}]`
  const distDir = `.next-${mode}`
  const env = {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: '1',
    NODE_ENV: 'production',
    SESSION_EXAMPLE_RUNTIME: mode,
    NEXT_DIST_DIR: distDir,
  }
  console.log(`${prefix} next build (${label}) with Node ${process.versions.node}`)
  const built = await run(process.execPath, [nextBin, 'build'], { cwd: app, env, timeoutMs: 240_000 })
  const check = checker(prefix)
  await check(`next build succeeds (${label})`, () => {
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

async function waitForServer(origin) {
  for (let i = 0; i < 100; i++) {
    try {
      const response = await fetch(`${origin}/login`, { signal: AbortSignal.timeout(2000) })
      await response.body?.cancel()
      if (response.status === 200) return true
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 300))
  }
  return false
}

// ---------------------------------------------------------------- the HTTP scenario

async function drive(check, origin, secret) {
  const http = client(origin)
  const oldClock = Date.now() - 7 * 3600 * 1000
  /** What the example's lib/session.js does, with a clock 7 hours back: a cookie due for refresh. */
  const sealedEarlier = async () => {
    const engine = createSessions({ secrets: secret, now: () => oldClock })
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
    equal(response.headers.get('location'), '/login', 'location')
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
    equal(response.headers.get('location'), '/dashboard', 'location')
    const setCookie = response.headers.getSetCookie()
    equal(setCookie.length, 1, 'Set-Cookie count')
    assert(/^__Host-session=[A-Za-z0-9_-]+;/.test(setCookie[0]), `Set-Cookie ${setCookie[0]}`)
    for (const attribute of ['Path=/', 'Secure', 'HttpOnly', 'Max-Age=86400']) assert(setCookie[0].includes(attribute), `${attribute} in ${setCookie[0]}`)
    assert(/SameSite=lax/i.test(setCookie[0]), `SameSite=Lax in ${setCookie[0]}`)
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
    equal(response.headers.get('location'), '/login', 'location')
    jar.apply(response.headers.getSetCookie())
    assert(!jar.has('__Host-session'), `the browser still holds the cookie: ${jar.header()}`)
    const after = await http.get('/dashboard', jar)
    equal(after.status, 307, 'the protected page redirects after sign-out')
  })

  await check('sign out as the React client sends it (fetch action) clears the cookie, and the response is not shared-cacheable', async () => {
    const signIn = await http.action('/login', { name: 'Zoë Ada' })
    const client = new Jar().apply(signIn.headers.getSetCookie())
    assert(client.has('__Host-session'), 'signed in again')
    const response = await http.fetchAction('/dashboard', client)
    equal(response.status, 200, 'status')
    equal((response.headers.get('x-action-redirect') ?? '').split(';')[0], '/login', 'x-action-redirect')
    client.apply(response.headers.getSetCookie())
    assert(!client.has('__Host-session'), `the browser still holds the cookie: ${client.header()}`)
    const cacheControl = response.headers.get('cache-control') ?? ''
    assert(!/\b(public|s-maxage)\b/.test(cacheControl), `Cache-Control ${cacheControl} lets a shared cache keep this Set-Cookie`)
  })

  await check('sign out with a refresh due in the proxy still ends signed out (Set-Cookie order)', async () => {
    const stale = await sealedEarlier()
    const response = await http.action('/dashboard', {}, stale.cookie)
    equal(response.status, 303, 'status')
    const setCookie = response.headers.getSetCookie()
    const after = new Jar().apply([`${stale.cookie}; Path=/; Secure`]).apply(setCookie)
    assert(!after.has('__Host-session'), `Set-Cookie lines ${JSON.stringify(setCookie)} leave a session`)
  })

  await check('the route handler signs out through cookies() (DELETE /api/session)', async () => {
    const signIn = await http.action('/login', { name: 'Zoë Ada' })
    const browser = new Jar().apply(signIn.headers.getSetCookie())
    const response = await http.request('/api/session', { method: 'DELETE', jar: browser })
    equal(response.status, 204, 'status')
    browser.apply(response.headers.getSetCookie())
    assert(!browser.has('__Host-session'), `the browser still holds the cookie: ${browser.header()}`)
  })

  await check('a tampered cookie is refused and expired by the proxy', async () => {
    const earlier = await sealedEarlier()
    const value = earlier.cookie.slice(earlier.cookie.indexOf('=') + 1)
    const tampered = `__Host-session=${value.slice(0, 40)}${value[40] === 'A' ? 'B' : 'A'}${value.slice(41)}`
    const response = await http.get('/dashboard', tampered)
    equal(response.status, 307, 'status')
    const browser = new Jar().apply([`${tampered}; Path=/; Secure`]).apply(response.headers.getSetCookie())
    assert(!browser.has('__Host-session'), 'the tampered cookie is expired')
  })
}

/** The Next-Action id of the first server action form on a page. */
async function actionId(http, path, jar) {
  const page = await (await http.get(path, jar)).text()
  const match = /name="\$ACTION_ID_([0-9a-f]+)"/.exec(page)
  if (match === null) throw new Error(`no server action form on ${path}`)
  return match[1]
}

function client(origin) {
  const request = (path, { method = 'GET', jar, headers = {}, body } = {}) =>
    fetch(`${origin}${path}`, {
      method,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(20_000),
      headers: { ...headers, ...(jar === undefined ? {} : { cookie: typeof jar === 'string' ? jar : jar.header() }) },
    })
  const http = {
    request,
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
      for (const mode of asked.length > 0 ? asked : Object.keys(MODES)) await runMode(mode)
    }
  }

  if (timings.length > 0) {
    console.log('\nmode   build    drive')
    for (const t of timings) console.log(`${t.mode.padEnd(6)} ${(t.build / 1000).toFixed(1).padStart(5)} s ${(t.drive / 1000).toFixed(1).padStart(5)} s`)
  }
  console.log(`${passed} passed, ${failed} failed`)
  process.exit(failed === 0 ? 0 : 1)
}

await main()
