/**
 * The Deno and Bun pages, run: the server file each page shows (docs/frameworks/deno.md's
 * `main.ts`, bun.md's `server.ts`) is written into a fresh folder whose
 * node_modules/sealed-session is the packed package (what `deno add npm:sealed-session` /
 * `bun add sealed-session` give), started with the page's own command line on the `deno`
 * and `bun` devDependencies, on a free 127.0.0.1 port, and driven over HTTP: the sign-in
 * form, a cross-site post refused, sign in, the session read, sign out.
 *
 *   npm run build && node test/docs/servers.mjs [deno] [bun]
 *
 * Ends with `N passed, M failed`; every server is stopped by PID.
 */
import { writeFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { CookieJar } from '../support/jar.mjs'
import { cleanUp, freePort, start, waitForHttp } from '../support/processes.mjs'
import { assert, createSuite, equal, finish } from '../support/runner.mjs'
import { installPackedPackage, ROOT, tempProject } from './project.mjs'
import { pagePath, readPage, requireFiles } from './page.mjs'

const RUNTIMES = {
  deno: { file: 'main.ts', bin: join(ROOT, 'node_modules/.bin/deno'), portVar: 'PORT' },
  bun: { file: 'server.ts', bin: join(ROOT, 'node_modules/.bin/bun'), portVar: 'PORT' },
}
const asked = process.argv.slice(2)
const SECRET = 'a-test-secret-of-at-least-32-characters-0123456789'

/** The page's run line (`SESSION_SECRETS=… deno run … main.ts`) as argv for our binary. */
function runLine(text, runtime, file) {
  const line = text.split('\n').find((l) => l.startsWith('SESSION_SECRETS=') && l.includes(` ${file}`))
  if (line === undefined) throw new Error(`${pagePath(runtime)} has no "SESSION_SECRETS=… ${runtime} … ${file}" line`)
  const words = line.replace(/#.*$/, '').trim().split(/\s+/)
  const at = words.indexOf(runtime)
  if (at < 0) throw new Error(`the run line does not call ${runtime}: ${line}`)
  return words.slice(at + 1)
}

async function runtimeSuite(runtime) {
  const { file, bin } = RUNTIMES[runtime]
  const { files, text } = readPage(runtime)
  requireFiles(runtime, files, [file])
  const dir = tempProject(`sealed-session-${runtime}-page-`)
  const log = []
  let server
  const { test, run } = createSuite({ label: `[${runtime}]`, timeoutMs: 30_000 })
  try {
    writeFileSync(join(dir, file), files[file])
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-app', private: true, type: 'module' }))
    installPackedPackage(dir)
    const args = runLine(text, runtime, file)
    const port = await freePort()
    const origin = `http://127.0.0.1:${port}`
    const env = { ...process.env, SESSION_SECRETS: SECRET, PORT: String(port), DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1' }
    console.log(`[${runtime}] ${runtime} ${args.join(' ')} (from ${pagePath(runtime)}) on ${origin}`)
    server = start(bin, args, { cwd: dir, env, onLine: (line) => log.push(line) })
    const ready = await waitForHttp(`${origin}/`, { proc: server, timeoutMs: 30_000, status: 200 })
    const jar = new CookieJar()
    const request = async (path, { method = 'GET', form, from = origin } = {}) => {
      const headers = {}
      if (jar.size > 0) headers.cookie = jar.header()
      if (from !== undefined && method !== 'GET') headers.origin = from
      const response = await fetch(`${origin}${path}`, { method, headers, body: form && new URLSearchParams(form), redirect: 'manual', signal: AbortSignal.timeout(10_000) })
      const setCookie = response.headers.getSetCookie()
      jar.update(setCookie)
      return { status: response.status, headers: response.headers, setCookie, text: await response.text() }
    }

    test(`the page's ${file} serves on ${runtime}: GET / is the sign-in form, no cookie yet`, async () => {
      assert(ready, `no answer within 30 s\n${log.slice(-20).join('\n')}`)
      const page = await request('/')
      equal(page.status, 200, 'status')
      assert(page.text.includes('action="/login"'), `no sign-in form: ${page.text.slice(0, 200)}`)
      equal(page.setCookie.length, 0, 'Set-Cookie count')
    })
    test('a cross-site sign-in is refused (403) and sets nothing', async () => {
      const response = await request('/login', { method: 'POST', form: { name: 'mallory' }, from: 'https://evil.example' })
      equal(response.status, 403, 'status')
      equal(response.setCookie.length, 0, 'Set-Cookie count')
    })
    test('signs in: 303 with the __Host-session cookie (Secure, HttpOnly) and no-store', async () => {
      const response = await request('/login', { method: 'POST', form: { name: 'Zoë Ada' } })
      equal(response.status, 303, 'status')
      equal(response.setCookie.length, 1, 'Set-Cookie count')
      assert(/^__Host-session=[\w-]{100,};.*Path=\/.*Secure.*HttpOnly/.test(response.setCookie[0]), `Set-Cookie …${response.setCookie[0]?.slice(-80)}`)
      equal(response.headers.get('cache-control'), 'no-store', 'Cache-Control')
    })
    test('reads the session on the next request', async () => {
      const page = await request('/')
      assert(page.text.includes('<b id="user">Zoë Ada</b>'), `not signed in: ${page.text.slice(0, 200)}`)
    })
    test('signs out: the cookie is expired, the next page is the sign-in form again', async () => {
      const response = await request('/logout', { method: 'POST' })
      equal(response.status, 303, 'status')
      assert(response.setCookie.some((line) => line.startsWith('__Host-session=;') && /Max-Age=0/.test(line)), `Set-Cookie ${response.setCookie.join(' | ')}`)
      assert(!jar.has('__Host-session'), 'the cookie is still in the jar')
      assert((await request('/')).text.includes('action="/login"'), 'still signed in')
    })
    return await run()
  } finally {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

const started = performance.now()
const total = { passed: 0, failed: 0 }
for (const runtime of asked.length > 0 ? asked : Object.keys(RUNTIMES)) {
  if (!(runtime in RUNTIMES)) {
    console.error(`unknown runtime ${runtime}; choose ${Object.keys(RUNTIMES).join(', ')}`)
    process.exit(2)
  }
  try {
    const tally = await runtimeSuite(runtime)
    total.passed += tally.passed
    total.failed += tally.failed
  } catch (error) {
    total.failed++
    console.log(`[${runtime}] not ok - the page runs\n    ${error instanceof Error ? error.message : String(error)}`)
  }
}
cleanUp()
console.log(`servers: ${((performance.now() - started) / 1000).toFixed(1)} s`)
finish(total)
