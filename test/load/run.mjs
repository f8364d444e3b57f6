/**
 * The load run: the demo Worker under `wrangler dev` on 127.0.0.1 (test/load/failing-kv.ts,
 * which counts its KV calls and can break KV per request), driven with a fixed number of
 * requests per scenario, CONCURRENCY at a time. For every cookie kind, one request is first
 * sent alone: its answer (status, Set-Cookie or not, signed in or not) is the reference, and
 * the session events and KV calls it caused are counted from the Worker's log. Then:
 * - every response under load must equal the reference for its cookie;
 * - the events and KV calls of a scenario must be exactly the sum of its references
 *   (a `{"sessionEvent":…}` line and a `{"kvCall":…}` line each, read up to a marker);
 * - a cookie due for its revocation check (sealed with its check time older than
 *   revalidateAfter) costs exactly one KV read on every request while the re-sealed cookie
 *   is not sent back, and none once it is;
 * - with KV throwing or hanging, that cookie is answered signed out, the cookie kept, and
 *   each request reports one `revocation-error`.
 * Everything is bounded: request counts, a per-request timeout, a timeout for the run.
 *
 *   npm run build && npm run test:load          (cookies are sealed with dist/)
 *   LOAD_REQUESTS=100 node test/load/run.mjs    (requests per scenario, default 300)
 *
 * Writes test-results/load/results.json and RESULTS.md (not tracked); BENCHMARKS.md quotes
 * one run as a dated excerpt.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { cleanUp, ROOT, sleep, startWrangler, tomlString } from '../support/processes.mjs'
import { createTally, finish } from '../support/runner.mjs'
import { COOKIE, sessionCookieOf, signIn, timeout } from './demo.mjs'
import { createSessions } from '../../dist/index.js'

const REQUESTS = countFrom(process.env.LOAD_REQUESTS, 300)
/** Each of these waits for the 2 s revocationTimeout: 20 at 10 at a time is about 4 s. */
const HANG_REQUESTS = 20
const CONCURRENCY = 10
const MARK_TIMEOUT_MS = 15_000
const RUN_TIMEOUT_MS = 240_000
/** Seconds: the signed-in cookie stays fresh for the whole run; the due one is past it. */
const REVALIDATE_AFTER = 600
const ARTIFACTS = join(ROOT, 'test-results/load')
const LOG = join(ARTIFACTS, 'wrangler.log')

function countFrom(text, fallback) {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 1 || n > 10_000) throw new Error(`LOAD_REQUESTS must be a whole number from 1 to 10000, got ${text}`)
  return n
}

const runTimer = setTimeout(() => {
  console.error(`load run: gave up after ${RUN_TIMEOUT_MS / 1000} s`)
  cleanUp()
  process.exit(1)
}, RUN_TIMEOUT_MS)
runTimer.unref()

const results = createTally({ label: ' ' })
/** One check; `detail` (rates, counts) is printed either way. */
function check(name, ok, detail = '') {
  return results.check(detail ? `${name} — ${detail}` : name, ok === true)
}

// ---- Cookies -------------------------------------------------------------------------

/** A session signed in `secondsAgo` ago, sealed here with dist/ and the demo's secret. */
async function sealedAgo(secondsAgo, subject) {
  const at = Date.now() - secondsAgo * 1000
  const sessions = createSessions({ secrets: tomlString('test/load/wrangler.toml', 'SESSION_SECRETS'), clock: { now: () => at } })
  const s = await sessions.load(null)
  await s.login(subject)
  // A CSRF secret sealed in, as a browser's cookie has one once a page with a form was shown.
  s.csrfToken?.()
  const lines = (await sessions.commit(s)).setCookie
  const cookie = sessionCookieOf({ headers: { getSetCookie: () => [...lines] } })
  if (cookie === undefined) throw new Error('sealing a session gave no cookie')
  return cookie
}

// ---- Requests, references and the Worker's log ----------------------------------------

async function get(base, kind) {
  const headers = { cookie: kind.cookie, ...(kind.fault !== undefined && { 'x-load-kv': kind.fault }) }
  const response = await fetch(`${base}/`, { headers, redirect: 'manual', signal: timeout() })
  const html = await response.text()
  const subject = html.match(/id="subject">([^<]*)</)?.[1]
  const view = subject !== undefined ? `signed in as ${subject}` : html.includes('<h1>Sign in</h1>') ? 'sign-in page' : 'other'
  return { status: response.status, setCookie: response.headers.getSetCookie().length > 0, view, response }
}

function sameAnswer(a, b) {
  return a.status === b.status && a.setCookie === b.setCookie && a.view === b.view
}

function describe(answer) {
  return `${answer.status}, ${answer.setCookie ? 'Set-Cookie' : 'no Set-Cookie'}, ${answer.view}`
}

/** Reads the Worker's log up to markers: what happened between two marks. */
function logReader(base) {
  let offset = 0
  let marks = 0
  return async function since() {
    const id = `m${++marks}`
    const response = await fetch(`${base}/__load/mark?id=${id}`, { signal: timeout() })
    await response.arrayBuffer()
    const needle = JSON.stringify({ loadMark: id })
    const deadline = Date.now() + MARK_TIMEOUT_MS
    for (;;) {
      const log = readFileSync(LOG, 'utf8')
      const at = log.indexOf(needle, offset)
      if (at >= 0) {
        const slice = log.slice(offset, at)
        offset = at + needle.length
        return tally(slice)
      }
      if (Date.now() > deadline) throw new Error(`marker ${id} not in the Worker's log after ${MARK_TIMEOUT_MS / 1000} s`)
      await sleep(50)
    }
  }
}

/** `{ 'event:expired': 1, 'kv:get': 1, … }` from log lines. */
function tally(text) {
  const counts = {}
  for (const [, type] of text.matchAll(/\{"sessionEvent":\{"type":"([a-z-]+)"/g)) counts[`event:${type}`] = (counts[`event:${type}`] ?? 0) + 1
  for (const [, call] of text.matchAll(/\{"kvCall":"(get|put)"\}/g)) counts[`kv:${call}`] = (counts[`kv:${call}`] ?? 0) + 1
  return counts
}

function scaled(counts, times, into = {}) {
  for (const [key, n] of Object.entries(counts)) into[key] = (into[key] ?? 0) + n * times
  return into
}

function sameCounts(a, b) {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  return [...keys].every((key) => (a[key] ?? 0) === (b[key] ?? 0))
}

const show = (counts) => JSON.stringify(Object.fromEntries(Object.entries(counts).sort()))

/** `plan` (a list of kinds) sent CONCURRENCY at a time; every answer compared with its kind's reference. */
async function load(base, plan) {
  let next = 0
  const latencies = []
  const statuses = {}
  const mismatches = []
  let errors = 0
  let firstError
  async function worker() {
    while (next < plan.length) {
      const kind = plan[next++]
      const started = performance.now()
      try {
        const answer = await get(base, kind)
        latencies.push(performance.now() - started)
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1
        if (!sameAnswer(answer, kind.reference)) mismatches.push(`${kind.name}: ${describe(answer)}, alone ${describe(kind.reference)}`)
      } catch (error) {
        errors++
        firstError ??= error instanceof Error ? error.message : String(error)
      }
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, plan.length) }, worker))
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const at = (p) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0)
  return { requests: plan.length, answered: latencies.length, seconds: Number(seconds.toFixed(2)), rps: Math.round(latencies.length / seconds), p50: at(0.5), p90: at(0.9), p99: at(0.99), statuses, errors, firstError, mismatches }
}

// ---- The run ---------------------------------------------------------------------------

const started = performance.now()
mkdirSync(ARTIFACTS, { recursive: true })
const rows = []
let kinds = []
try {
  const server = await startWrangler({ config: 'test/load/wrangler.toml', vars: { REVALIDATE_AFTER: String(REVALIDATE_AFTER) }, logFile: LOG, logLevel: 'log' })
  const base = server.url
  const since = logReader(base)

  const signedIn = await signIn(base, 'load')
  const [cookieName, value] = [signedIn.slice(0, signedIn.indexOf('=') + 1), signedIn.slice(signedIn.indexOf('=') + 1)]
  const flipAt = value.length - 10
  const due = await sealedAgo(REVALIDATE_AFTER + 60, 'load-due')
  kinds = [
    { name: 'signed in', cookie: signedIn, kv: 0 },
    { name: 'due for its revocation check', cookie: due, kv: 1, setCookie: true },
    { name: 'expired', cookie: await sealedAgo(8 * 86_400, 'load-expired'), kv: 0, event: 'expired' },
    { name: 'tampered', cookie: cookieName + value.slice(0, flipAt) + (value[flipAt] === 'A' ? 'B' : 'A') + value.slice(flipAt + 1), kv: 0, event: 'invalid' },
    { name: 'garbage', cookie: `${COOKIE}=` + 'garbage%00'.repeat(20), kv: 0, event: 'invalid' },
    { name: 'due, KV throws', cookie: due, fault: 'throw', kv: 1, event: 'revocation-error', signedOut: true },
    { name: 'due, KV hangs', cookie: due, fault: 'hang', kv: 1, event: 'revocation-error', signedOut: true },
  ]
  await since() // Sign-in and setup are not counted.

  // 1. References: each cookie alone, its answer and exactly what it caused.
  for (const kind of kinds) {
    const answer = await get(base, kind)
    kind.reference = answer
    kind.counts = await since()
    const kvCalls = (kind.counts['kv:get'] ?? 0) + (kind.counts['kv:put'] ?? 0)
    const expectedView = kind.signedOut || kind.event !== undefined ? 'sign-in page' : `signed in as ${kind.name === 'signed in' ? 'load' : 'load-due'}`
    let ok = answer.status === 200 && answer.view === expectedView && kvCalls === kind.kv && (kind.counts['kv:get'] ?? 0) === kind.kv
    if (kind.event !== undefined) ok &&= kind.counts[`event:${kind.event}`] === 1
    if (kind.setCookie) ok &&= answer.setCookie
    const what = kind.event === undefined ? `${expectedView}, ${kind.kv} KV read${kind.kv === 1 ? '' : 's'}` : `${expectedView}, one ${kind.event} event, ${kind.kv} KV read${kind.kv === 1 ? '' : 's'}`
    check(`alone: ${kind.name} — ${what}${kind.setCookie ? ', re-sealed' : ''}`, ok, `${describe(answer)}; ${show(kind.counts)}`)
    // Fail closed (docs/SECURITY.md): signed out for this request, and the cookie kept (no
    // Set-Cookie) for when the store answers again; a new cookie would sign the user out for good.
    if (kind.signedOut) check(`alone: ${kind.name} — the signed-in cookie kept (no Set-Cookie)`, !answer.setCookie, describe(answer))
  }

  // The re-sealed cookie carries the new check time: sent back, it needs no KV read.
  const resealed = sessionCookieOf(kinds.find((kind) => kind.setCookie).reference.response)
  const after = resealed === undefined ? undefined : await get(base, { cookie: resealed })
  const afterCounts = await since()
  check('the re-sealed cookie, sent back, is not due: no KV call', after?.view === 'signed in as load-due' && (afterCounts['kv:get'] ?? 0) === 0, after === undefined ? 'no re-sealed cookie' : `${describe(after)}; ${show(afterCounts)}`)

  // 2. Under load: every answer as alone, and exactly the events and KV calls of the references.
  const healthy = kinds.filter((kind) => kind.fault === undefined)
  const scenarios = [
    ...kinds.map((kind) => ({ name: kind.name, plan: Array.from({ length: kind.fault === 'hang' ? HANG_REQUESTS : REQUESTS }, () => kind) })),
    { name: 'the five without a KV fault, mixed', plan: Array.from({ length: REQUESTS }, (_, i) => healthy[i % healthy.length]) },
  ]
  for (const scenario of scenarios) {
    const result = await load(base, scenario.plan)
    const counts = await since()
    const expected = {}
    for (const kind of scenario.plan) scaled(kind.counts, 1, expected)
    const fivexx = Object.entries(result.statuses).filter(([code]) => Number(code) >= 500).reduce((n, [, c]) => n + c, 0)
    rows.push({ name: scenario.name, ...result, fivexx, counts })
    check(
      `${scenario.name}: ${result.requests} requests answered as alone, zero 5xx`,
      result.answered === result.requests && result.errors === 0 && fivexx === 0 && result.mismatches.length === 0,
      `${result.rps} req/s, p99 ${result.p99} ms` +
        (result.errors > 0 ? `; ${result.errors} errors, first: ${result.firstError}` : '') +
        (result.mismatches.length > 0 ? `; ${result.mismatches.length} differ, first: ${result.mismatches[0]}` : ''),
    )
    check(`${scenario.name}: exactly the events and KV calls of its requests alone`, sameCounts(counts, expected), `got ${show(counts)}, expected ${show(expected)}`)
  }
  await server.stop()
} catch (error) {
  results.fail(`the run stopped: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, error)
} finally {
  cleanUp()
}

const seconds = (performance.now() - started) / 1000
const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
const date = new Date().toISOString()
const references = kinds.map(({ name, fault, reference, counts }) => ({ name, fault, answer: reference && { status: reference.status, setCookie: reference.setCookie, view: reference.view }, counts }))
writeFileSync(join(ARTIFACTS, 'results.json'), JSON.stringify({ date, machine, requests: REQUESTS, hangRequests: HANG_REQUESTS, concurrency: CONCURRENCY, seconds: Number(seconds.toFixed(1)), passed: results.passed, failed: results.failed, failures: results.failures, references, rows }, null, 2) + '\n')
const table = rows
  .map((r) => `| ${r.name} | ${r.requests} | ${r.rps} | ${r.p50} | ${r.p90} | ${r.p99} | ${Object.entries(r.statuses).map(([c, n]) => `${c}: ${n}`).join(', ')} | ${r.mismatches.length} | ${Object.entries(r.counts).sort().map(([k, n]) => `${k.replace(/^event:/, '')} ${n}`).join(', ') || 'none'} |`)
  .join('\n')
writeFileSync(
  join(ARTIFACTS, 'RESULTS.md'),
  `Measured ${date.slice(0, 10)} by \`npm run test:load\` (${seconds.toFixed(0)} s in all): ${REQUESTS} requests per scenario (${HANG_REQUESTS} with KV hanging), ${CONCURRENCY} at a time, Node's fetch against \`wrangler dev\` (local workerd and KV) on 127.0.0.1; load generator on the same machine: ${machine}. Latencies in ms. "differ": answers unlike the same cookie's answer alone. Events and KV calls counted from the Worker's log; each equals the sum over the requests of what the cookie caused alone.

| scenario | requests | req/s | p50 | p90 | p99 | statuses | differ | events and KV calls |
| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |
${table}

Checks: ${results.passed} passed, ${results.failed} failed${results.failures.map((name) => `\n- failed: ${name}`).join('')}
`,
)
console.log(`load run: ${seconds.toFixed(1)} s; results in test-results/load/RESULTS.md`)
finish(results)
