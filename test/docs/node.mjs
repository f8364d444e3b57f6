/**
 * The Node page (docs/frameworks/node.md), run: its files (`src/session-types.ts`,
 * `src/server.ts` on Express, `src/plain.ts` on `node:http`, `src/fastify.ts`) are written
 * into a fresh project with the packed package (`npm pack`) and express, @types/express,
 * fastify and typescript linked from the repository, after checking that the page pins
 * exactly those versions. The page's own `npx tsc …` line compiles them, and each server
 * is started with the page's `node dist/….js` on Node 24 (the `node` devDependency) and
 * Node 20 (/usr/bin/node, or NODE20=/path/to/node) on a free 127.0.0.1 port and driven
 * over HTTP: the first page, CSRF refused, sign in, read, change, sign out.
 *
 *   npm run build && node test/docs/node.mjs
 *
 * Ends with `N passed, M failed`; every server is stopped by PID.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { httpClient as client } from '../support/jar.mjs'
import { cleanUp, freePort, start, waitForHttp } from '../support/processes.mjs'
import { assert, createSuite, deepEqual, equal, finish } from '../support/runner.mjs'
import { installPackedPackage, linkFromRoot, ROOT, tempProject } from './project.mjs'
import { pagePath, pinProblems, readPage, requireFiles, rootVersion } from './page.mjs'

const PAGE = 'node'
const LINKED = ['express', '@types/express', 'fastify', 'typescript']
const SECRET = 'a-test-secret-of-at-least-32-characters-0123456789'
const RUNTIMES = { 'node 24': join(ROOT, 'node_modules/.bin/node'), 'node 20': process.env.NODE20 ?? '/usr/bin/node' }

/** Writes the page's files into `dir` with the packages it pins, and compiles them with its `npx tsc` line. */
function assemble(dir) {
  const { files, installs, text } = readPage(PAGE)
  requireFiles(PAGE, files, ['src/session-types.ts', 'src/server.ts', 'src/plain.ts', 'src/fastify.ts'])
  // The Fastify section pins its version in the text (`npm install fastify@…`).
  for (const match of text.matchAll(/npm install ((?:[\w@/.-]+ ?)+)/g)) {
    for (const word of match[1].split(' ').filter((w) => /^[\w@/.-]+@\d/.test(w))) {
      const at = word.lastIndexOf('@')
      if (!installs.some((i) => i.name === word.slice(0, at))) installs.push({ name: word.slice(0, at), version: word.slice(at + 1), dev: false })
    }
  }
  const missing = installs.map(({ name }) => name).filter((name) => name !== 'sealed-session' && !LINKED.includes(name))
  if (missing.length > 0) throw new Error(`${pagePath(PAGE)} installs ${missing.join(', ')}, which this runner does not provide`)
  const unpinned = pinProblems(installs)
  if (unpinned.length > 0) throw new Error(`${pagePath(PAGE)}: ${unpinned.join('; ')}`)
  for (const name of LINKED) if (!installs.some((i) => i.name === name)) throw new Error(`${pagePath(PAGE)} never installs ${name}@${rootVersion(name)}`)
  for (const [name, code] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true })
    writeFileSync(join(dir, name), `${code}\n`)
  }
  // What `npm init -y && npm pkg set type=module` leaves that matters here.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-app', private: true, type: 'module' }, null, 2))
  installPackedPackage(dir)
  linkFromRoot(dir, LINKED)
  const line = text.split('\n').find((l) => l.startsWith('npx tsc '))
  if (line === undefined) throw new Error(`${pagePath(PAGE)} has no "npx tsc …" line`)
  const args = line.trim().split(/\s+/).slice(2).flatMap((arg) => (arg === 'src/*.ts' ? Object.keys(files).filter((f) => /^src\/[^/]+\.ts$/.test(f)) : [arg]))
  const tsc = spawnSync(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 })
  if (tsc.status !== 0) throw new Error(`${line} failed:\n${tsc.stdout}${tsc.stderr}`)
  const runs = text.split('\n').filter((l) => /^SESSION_SECRETS=\S+ node dist\/\w+\.js/.test(l))
  if (runs.length === 0) throw new Error(`${pagePath(PAGE)} has no "SESSION_SECRETS=… node dist/….js" line`)
}

function setsSession(response, what) {
  assert(response.setCookie.some((line) => /^__Host-session=[\w-]{100,};.*Path=\/.*Secure.*HttpOnly/.test(line)), `${what}: Set-Cookie ${response.setCookie.join(' | ') || '(none)'}`)
  equal(response.headers.get('cache-control'), 'no-store', `${what}: Cache-Control`)
  assert(/\bCookie\b/.test(response.headers.get('vary') ?? ''), `${what}: Vary ${response.headers.get('vary')}`)
}
function refused(response, what) {
  equal(response.status, 403, `${what}: status`)
  equal(response.setCookie.length, 0, `${what}: Set-Cookie count`)
}
const expired = (response) => response.setCookie.some((line) => line.startsWith('__Host-session=;') && /Max-Age=0/.test(line))

/** The drives, one per server file of the page. */
const SERVERS = {
  express: {
    file: 'dist/server.js',
    async drive(test, c) {
      const csrf = (html) => html.match(/name="_csrf" value="([^"]+)"/)?.[1]
      let token
      test('GET / is the page, signed out; its CSRF secret sets the cookie with no-store and Vary: Cookie', async () => {
        const page = await c.request('/')
        equal(page.status, 200, 'status')
        assert(page.text.includes('<p>signed out: 0 items</p>'), page.text.slice(0, 200))
        token = csrf(page.text)
        assert(token !== undefined, 'no _csrf field')
        setsSession(page, 'GET /')
      })
      test('a sign-in without the _csrf field is refused (403, nothing set)', async () => {
        refused(await c.request('/login', { method: 'POST', form: {} }), 'POST /login')
      })
      test('signs in (form with _csrf): 303 and a new cookie; the next page reads it', async () => {
        const signedIn = await c.request('/login', { method: 'POST', form: { _csrf: token } })
        equal(signedIn.status, 303, 'status')
        setsSession(signedIn, 'POST /login')
        const page = await c.request('/')
        assert(page.text.includes('<p>user-123: 0 items</p>'), page.text.slice(0, 200))
        token = csrf(page.text)
      })
      test('changes the session: the cart holds 1 item', async () => {
        const added = await c.request('/cart', { method: 'POST', form: { _csrf: token } })
        equal(added.status, 303, 'status')
        setsSession(added, 'POST /cart')
        assert((await c.request('/')).text.includes('<p>user-123: 1 items</p>'), 'the cart did not change')
      })
      test('signs out: the cookie is expired, the next page is signed out', async () => {
        const out = await c.request('/logout', { method: 'POST', form: { _csrf: token } })
        equal(out.status, 303, 'status')
        assert(expired(out), `Set-Cookie ${out.setCookie.join(' | ')}`)
        assert((await c.request('/')).text.includes('<p>signed out: 0 items</p>'), 'still signed in')
      })
    },
  },
  'node:http': {
    file: 'dist/plain.js',
    async drive(test, c) {
      let token
      test('GET / counts a visit and sets the cookie with no-store and Vary: Cookie', async () => {
        const first = await c.request('/')
        equal(first.status, 200, 'status')
        const body = JSON.parse(first.text)
        deepEqual([body.user, body.visits], [null, 1], 'user, visits')
        token = body.csrf
        setsSession(first, 'GET /')
        equal(JSON.parse((await c.request('/')).text).visits, 2, 'visits on the next request')
      })
      test('a sign-in without x-csrf-token is refused (403, nothing set)', async () => {
        const response = await c.request('/login', { method: 'POST' })
        refused(response, 'POST /login')
        equal(response.text, 'Invalid or missing CSRF token', 'body')
      })
      test('signs in (x-csrf-token): a new cookie; the next request reads it', async () => {
        const signedIn = await c.request('/login', { method: 'POST', token })
        equal(JSON.parse(signedIn.text).user, 'user-123', 'user')
        setsSession(signedIn, 'POST /login')
        const next = JSON.parse((await c.request('/')).text)
        equal(next.user, 'user-123', 'user on the next request')
        token = next.csrf
      })
      test('signs out: the next request is signed out', async () => {
        const out = await c.request('/logout', { method: 'POST', token })
        equal(out.status, 200, 'status')
        equal(JSON.parse(out.text).user, null, 'user')
        equal(JSON.parse((await c.request('/')).text).user, null, 'user on the next request')
      })
    },
  },
  fastify: {
    file: 'dist/fastify.js',
    async drive(test, c) {
      let token
      test('GET / answers JSON, signed out; its CSRF secret sets the cookie with no-store and Vary: Cookie', async () => {
        const first = await c.request('/')
        equal(first.status, 200, 'status')
        const body = JSON.parse(first.text)
        deepEqual([body.user, body.cart], [null, []], 'user, cart')
        token = body.csrf
        setsSession(first, 'GET /')
      })
      test('a sign-in without the token is refused (403, nothing set)', async () => {
        refused(await c.request('/login', { method: 'POST' }), 'POST /login')
        refused(await c.request('/login', { method: 'POST', json: { _csrf: 'x'.repeat(43) } }), 'POST /login with a wrong token')
      })
      test('signs in (x-csrf-token): a new cookie; the next request reads it', async () => {
        const signedIn = await c.request('/login', { method: 'POST', token })
        equal(signedIn.status, 200, 'status')
        setsSession(signedIn, 'POST /login')
        const next = JSON.parse((await c.request('/')).text)
        equal(next.user, 'user-123', 'user on the next request')
        token = next.csrf
      })
      test('changes the session (the token as a JSON _csrf field): the cart holds an apple', async () => {
        const added = await c.request('/cart', { method: 'POST', json: { _csrf: token } })
        equal(added.status, 200, 'status')
        setsSession(added, 'POST /cart')
        deepEqual(JSON.parse((await c.request('/')).text).cart, ['apple'], 'cart')
      })
      test('signs out: the cookie is expired, the next request is signed out', async () => {
        const out = await c.request('/logout', { method: 'POST', token })
        equal(out.status, 200, 'status')
        assert(expired(out), `Set-Cookie ${out.setCookie.join(' | ')}`)
        equal(JSON.parse((await c.request('/')).text).user, null, 'user on the next request')
      })
    },
  },
}

async function serve(dir, runtime, bin, name, { file, drive }) {
  const label = `[${runtime} ${name}]`
  const { test, run } = createSuite({ label, timeoutMs: 30_000 })
  const log = []
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const server = start(bin, [file], { cwd: dir, env: { ...process.env, SESSION_SECRETS: SECRET, PORT: String(port) }, onLine: (line) => log.push(line) })
  try {
    const ready = await waitForHttp(`${origin}/`, { proc: server, timeoutMs: 20_000, status: 200 })
    test(`node ${file} listens on ${origin}`, () => assert(ready, `no answer within 20 s\n${log.slice(-20).join('\n')}`))
    if (ready) await drive(test, client(origin))
    return await run()
  } finally {
    await server.stop()
  }
}

const started = performance.now()
const total = { passed: 0, failed: 0 }
const dir = tempProject('sealed-session-node-page-')
try {
  assemble(dir)
  total.passed++
  console.log(`[node page] ok - ${pagePath(PAGE)} assembled and compiled with its own tsc line`)
  for (const [runtime, bin] of Object.entries(RUNTIMES)) {
    if (!existsSync(bin)) {
      total.failed++
      console.log(`[${runtime}] not ok - ${bin} does not exist`)
      continue
    }
    const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim()
    console.log(`[${runtime}] ${version}`)
    for (const [name, server] of Object.entries(SERVERS)) {
      const tally = await serve(dir, runtime, bin, name, server)
      total.passed += tally.passed
      total.failed += tally.failed
    }
  }
} catch (error) {
  total.failed++
  console.log(`[node page] not ok - the page runs\n    ${error instanceof Error ? error.message : String(error)}`)
} finally {
  rmSync(dir, { recursive: true, force: true })
  cleanUp()
}
console.log(`node page: ${((performance.now() - started) / 1000).toFixed(1)} s`)
finish(total)
