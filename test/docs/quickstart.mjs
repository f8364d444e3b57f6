/**
 * The Hono page (docs/frameworks/hono.md), run: a fresh project is assembled in a temp dir
 * from the page's blocks that start with a file-name comment (`// wrangler.jsonc`,
 * `# .dev.vars`, `// tsconfig.json`, `// src/index.ts`), with the packed package
 * (`npm pack`) and hono, wrangler, @cloudflare/workers-types and typescript linked from the
 * repository, after checking that the page's install lines pin exactly those versions. The
 * `.dev.vars` secret comes from the packed CLI (`sealed-session secret`), as the page says. Then `tsc` type-checks
 * the app, `wrangler dev` serves it on a free 127.0.0.1 port with local KV, and the app
 * is driven over HTTP: the page, sign-in, the cart, sign-out, and CSRF refusals.
 *
 *   npm run build && npm run test:quickstart      (node test/docs/quickstart.mjs)
 *
 * Ends with `N passed, M failed`; every server it starts is stopped by PID.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CookieJar } from '../support/jar.mjs'
import { cleanUp, startWrangler } from '../support/processes.mjs'
import { assert as expect, createSuite, equal, finish } from '../support/runner.mjs'
import { installPackedPackage, linkFromRoot, tempProject } from './project.mjs'
import { pagePath, pinProblems, readPage, requireFiles } from './page.mjs'

const PAGE = 'hono'
const DEADLINE_MS = 150_000
const LINKED = ['hono', 'wrangler', '@cloudflare/workers-types', 'typescript']

/** Writes the page's files into `dir`, with the packages its `npm install` lines pin. */
function assemble(dir) {
  const { files, installs } = readPage(PAGE)
  requireFiles(PAGE, files, ['wrangler.jsonc', '.dev.vars', 'tsconfig.json', 'src/index.ts'])
  const names = installs.map(({ name }) => name)
  const missing = names.filter((name) => name !== 'sealed-session' && !LINKED.includes(name))
  if (missing.length > 0) throw new Error(`${pagePath(PAGE)} installs ${missing.join(', ')}, which this runner does not provide`)
  const unpinned = pinProblems(installs)
  if (unpinned.length > 0) throw new Error(`${pagePath(PAGE)}: ${unpinned.join('; ')}`)
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true })
    writeFileSync(join(dir, name), `${text}\n`)
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-app', private: true, type: 'module' }, null, 2))
  installPackedPackage(dir)
  // The repository's copies, which pinProblems() proved are the versions the page pins.
  linkFromRoot(dir, LINKED)
  // The secret, made the way the page says: `npx sealed-session secret` (the packed bin).
  const secret = spawnSync(process.execPath, [join(dir, 'node_modules/sealed-session/bin/sealed-session.mjs'), 'secret'], { cwd: dir, encoding: 'utf8' })
  if (secret.status !== 0 || !/^\S{32,}$/.test(secret.stdout.trim())) throw new Error(`sealed-session secret failed: ${secret.stderr}`)
  const vars = readFileSync(join(dir, '.dev.vars'), 'utf8')
  if (!/^SESSION_SECRETS=/m.test(vars)) throw new Error('.dev.vars has no SESSION_SECRETS= line')
  writeFileSync(join(dir, '.dev.vars'), vars.replace(/^SESSION_SECRETS=.*$/m, `SESSION_SECRETS=${secret.stdout.trim()}`))
  return files
}

/** `npx wrangler dev` in the project, on free ports, local KV in a temp dir; stop() kills its process group. */
function startWranglerDev(dir) {
  return startWrangler({ cwd: dir, wrangler: join(dir, 'node_modules/wrangler/bin/wrangler.js'), logFile: join(dir, 'wrangler.log') })
}

/** A cookie jar over fetch; posts forms with the page's `_csrf` and our Origin unless told otherwise. */
class Client {
  jar = new CookieJar()
  setCookie = []
  constructor(base) {
    this.base = base
  }

  async request(path, { form, headers = {} } = {}) {
    const sent = new Headers(headers)
    if (this.jar.size > 0) sent.set('cookie', this.jar.header())
    const response = await fetch(`${this.base}${path}`, {
      method: form === undefined ? 'GET' : 'POST',
      body: form === undefined ? undefined : new URLSearchParams(form),
      headers: sent,
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    })
    this.setCookie = response.headers.getSetCookie()
    this.jar.update(this.setCookie)
    return { status: response.status, headers: response.headers, text: await response.text() }
  }

  async token() {
    const page = await this.request('/')
    equal(page.status, 200, 'GET / status')
    const token = page.text.match(/name="_csrf" value="([A-Za-z0-9_-]+)"/)?.[1]
    expect(token !== undefined, `GET / has no _csrf field: ${page.text.slice(0, 300)}`)
    return token
  }

  async post(path, form = {}) {
    return this.request(path, { form: { ...form, _csrf: await this.token() }, headers: { origin: this.base } })
  }
}

function suite({ url }) {
  const { test, run } = createSuite({ timeoutMs: 30_000 })
  const person = new Client(url)

  test('tsc type-checks the app as the page sets it up (KVNamespace fits kvRevocations)', async () => {
    const tsc = spawnSync(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--pretty', 'false'], { cwd: project, encoding: 'utf8', timeout: 60_000 })
    equal(tsc.status, 0, `tsc exit status (${`${tsc.stdout}${tsc.stderr}`.trim()})`)
  })

  test('GET / shows the sign-in form with a CSRF token, in a development cookie (DEV=1: `session`, not Secure)', async () => {
    const page = await person.request('/')
    equal(page.status, 200, 'GET / status')
    expect(page.text.includes('action="/login"'), `no sign-in form: ${page.text.slice(0, 300)}`)
    expect(/name="_csrf" value="[A-Za-z0-9_-]{20,}"/.test(page.text), 'no _csrf field')
    equal(person.setCookie.length, 1, 'Set-Cookie count')
    expect(/^session=[A-Za-z0-9_-]{100,}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/.test(person.setCookie[0]), `Set-Cookie: ${person.setCookie[0]?.slice(0, 20)}…${person.setCookie[0]?.slice(-60)}`)
  })

  test('refuses a sign-in without the right Origin or without the session\'s token (403), and signs nobody in', async () => {
    const token = await person.token()
    const attempts = [
      { form: { user: 'mallory', _csrf: token }, headers: { origin: 'https://evil.example' } },
      { form: { user: 'mallory', _csrf: token }, headers: {} },
      { form: { user: 'mallory' }, headers: { origin: url } },
      { form: { user: 'mallory', _csrf: 'forged' }, headers: { origin: url } },
    ]
    for (const attempt of attempts) {
      const response = await person.request('/login', attempt)
      equal(response.status, 403, `POST /login with ${JSON.stringify({ ...attempt, form: Object.keys(attempt.form) })}`)
      equal(person.setCookie.length, 0, 'Set-Cookie on a refused post')
    }
    const page = await person.request('/')
    expect(page.text.includes('action="/login"'), 'still signed out')
  })

  test('signs in, then reads the session on the next request', async () => {
    const login = await person.post('/login', { user: 'ada' })
    equal(login.status, 303, 'POST /login status')
    equal(login.headers.get('location'), '/', 'redirect target')
    equal(person.setCookie.length, 1, 'Set-Cookie on sign-in')
    equal(login.headers.get('cache-control'), 'no-store', 'Cache-Control on sign-in')
    const page = await person.request('/')
    expect(page.text.includes('<b id="user">ada</b>'), `not signed in: ${page.text.slice(0, 300)}`)
    expect(page.text.includes('<span id="cart">0</span>'), 'empty cart')
  })

  test('adds to the cart twice; the cart is in the cookie', async () => {
    for (let i = 1; i <= 2; i++) {
      equal((await person.post('/cart')).status, 303, `POST /cart ${i}`)
      const page = await person.request('/')
      expect(page.text.includes(`<span id="cart">${i}</span>`), `cart count ${i}: ${page.text.slice(0, 300)}`)
    }
  })

  test('"sign out everywhere" signs out the browser that asked at once (revokeSubject() and logout())', async () => {
    const other = new Client(url)
    equal((await other.post('/login', { user: 'grace' })).status, 303, 'POST /login status')
    expect((await other.request('/')).text.includes('<b id="user">grace</b>'), 'signed in')
    const response = await other.post('/logout-everywhere')
    equal(response.status, 303, 'POST /logout-everywhere status')
    expect(other.setCookie.some((line) => line.startsWith('session=;') && /Max-Age=0/.test(line)), `Set-Cookie: ${other.setCookie.map((l) => l.slice(0, 20)).join(', ')}`)
    expect((await other.request('/')).text.includes('action="/login"'), 'still signed in after sign out everywhere')
  })

  test('signs out: the cookie is expired and the next page is the sign-in form', async () => {
    const before = person.jar.get('session')
    const logout = await person.post('/logout')
    equal(logout.status, 303, 'POST /logout status')
    expect(person.setCookie.some((line) => line.startsWith('session=;') && /Max-Age=0/.test(line)), `Set-Cookie on sign-out: ${person.setCookie.map((l) => l.slice(0, 20)).join(', ')}`)
    const page = await person.request('/')
    expect(page.text.includes('action="/login"'), 'signed out')
    expect(person.jar.get('session') !== before, 'the signed-in cookie is gone from the jar')
  })

  return { run }
}

function productionSuite({ url }) {
  const { test, run } = createSuite({ timeoutMs: 30_000 })
  test('without DEV: the cookie is __Host-session with Secure, and sign-in works (curl and Chromium keep it on 127.0.0.1)', async () => {
    const client = new Client(url)
    await client.request('/')
    equal(client.setCookie.length, 1, 'Set-Cookie count')
    expect(/^__Host-session=[A-Za-z0-9_-]{100,}; Max-Age=\d+; Path=\/; Secure; HttpOnly; SameSite=Lax$/.test(client.setCookie[0]), `Set-Cookie: …${client.setCookie[0]?.slice(-60)}`)
    equal((await client.post('/login', { user: 'bo' })).status, 303, 'POST /login status')
    expect((await client.request('/')).text.includes('<b id="user">bo</b>'), 'signed in')
  })
  return { run }
}

const project = tempProject('sealed-session-quickstart-')
async function main() {
  const started = performance.now()
  let server
  let result = { passed: 0, failed: 0 }
  const deadline = setTimeout(() => {
    console.log(`quickstart: over ${DEADLINE_MS / 1000} s, stopping`)
    cleanUp()
    rmSync(project, { recursive: true, force: true })
    finish({ passed: 0, failed: 1 })
  }, DEADLINE_MS)

  try {
    const files = assemble(project)
    console.log(`quickstart: assembled ${Object.keys(files).join(', ')} from ${pagePath(PAGE)} in ${project}`)
    server = await startWranglerDev(project)
    console.log(`quickstart: wrangler dev at ${server.url}`)
    result = await suite(server).run()
    // Then as deployed: without the DEV line the cookie is the Secure __Host-session.
    await server.stop()
    const vars = readFileSync(join(project, '.dev.vars'), 'utf8')
    if (!/^DEV=/m.test(vars)) throw new Error('.dev.vars has no DEV= line')
    writeFileSync(join(project, '.dev.vars'), vars.replace(/^DEV=.*\n?/m, ''))
    server = await startWranglerDev(project)
    console.log(`quickstart: wrangler dev at ${server.url} without DEV`)
    const production = await productionSuite(server).run()
    result = { passed: result.passed + production.passed, failed: result.failed + production.failed }
  } catch (error) {
    result.failed++
    console.log(`quickstart could not start: ${error instanceof Error ? error.message : String(error)}`)
  } finally {
    await server?.stop()
    clearTimeout(deadline)
    rmSync(project, { recursive: true, force: true })
  }
  console.log(`quickstart: ${((performance.now() - started) / 1000).toFixed(1)} s`)
  finish(result)
}

await main()
