// Runs test/conformance/suite.mjs against the built package on every runtime we promise:
//
//   node test/conformance/run.mjs              all of them
//   node test/conformance/run.mjs deno bun     some of them (deno, bun, node20, node24)
//
// Needs `npm run build` first. Deno and Bun come from the npm packages `deno` and `bun`
// (node_modules/.bin), Node 24 from the npm package `node`, and Node 20 is the machine's
// own /usr/bin/node (set NODE20=/path/to/node to use another one). For Deno and Bun it
// also starts examples/deno and examples/bun with the command their comments give, and
// drives them over HTTP. Ends with `N passed, M failed` over everything and exits 1 on
// any failure.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { freePort, run, start, waitForHttp } from '../support/processes.mjs'
import { CookieJar } from '../support/jar.mjs'
import { finish } from '../support/runner.mjs'

const root = fileURLToPath(new URL('../../', import.meta.url))
const bin = (name) => `${root}node_modules/.bin/${name}`
const suite = fileURLToPath(new URL('./suite.mjs', import.meta.url))

const runtimes = {
  deno: {
    command: bin('deno'),
    // Offline: hono resolves from node_modules (manual mode), no lockfile is written, no update check.
    args: ['run', '--node-modules-dir=manual', '--no-lock', '--allow-net=127.0.0.1', '--allow-read', '--allow-env', suite],
  },
  bun: { command: bin('bun'), args: [suite] },
  node20: { command: process.env.NODE20 ?? '/usr/bin/node', args: [suite] },
  node24: { command: bin('node'), args: [suite] },
}

// The one-command examples, run exactly as documented (from the repository root).
const examples = {
  deno: { command: bin('deno'), args: ['run', '--allow-net=127.0.0.1', '--allow-env=SESSION_SECRET,PORT', 'examples/deno/main.ts'] },
  bun: { command: bin('bun'), args: ['examples/bun/server.ts'] },
}

const asked = process.argv.slice(2)
for (const name of asked) {
  if (!(name in runtimes)) {
    console.error(`unknown runtime ${JSON.stringify(name)}; choose from ${Object.keys(runtimes).join(', ')}`)
    process.exit(2)
  }
}
if (!existsSync(`${root}dist/index.js`) || !existsSync(`${root}dist/hono/index.js`)) {
  console.error('dist/ is missing: run `npm run build` first')
  finish({ passed: 0, failed: 1 })
}

const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1' }
const rows = []
for (const name of asked.length > 0 ? asked : Object.keys(runtimes)) {
  const { command, args } = runtimes[name]
  if (!existsSync(command)) {
    console.log(`[${name}] not ok - ${command} does not exist`)
    rows.push({ name, version: '-', passed: 0, failed: 1, ms: 0 })
    continue
  }
  const result = await run(command, args, { cwd: root, env, timeoutMs: 60_000, onLine: (line) => console.log(line) })
  const { summary } = result
  const version = /^\[(\S+ \S+)\]/.exec(result.lines.find((line) => line.startsWith('[')) ?? '')?.[1] ?? '?'
  let { passed = 0, failed = 0 } = summary ?? {}
  if (result.timedOut || result.code !== 0 || summary === undefined) {
    if (failed === 0) failed = 1
    console.log(`[${name}] not ok - exited with ${result.timedOut ? 'a timeout after 60 s' : `code ${result.code}`}`)
  }
  rows.push({ name, version, passed, failed, ms: result.ms })
}

for (const name of asked.length > 0 ? asked : Object.keys(runtimes)) {
  if (!(name in examples)) continue
  const began = performance.now()
  const ok = await driveExample(name)
  rows.push({ name: `${name} example`, version: '', passed: ok ? 1 : 0, failed: ok ? 0 : 1, ms: performance.now() - began })
}

console.log('\nruntime       version          passed  failed  time')
for (const row of rows) {
  console.log(`${row.name.padEnd(13)} ${row.version.padEnd(16)} ${String(row.passed).padStart(6)}  ${String(row.failed).padStart(6)}  ${(row.ms / 1000).toFixed(1)} s`)
}
finish({ passed: rows.reduce((sum, row) => sum + row.passed, 0), failed: rows.reduce((sum, row) => sum + row.failed, 0) })

/** Starts examples/<name> on a free port and signs in and out through it. */
async function driveExample(name) {
  const { command, args } = examples[name]
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const log = []
  const secret = 'Mn4Bv7Cx0Zl3Kj6Hg9Fd2Sa5Po8Iu1Yt4Re7Wq0Eb3n'
  const server = start(command, args, { cwd: root, env: { ...env, PORT: String(port), SESSION_SECRET: secret }, onLine: (line) => log.push(line) })
  const title = `examples/${name} serves a visit counter with sign-in and sign-out, and a 400 for a malformed form (${[command.replace(root, ''), ...args].join(' ')})`
  try {
    if (!(await waitForHttp(`${origin}/`, { proc: server, timeoutMs: 10_000, intervalMs: 200 }))) throw new Error(`no answer on ${origin} within 10 s`)
    const get = async (cookie) => {
      const response = await fetch(`${origin}/`, { headers: cookie ? { cookie } : {} })
      return { response, html: await response.text() }
    }
    const post = (path, cookie, body) =>
      fetch(`${origin}${path}`, { method: 'POST', redirect: 'manual', body, headers: { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' } })
    const jar = new CookieJar()
    const cookieOf = (response) => jar.update(response).header()
    const first = await get()
    const visits = (html) => /id="visits">(\d+)</.exec(html)?.[1]
    if (visits(first.html) !== '1') throw new Error(`first visit shows ${visits(first.html)}`)
    let cookie = cookieOf(first.response)
    if (!cookie.startsWith('__Host-session=')) throw new Error(`no session cookie: ${first.response.headers.getSetCookie()}`)
    const second = await get(cookie)
    if (visits(second.html) !== '2') throw new Error(`second visit shows ${visits(second.html)}`)
    cookie = cookieOf(second.response)
    const malformed = await fetch(`${origin}/login`, { method: 'POST', redirect: 'manual', body: 'not a multipart body', headers: { cookie, 'content-type': 'multipart/form-data; boundary=x' } })
    if (malformed.status !== 400) throw new Error(`POST /login with a malformed form body answered ${malformed.status}, not 400`)
    const login = await post('/login', cookie, 'name=Ada')
    if (login.status !== 303) throw new Error(`POST /login answered ${login.status}`)
    cookie = cookieOf(login)
    const signedIn = await get(cookie)
    if (!/id="user">Ada</.test(signedIn.html) || visits(signedIn.html) !== '3') throw new Error('not signed in as Ada on visit 3')
    cookie = cookieOf(signedIn.response)
    const logout = await post('/logout', cookie, '')
    if (!/^__Host-session=; Max-Age=0;/.test(logout.headers.getSetCookie()[0] ?? '')) throw new Error(`POST /logout did not expire the cookie: ${logout.headers.getSetCookie()}`)
    console.log(`[${name} example] ok - ${title}`)
    return true
  } catch (error) {
    console.log(`[${name} example] not ok - ${title}\n    ${error.message}\n    ${log.slice(-10).join('\n    ')}`)
    return false
  } finally {
    await server.stop()
  }
}
