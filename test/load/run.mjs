/**
 * A bounded load run against the demo Worker under `wrangler dev` on 127.0.0.1, with a mix
 * of valid, expired, tampered and garbage cookies; then the same against the demo behind a
 * failing revocation store (KV that throws, KV that hangs). Every scenario runs 8 s with 10
 * connections. Asserts: every request answered, zero 5xx, the failure policy held (signed
 * out, no Set-Cookie) and reported (`revocation-error` events in the Worker's log).
 * Writes test/load/results.json and test/load/RESULTS.md.
 *
 *   node test/load/run.mjs      (needs `npm run build`: expired cookies are sealed with dist/)
 */
import autocannon from 'autocannon'
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { cleanUp, ROOT, startWrangler, tomlString } from '../browser/harness.mjs'
import { createSessions } from '../../dist/index.js'

const SECONDS = Number(process.env.LOAD_SECONDS ?? 8)
const CONNECTIONS = 10
const ARTIFACTS = join(ROOT, 'test-results/load')
mkdirSync(ARTIFACTS, { recursive: true })
const secret = tomlString('wrangler.toml', 'SESSION_SECRETS')

let passed = 0
let failed = 0
function check(name, ok, detail = '') {
  if (ok) passed++
  else failed++
  console.log(`  ${ok ? '✓' : '✗'} ${name}${detail ? ` — ${detail}` : ''}`)
}

async function signIn(base) {
  const response = await fetch(`${base}/login`, { method: 'POST', body: new URLSearchParams({ name: 'load' }), redirect: 'manual' })
  const line = response.headers.getSetCookie()[0]
  return line.slice(0, line.indexOf(';'))
}

async function expiredCookie() {
  const past = Date.now() - 8 * 86_400_000
  const sessions = createSessions({ secrets: secret, now: () => past })
  const s = await sessions.load('')
  await s.login('load')
  const line = (await sessions.commit(s)).setCookie[0]
  return line.slice(0, line.indexOf(';'))
}

function run(base, requests) {
  return new Promise((resolve, reject) => {
    const statuses = {}
    const instance = autocannon({ url: base, connections: CONNECTIONS, duration: SECONDS, requests, timeout: 10 }, (error, result) =>
      error ? reject(error) : resolve({ result, statuses }),
    )
    instance.on('response', (_client, status) => {
      statuses[status] = (statuses[status] ?? 0) + 1
    })
  })
}

function summary(name, { result, statuses }) {
  const fivexx = Object.entries(statuses).filter(([code]) => code >= 500).reduce((n, [, count]) => n + count, 0)
  return {
    name,
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
    fivexx,
  }
}

const started = performance.now()
const rows = []
let eventsThrow = 0
let eventsHang = 0
try {
  // 1. The demo with a mix of cookies.
  const demo = await startWrangler({ config: 'wrangler.toml', logFile: join(ARTIFACTS, 'wrangler-demo.log'), logLevel: 'log' })
  const valid = await signIn(demo.url)
  const tampered = valid.slice(0, -6) + (valid.at(-6) === 'A' ? 'B' : 'A') + valid.slice(-5)
  const expired = await expiredCookie()
  const kinds = {
    valid: valid,
    expired,
    tampered,
    garbage: '__Host-session=' + 'garbage%00'.repeat(20),
  }
  // Check each kind once, so the mix is what it claims to be.
  for (const [kind, cookie] of Object.entries(kinds)) {
    const html = await (await fetch(`${demo.url}/`, { headers: { cookie } })).text()
    check(`${kind} cookie answered as expected`, kind === 'valid' ? html.includes('id="subject">load<') : html.includes('<h1>Sign in</h1>'))
  }
  for (const [kind, cookie] of Object.entries(kinds)) {
    rows.push(summary(`demo, ${kind} cookies`, await run(demo.url, [{ method: 'GET', path: '/', headers: { cookie } }])))
  }
  rows.push(summary('demo, all four mixed', await run(demo.url, Object.values(kinds).map((cookie) => ({ method: 'GET', path: '/', headers: { cookie } })))))

  // 2. The demo behind a failing revocation store; every request of the signed-in
  //    session is due for a check (REVALIDATE_AFTER=0).
  for (const fault of ['throw', 'hang']) {
    const faulty = await startWrangler({
      config: 'test/load/wrangler.toml',
      vars: { KV_FAULT: fault, REVALIDATE_AFTER: '0' },
      logFile: join(ARTIFACTS, `wrangler-kv-${fault}.log`),
      logLevel: 'log',
    })
    const cookie = await signIn(faulty.url)
    const once = await fetch(`${faulty.url}/`, { headers: { cookie } })
    check(`KV ${fault}s: signed out for the request, cookie kept`, (await once.text()).includes('<h1>Sign in</h1>') && once.headers.getSetCookie().length === 0)
    rows.push(summary(`KV ${fault}s, signed-in cookies`, await run(faulty.url, [{ method: 'GET', path: '/', headers: { cookie } }])))
    await faulty.stop()
    const log = readFileSync(join(ARTIFACTS, `wrangler-kv-${fault}.log`), 'utf8')
    const count = (log.match(/"type":"revocation-error"/g) ?? []).length
    if (fault === 'throw') eventsThrow = count
    else eventsHang = count
    check(`KV ${fault}s: revocation-error events reported`, count > 0, `${count} events`)
  }
  await demo.stop()
} finally {
  cleanUp()
}

for (const row of rows) {
  check(`${row.name}: every request answered, zero 5xx`, row.requests > 0 && row.fivexx === 0 && row.errors === 0 && row.timeouts === 0, `${row.requests} requests, ${row.rps} req/s, p99 ${row.p99} ms, statuses ${JSON.stringify(row.statuses)}`)
}

const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`
writeFileSync(join(ROOT, 'test/load/results.json'), JSON.stringify({ date: new Date().toISOString(), machine, seconds: SECONDS, connections: CONNECTIONS, rows, eventsThrow, eventsHang }, null, 2) + '\n')
const table = rows.map((r) => `| ${r.name} | ${r.requests} | ${r.rps} | ${r.p50} | ${r.p90} | ${r.p99} | ${Object.entries(r.statuses).map(([c, n]) => `${c}: ${n}`).join(', ')} | ${r.fivexx} |`).join('\n')
writeFileSync(
  join(ROOT, 'test/load/RESULTS.md'),
  `Measured ${new Date().toISOString().slice(0, 10)} by \`node test/load/run.mjs\`: autocannon, ${CONNECTIONS} connections, ${SECONDS} s per scenario, against \`wrangler dev\` (local workerd and KV) on 127.0.0.1, load generator on the same ${machine}. Latencies in ms.

| scenario | requests | req/s | p50 | p90 | p99 | statuses | 5xx |
| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |
${table}

Failing store: with KV throwing, ${eventsThrow} \`revocation-error\` events were logged; with KV hanging (each check given up after the 2 s \`revocationTimeout\`), ${eventsHang}. Policy held: the signed-in cookie was answered as signed out, with no Set-Cookie.
`,
)
console.log(`load suite: ${((performance.now() - started) / 1000).toFixed(1)} s; results in test/load/RESULTS.md`)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
