/**
 * The load run on the Durable Object store: the demo Worker as it ships (wrangler.toml at the
 * root: REVOCATION_STORE = "durable-object", one SessionRevocations object per user) under
 * `wrangler dev` on 127.0.0.1, with REVALIDATE_AFTER = 0 so every request's revocation check
 * is due: each request asks its subject's object.
 * - SUBJECTS distinct users sign in through the form (GET / for the _csrf field, POST /login
 *   with Origin), SIGN_IN_CONCURRENCY at a time;
 * - each cookie is first sent alone: its answer (status, Set-Cookie or not, signed in as whom)
 *   is the reference;
 * - REQUESTS requests spread round-robin over the cookies, CONCURRENCY at a time; halfway,
 *   REVOKED subjects press "Sign out everywhere" while the others' traffic goes on. Their
 *   requests already in flight finish first and their later ones wait for the sign-outs, so
 *   each answer has one right reference: signed in before, signed out after (the revoked
 *   cookies sent alone once the run is over);
 * - every answer must equal its reference, none may be 5xx;
 * - afterwards every subject still signed in has a "last seen" time on its devices page (its
 *   object recorded a check), and every revoked one is refused (its object said so): the
 *   number of distinct objects touched.
 * Bounded: request counts, a per-request timeout, a timeout for the run.
 *
 *   npm run test:load      (runs test/load/run.mjs, then this)
 *
 * Writes test-results/load/objects.json and OBJECTS.md (not tracked); BENCHMARKS.md quotes one run.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { cleanUp, ROOT, startWrangler } from '../support/processes.mjs'
import { createTally, finish } from '../support/runner.mjs'
import { hiddenField, sessionCookieOf, signIn, timeout } from './demo.mjs'

const SUBJECTS = 100
const REVOKED = 10
const REQUESTS = 1000
const CONCURRENCY = 10
const SIGN_IN_CONCURRENCY = 4
const RUN_TIMEOUT_MS = 150_000
const ARTIFACTS = join(ROOT, 'test-results/load')
const LOG = join(ARTIFACTS, 'wrangler-objects.log')

const runTimer = setTimeout(() => {
  console.error(`load run (Durable Objects): gave up after ${RUN_TIMEOUT_MS / 1000} s`)
  cleanUp()
  process.exit(1)
}, RUN_TIMEOUT_MS)
runTimer.unref()

const results = createTally({ label: ' ' })
function check(name, ok, detail = '') {
  return results.check(detail ? `${name} — ${detail}` : name, ok === true)
}

/** "Sign out everywhere" from this cookie: the page for its _csrf field, then the form post. */
async function signOutEverywhere(base, cookie) {
  const page = await fetch(`${base}/`, { headers: { cookie }, redirect: 'manual', signal: timeout() })
  const csrf = hiddenField(await page.text(), '_csrf')
  const current = sessionCookieOf(page) ?? cookie
  if (csrf === undefined) throw new Error(`the page had no _csrf field (${page.status})`)
  const response = await fetch(`${base}/logout-everywhere`, { method: 'POST', body: new URLSearchParams({ _csrf: csrf }), headers: { origin: base, cookie: current }, redirect: 'manual', signal: timeout() })
  await response.arrayBuffer()
  return response.status
}

async function get(base, cookie) {
  const response = await fetch(`${base}/`, { headers: { cookie }, redirect: 'manual', signal: timeout() })
  const html = await response.text()
  const subject = html.match(/id="subject">([^<]*)</)?.[1]
  const view = subject !== undefined ? `signed in as ${subject}` : html.includes('<h1>Sign in</h1>') ? 'sign-in page' : 'other'
  return { status: response.status, setCookie: response.headers.getSetCookie().length > 0, view }
}

const sameAnswer = (a, b) => a.status === b.status && a.setCookie === b.setCookie && a.view === b.view
const describe = (a) => `${a.status}, ${a.setCookie ? 'Set-Cookie' : 'no Set-Cookie'}, ${a.view}`

/** Runs `task(i)` for i in 0..n-1, `width` at a time. */
async function pool(n, width, task) {
  let next = 0
  const out = new Array(n)
  await Promise.all(Array.from({ length: Math.min(width, n) }, async () => {
    while (next < n) {
      const i = next++
      out[i] = await task(i)
    }
  }))
  return out
}

const started = performance.now()
mkdirSync(ARTIFACTS, { recursive: true })
let row
let timings = {}
try {
  const server = await startWrangler({ config: 'wrangler.toml', vars: { REVOCATION_STORE: 'durable-object', REVALIDATE_AFTER: '0' }, logFile: LOG, logLevel: 'log' })
  const base = server.url
  timings.ready = performance.now() - started

  // 1. Sign in SUBJECTS users; each cookie alone is its signed-in reference.
  let at = performance.now()
  const users = await pool(SUBJECTS, SIGN_IN_CONCURRENCY, async (i) => ({ name: `user-${String(i).padStart(3, '0')}`, cookie: await signIn(base, `user-${String(i).padStart(3, '0')}`) }))
  timings.signIn = performance.now() - at
  for (const user of users) user.before = await get(base, user.cookie)
  const wrongBefore = users.filter((u) => !(u.before.status === 200 && u.before.view === `signed in as ${u.name}` && u.before.setCookie))
  check(`${SUBJECTS} subjects signed in; each cookie alone: 200, signed in as its subject, re-sealed (its check was due)`, wrongBefore.length === 0, wrongBefore.length === 0 ? '' : `${wrongBefore.length} differ, first: ${wrongBefore[0].name}: ${describe(wrongBefore[0].before)}`)

  // 2. The load, with "Sign out everywhere" for REVOKED subjects halfway.
  const revoked = new Set(users.filter((_, i) => i % (SUBJECTS / REVOKED) === 0).map((u) => u.name))
  const revokeAt = REQUESTS / 2
  const inFlight = new Map() // subject -> Set of its pending requests
  let gate // resolves once the sign-outs are done
  let revokeStatuses = []
  const latencies = []
  const statuses = {}
  const answers = [] // { user, after, answer }
  let errors = 0
  let firstError
  let next = 0
  at = performance.now()
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < REQUESTS) {
      const i = next++
      if (i === revokeAt) {
        let open
        gate = new Promise((resolve) => (open = resolve))
        // Their requests in flight finish first: an answer racing its own revocation could be either.
        await Promise.all([...revoked].flatMap((name) => [...(inFlight.get(name) ?? [])]).map((p) => p.catch(() => {})))
        revokeStatuses = await pool(REVOKED, 4, (k) => signOutEverywhere(base, users.find((u) => u.name === [...revoked][k]).cookie))
        open()
      }
      const user = users[i % SUBJECTS]
      const after = i >= revokeAt && revoked.has(user.name)
      if (after) await gate
      const began = performance.now()
      const request = get(base, user.cookie)
      const pending = inFlight.get(user.name) ?? new Set()
      inFlight.set(user.name, pending.add(request))
      try {
        const answer = await request
        latencies.push(performance.now() - began)
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1
        answers.push({ user, after, answer })
      } catch (error) {
        errors++
        firstError ??= error instanceof Error ? error.message : String(error)
      } finally {
        pending.delete(request)
      }
    }
  }))
  const seconds = (performance.now() - at) / 1000
  timings.load = performance.now() - at
  check(`sign out everywhere for ${REVOKED} subjects mid-run: each answered 303`, revokeStatuses.length === REVOKED && revokeStatuses.every((s) => s === 303), `statuses ${revokeStatuses.join(', ')}`)

  // 3. References after the run: revoked cookies alone are signed out, the others still signed in.
  for (const user of users) user.afterAlone = await get(base, user.cookie)
  const revokedUsers = users.filter((u) => revoked.has(u.name))
  const keptUsers = users.filter((u) => !revoked.has(u.name))
  const wrongRevoked = revokedUsers.filter((u) => !(u.afterAlone.status === 200 && u.afterAlone.view === 'sign-in page'))
  check(`alone after the run: the ${REVOKED} revoked cookies get the sign-in page`, wrongRevoked.length === 0, wrongRevoked.length === 0 ? describe(revokedUsers[0].afterAlone) : `${wrongRevoked.length} differ, first: ${describe(wrongRevoked[0].afterAlone)}`)
  const wrongKept = keptUsers.filter((u) => !sameAnswer(u.afterAlone, u.before))
  check(`alone after the run: the other ${keptUsers.length} still signed in as before`, wrongKept.length === 0, wrongKept.length === 0 ? '' : `${wrongKept.length} differ, first: ${wrongKept[0].name}: ${describe(wrongKept[0].afterAlone)}`)

  const mismatches = answers.filter(({ user, after, answer }) => !sameAnswer(answer, after ? user.afterAlone : user.before))
  const fivexx = Object.entries(statuses).filter(([code]) => Number(code) >= 500).reduce((n, [, c]) => n + c, 0)
  const redirectsOrOk = Object.entries(statuses).filter(([code]) => Number(code) >= 200 && Number(code) < 400).reduce((n, [, c]) => n + c, 0)
  latencies.sort((a, b) => a - b)
  const pct = (p) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0)
  const signedOutUnderLoad = answers.filter((a) => a.after).length
  row = { requests: REQUESTS, answered: latencies.length, seconds: Number(seconds.toFixed(2)), rps: Math.round(latencies.length / seconds), p50: pct(0.5), p90: pct(0.9), p99: pct(0.99), statuses, errors, firstError, fivexx, differ: mismatches.length, signedOutUnderLoad }
  check(
    `${REQUESTS} requests over ${SUBJECTS} subjects' cookies, ${CONCURRENCY} at a time: all answered 2xx/3xx, zero 5xx, each as its cookie alone (the ${signedOutUnderLoad} of revoked subjects after the sign-out answered signed out)`,
    row.answered === REQUESTS && errors === 0 && fivexx === 0 && redirectsOrOk === REQUESTS && mismatches.length === 0,
    `${row.rps} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms` +
      (errors > 0 ? `; ${errors} errors, first: ${firstError}` : '') +
      (mismatches.length > 0 ? `; ${mismatches.length} differ, first: ${mismatches[0].user.name}: ${describe(mismatches[0].answer)}` : ''),
  )

  // 4. Objects touched under load: with every check due, a signed-in answer that re-seals the
  // cookie means the subject's object was asked and said valid; a refusal after the sign-out
  // can only have come from it. Each kept subject's object also lists the session, with a
  // "last seen" (a recorded check) on its devices page.
  const asked = new Set(answers.filter(({ user, after, answer }) => (after ? answer.view === 'sign-in page' : answer.view === `signed in as ${user.name}` && answer.setCookie)).map(({ user }) => user.name))
  row.objects = asked.size
  const seen = await pool(keptUsers.length, 4, async (k) => {
    const response = await fetch(`${base}/devices`, { headers: { cookie: keptUsers[k].cookie }, redirect: 'manual', signal: timeout() })
    const html = await response.text()
    return response.status === 200 && /id="this-device"[\s\S]*?class="last-seen" datetime="[^"]+"/.test(html)
  })
  const recorded = seen.filter(Boolean).length
  check(`distinct Durable Objects asked under load: ${asked.size} of ${SUBJECTS}; ${recorded} of the ${keptUsers.length} kept subjects' objects list the session with a "last seen"`, asked.size === SUBJECTS && recorded === keptUsers.length)
  await server.stop()
  const log = server.log()
  const troubles = [...log.matchAll(/unhandled error|"type":"revocation-error"|\{"action":"[^"]+","failed"/g)].length
  check(`the Worker logged no unhandled error, revocation-error event or failed action`, troubles === 0, `${troubles} such lines in ${LOG.slice(ROOT.length + 1)}`)
} catch (error) {
  results.fail(`the run stopped: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, error)
} finally {
  cleanUp()
}

const seconds = (performance.now() - started) / 1000
const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
const date = new Date().toISOString()
const ms = Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)]))
writeFileSync(join(ARTIFACTS, 'objects.json'), JSON.stringify({ date, machine, subjects: SUBJECTS, revoked: REVOKED, requests: REQUESTS, concurrency: CONCURRENCY, seconds: Number(seconds.toFixed(1)), timingsMs: ms, passed: results.passed, failed: results.failed, failures: results.failures, row }, null, 2) + '\n')
writeFileSync(
  join(ARTIFACTS, 'OBJECTS.md'),
  `Measured ${date.slice(0, 10)} by \`npm run test:load\` (test/load/objects.mjs, ${seconds.toFixed(0)} s in all): the demo on its Durable Object store, REVALIDATE_AFTER = 0 (every request asks its subject's object), ${SUBJECTS} subjects, ${REQUESTS} requests round-robin over their cookies, ${CONCURRENCY} at a time, "sign out everywhere" for ${REVOKED} subjects halfway; Node's fetch against \`wrangler dev\` (local workerd and Durable Objects) on 127.0.0.1; load generator on the same machine: ${machine}. Latencies in ms.

| subjects | requests | req/s | p50 | p90 | p99 | statuses | 5xx | differ | signed out after revocation | objects asked |
| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |
${row === undefined ? '| (the run stopped) |' : `| ${SUBJECTS} | ${row.requests} | ${row.rps} | ${row.p50} | ${row.p90} | ${row.p99} | ${Object.entries(row.statuses).map(([c, n]) => `${c}: ${n}`).join(', ')} | ${row.fivexx} | ${row.differ} | ${row.signedOutUnderLoad} | ${row.objects ?? '?'} |`}

Checks: ${results.passed} passed, ${results.failed} failed${results.failures.map((name) => `\n- failed: ${name}`).join('')}
`,
)
console.log(`load run (Durable Objects): ${seconds.toFixed(1)} s (ready ${ms.ready ?? '?'} ms, sign-in ${ms.signIn ?? '?'} ms, load ${ms.load ?? '?'} ms); results in test-results/load/OBJECTS.md`)
finish(results)
