// Builds examples/nuxt with `nuxt build` (Nuxt 4, whose server runs h3 1.15 on Nitro 2;
// the build needs Node ≥ 22.19, so it runs on the `node` devDependency, Node 24), type-checks
// its server code against the generated .nuxt/tsconfig.server.json, serves
// `.output/server/index.mjs` on 127.0.0.1 with Node 24 and with Node 20 (/usr/bin/node, or
// NODE20=/path/to/node) and drives it over HTTP: the page and a server route reading the
// session, sign in through a form post, a change in an API route, an oversized session
// refused with h3's error, a tampered cookie, sign out, the CSRF token refused when missing
// or foreign, and `no-store` + `Vary: Cookie` on every response that sets the cookie.
//
//   node test/nuxt/run.mjs           install, build, type-check, serve, drive
//   node test/nuxt/run.mjs install   only install the packed package into the example, to
//                                    run it by hand (`npx nuxt build` in examples/nuxt)
//
// Nuxt comes from the repository's devDependencies (`npm ci` installs it); the example
// imports `sealed-session/h3` as an app would: the runner packs this package into
// examples/nuxt/node_modules/sealed-session. Needs `npm run build` first. Ends with
// `N passed, M failed` and exits 1 on any failure.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, run, start, waitForHttp } from '../support/processes.mjs'
import { CookieJar } from '../support/jar.mjs'
import { assert, createTally, equal, finish } from '../support/runner.mjs'
import { installPackedPackage } from '../support/pack.mjs'
import { cacheViolation } from '../support/cache.mjs'
import { pinProblems, readPage } from '../docs/page.mjs'

const root = fileURLToPath(new URL('../../', import.meta.url))
const app = join(root, 'examples/nuxt')
const node24 = join(root, 'node_modules/.bin/node')
const node20 = process.env.NODE20 ?? '/usr/bin/node'
const tally = createTally({ label: '[nuxt]' })
const timings = {}
let servedBy = ''

function check(name, fn) {
  return tally.run(`${name}${servedBy}`, fn)
}

const versionOf = (node) => spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim()
const manifest = (name) => JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8'))

// ---------------------------------------------------------------- install

if (!existsSync(join(root, 'node_modules/nuxt/package.json'))) {
  tally.fail('nuxt is installed', 'node_modules/nuxt is missing: run `npm ci` (nuxt 4.5.2 is a devDependency)')
  finish(tally)
}
const installed = installPackedPackage(app, './h3')
await check('the packed sealed-session (with ./h3) is installed into examples/nuxt', () => assert(installed === true, String(installed)))
if (installed !== true || process.argv[2] === 'install') finish(tally)

// The page is the example: every file shown as it is in examples/nuxt, and back.
await check('docs/frameworks/nuxt.md shows every file of examples/nuxt as it is, and pins the tested versions', () => {
  const { files, installs } = readPage('nuxt')
  const sources = appFiles(app).map((path) => path.slice(app.length + 1)).filter((path) => path !== 'package.json' && path !== '.gitignore')
  const problems = pinProblems(installs)
  for (const name of ['nuxt', 'h3']) if (!installs.some((install) => install.name === name)) problems.push(`the install line has no ${name}`)
  for (const path of sources) {
    const shown = files[path]
    if (shown === undefined) problems.push(`the page does not show ${path}`)
    // The block's first line names the file; the rest is the file.
    else if (shown.split('\n').slice(1).join('\n').trimEnd() !== readFileSync(join(app, path), 'utf8').trimEnd()) problems.push(`the page's ${path} differs from examples/nuxt/${path}`)
  }
  for (const path of Object.keys(files)) if (!sources.includes(path)) problems.push(`the page shows ${path}, which examples/nuxt does not have`)
  assert(problems.length === 0, problems.join('\n'))
})

/** The example's own files: not node_modules, nor the build's dot-folders. */
function appFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return name === 'node_modules' || name.startsWith('.') ? [] : appFiles(path)
    return [path]
  })
}

const { createSessions } = await import(new URL('../../dist/index.js', import.meta.url).href)

// ---------------------------------------------------------------- build and type-check

// No secret at build time, as on a build server: only the server gets it.
const { NUXT_SESSION_SECRETS: _unused, ...inherited } = process.env
const env = { ...inherited, NUXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' }
const versions = ['nuxt', 'nitropack', 'h3', 'vite', 'vue'].map((name) => `${name} ${manifest(name).version}`)
console.log(`[nuxt] nuxt build with Node ${versionOf(node24)} (${versions.join(', ')})`)
rmSync(join(app, '.output'), { recursive: true, force: true })
const built = await run(node24, [join(root, 'node_modules/nuxt/bin/nuxt.mjs'), 'build'], { cwd: app, env, timeoutMs: 240_000 })
timings.build = built.ms
await check('nuxt build of the example succeeds without NUXT_SESSION_SECRETS', () => {
  if (built.code !== 0) throw new Error(`exit ${built.timedOut ? 'timeout' : built.code}\n${built.lines.slice(-40).join('\n')}`)
})
if (built.code !== 0) finish(tally)

// .nuxt/tsconfig.server.json (written by the build) types server/ with Nuxt's auto-imports.
const typecheck = await run(node24, [join(root, 'node_modules/typescript/bin/tsc'), '-p', '.nuxt/tsconfig.server.json', '--noEmit'], { cwd: app, env, timeoutMs: 180_000 })
timings.typecheck = typecheck.ms
await check('the server code type-checks (strict, .nuxt/tsconfig.server.json): useSealedSession(event) typed through Register, no casts', () => {
  if (typecheck.code !== 0) throw new Error(`exit ${typecheck.timedOut ? 'timeout' : typecheck.code}\n${typecheck.lines.slice(-30).join('\n')}`)
})

await check('the session code stays on the server (no sealed-session in .output/public)', () => {
  const scripts = filesUnder(join(app, '.output/public')).filter((file) => file.endsWith('.js'))
  assert(scripts.length > 0, 'no client scripts were built')
  for (const file of scripts) {
    const code = readFileSync(file, 'utf8')
    for (const marker of ['commitSealedSession', 'useSealedSession', 'SessionTooLargeError', 'NUXT_SESSION_SECRETS']) assert(!code.includes(marker), `${file} contains ${marker}`)
  }
})

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })
}

// ---------------------------------------------------------------- serve on each Node

const servers = [node24]
if (existsSync(node20) && versionOf(node20) !== versionOf(node24)) servers.push(node20)
else tally.fail('Node 20 is available to serve the build', `${node20} is missing (set NODE20=/path/to/node)`)
const began = performance.now()
for (const node of servers) {
  servedBy = ` [node ${versionOf(node)}]`
  const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const log = []
  const failedBefore = tally.failed
  // Nuxt's server listens on every interface unless HOST says otherwise.
  const server = start(node, ['.output/server/index.mjs'], { cwd: app, env: { ...env, NUXT_SESSION_SECRETS: secret, HOST: '127.0.0.1', PORT: String(port) }, onLine: (line) => log.push(line) })
  try {
    const ready = await waitForHttp(`${origin}/api/me`, { proc: server, status: 200, timeoutMs: 60_000 })
    await check('.output/server/index.mjs answers on 127.0.0.1', () => assert(ready, `no answer within 60 s\n${log.slice(-20).join('\n')}`))
    if (ready) await drive(origin, secret)
  } finally {
    await server.stop()
  }
  if (tally.failed > failedBefore) console.log(`[nuxt] server log (node ${node}):\n${log.slice(-30).join('\n')}`)
}
servedBy = ''
timings.drive = performance.now() - began

// ---------------------------------------------------------------- the HTTP scenario

async function drive(origin, secret) {
  /** Every response that set a cookie without the cache headers, by request. */
  const violations = []
  let cookieResponses = 0
  async function request(method, path, jar, { form, json, token, accept } = {}) {
    const headers = { accept: accept ?? 'text/html' }
    if (jar.header() !== '') headers.cookie = jar.header()
    if (token !== undefined) headers['x-csrf-token'] = token
    let body
    if (form !== undefined) body = new URLSearchParams(form)
    if (json !== undefined) {
      body = JSON.stringify(json)
      headers['content-type'] = 'application/json'
    }
    const response = await fetch(`${origin}${path}`, { method, headers, body, redirect: 'manual' })
    if (response.headers.getSetCookie().length > 0) cookieResponses++
    const wrong = cacheViolation(response)
    if (wrong !== undefined) violations.push(`${method} ${path}: ${wrong}`)
    jar.update(response)
    return response
  }
  /** The page as a browser gets it: who is signed in, and the CSRF token of its forms. */
  async function page(jar) {
    const response = await request('GET', '/', jar)
    const html = await response.text()
    return { response, who: /<p id="who">([^<]*)<\/p>/.exec(html)?.[1], csrf: /name="_csrf" value="([^"]+)"/.exec(html)?.[1] }
  }
  const opened = (jar) => createSessions({ secrets: secret }).load(jar.header())

  const jar = new CookieJar()
  await check('signed out: the page says so and carries a CSRF token; its session cookie comes with it', async () => {
    const { response, who, csrf } = await page(jar)
    equal(response.status, 200, 'status')
    equal(who, 'Signed out', 'page')
    assert(csrf !== undefined && csrf.length > 20, 'no _csrf field in the form')
    assert(jar.header().startsWith('__Host-session='), `no session cookie kept: ${jar.header()}`)
  })

  await check('CSRF: a sign-in post without the token, or with another session\'s, gets h3\'s 403 (no-store, no cookie)', async () => {
    const before = jar.header()
    const missing = await request('POST', '/api/login', jar, { form: { name: 'Mallory' }, accept: 'application/json' })
    equal(missing.status, 403, 'status without a token')
    equal(missing.headers.get('cache-control'), 'no-store', 'Cache-Control')
    equal(missing.headers.getSetCookie().length, 0, 'Set-Cookie count')
    equal((await missing.json()).message, 'Invalid or missing CSRF token', 'message')
    const other = await page(new CookieJar())
    const foreign = await request('POST', '/api/login', jar, { form: { _csrf: other.csrf, name: 'Mallory' } })
    equal(foreign.status, 403, "status with another session's token")
    equal(jar.header(), before, 'cookie after the refusals')
  })

  await check('sign in: the form post (token in the _csrf field) redirects 303 to / with a new session sealed under the secret', async () => {
    const { csrf } = await page(jar)
    const response = await request('POST', '/api/login', jar, { form: { _csrf: csrf, name: 'Ada' } })
    equal(response.status, 303, 'status')
    equal(response.headers.get('location'), '/', 'location')
    equal(response.headers.getSetCookie().length, 1, 'Set-Cookie count')
    assert(/; HttpOnly/i.test(response.headers.getSetCookie()[0]) && /; Secure/i.test(response.headers.getSetCookie()[0]), 'cookie not HttpOnly; Secure')
    equal((await opened(jar)).subject, 'Ada', 'subject in the cookie')
  })

  await check('read: the page and GET /api/me show the signed-in session', async () => {
    equal((await page(jar)).who, 'Signed in as Ada, 0 visits', 'page')
    const me = await request('GET', '/api/me', jar, { accept: 'application/json' })
    const body = await me.json()
    equal(body.subject, 'Ada', 'subject')
    equal(body.visits, 0, 'visits')
  })

  await check('change: POST /api/visit (token in x-csrf-token) counts, and the page shows it', async () => {
    const { csrf } = await page(jar)
    for (const expected of [1, 2]) {
      const response = await request('POST', '/api/visit', jar, { token: csrf, accept: 'application/json' })
      equal(response.status, 200, 'status')
      equal((await response.json()).visits, expected, 'visits')
      equal(response.headers.getSetCookie().length, 1, 'Set-Cookie count')
      equal(response.headers.get('vary'), 'Cookie', 'Vary')
    }
    equal((await page(jar)).who, 'Signed in as Ada, 2 visits', 'page')
  })

  await check('oversized: a 5000-character note gets h3\'s 500 "Session too large" with the sizes, and the browser keeps its cookie', async () => {
    const { csrf } = await page(jar)
    const before = jar.header()
    const response = await request('POST', '/api/note', jar, { token: csrf, json: { note: 'x'.repeat(5000) }, accept: 'application/json' })
    equal(response.status, 500, 'status')
    equal(response.headers.getSetCookie().length, 0, 'Set-Cookie count')
    const body = await response.json()
    equal(body.statusMessage, 'Session too large', 'statusMessage')
    equal(body.data?.code, 'ERR_SESSION_TOO_LARGE', 'data.code')
    assert(body.data.size > body.data.limit && /at most 4096/.test(body.message), `message: ${body.message}`)
    equal(jar.header(), before, 'cookie')
    equal((await page(jar)).who, 'Signed in as Ada, 2 visits', 'page after the refusal')
  })

  await check('a tampered cookie reads as signed out', async () => {
    const value = jar.header().split('=')[1]
    const flipped = value.slice(0, 40) + (value[40] === 'A' ? 'B' : 'A') + value.slice(41)
    equal((await page(CookieJar.from(`__Host-session=${flipped}`))).who, 'Signed out', 'page')
  })

  await check('sign out: the cookie is removed (Max-Age=0) and the page is signed out', async () => {
    const { csrf } = await page(jar)
    const response = await request('POST', '/api/logout', jar, { form: { _csrf: csrf } })
    equal(response.status, 303, 'status')
    assert(response.headers.getSetCookie().some((line) => /Max-Age=0/i.test(line)), 'no removal cookie')
    equal((await page(jar)).who, 'Signed out', 'page')
  })

  await check('cache headers: every response that set the cookie said no-store and Vary: Cookie', () => {
    assert(cookieResponses >= 8, `only ${cookieResponses} responses set a cookie`)
    assert(violations.length === 0, violations.join('\n'))
  })
}

console.log(`[nuxt] timings: build ${Math.round(timings.build / 1000)} s, type-check ${Math.round(timings.typecheck / 1000)} s, drive on ${servers.length} Nodes ${Math.round(timings.drive / 1000)} s`)
finish(tally)
