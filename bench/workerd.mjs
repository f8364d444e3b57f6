/**
 * Runs the suite in workerd. Bundles bench/worker.mjs with esbuild (contenders inside),
 * starts it with Miniflare on 127.0.0.1, and times requests from this Node process:
 * each request performs n operations inside the Worker; the same request with n=0 is
 * the empty request whose median time is subtracted. Prints one RESULT_PREFIX line, as
 * bench/child.mjs does. Usage: node bench/workerd.mjs [--time-scale=1] [--profile]
 */
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { CONTENDERS, contendersFor, CORE_OPERATIONS, OPERATIONS } from './contenders.mjs'
import { round, summarize } from './measure.mjs'
import { PAYLOADS } from './payloads.mjs'
import { ONE_CALL_CONTENDERS, PROFILE_TIMING, TIMING } from './suite.mjs'

const RESULT_PREFIX = 'BENCH_RESULT '
const COMPATIBILITY_DATE = '2025-09-01'
/** Work per timed request: long enough that the empty request (about 1 ms) is a small correction. */
const REQUEST_MS = 50
const MAX_N = 200_000

const scaleArg = process.argv.find((a) => a.startsWith('--time-scale='))
const timeScale = scaleArg === undefined ? 1 : Number(scaleArg.slice('--time-scale='.length))
if (!(timeScale > 0 && timeScale <= 10)) throw new Error(`--time-scale must be in (0, 10], got ${scaleArg}`)
const log = (line) => console.error(`  ${line}`)

const { Miniflare, workerdVersion } = await loadMiniflare()
const bundle = await build({
  entryPoints: [fileURLToPath(new URL('./worker.mjs', import.meta.url))],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  conditions: ['workerd', 'worker'],
  target: 'es2022',
  write: false,
  logLevel: 'warning',
})
const script = bundle.outputFiles[0].text

const mf = new Miniflare({
  host: '127.0.0.1',
  port: 0,
  telemetry: { enabled: false },
  workers: [
    {
      config: {
        name: 'sealed-session-bench',
        compatibilityDate: COMPATIBILITY_DATE,
        // For the bare native floor row (node:crypto through process.getBuiltinModule); sealed-session stays on Web Crypto here.
        compatibilityFlags: ['nodejs_compat'],
        manifest: { mainModule: 'worker.mjs', modules: { 'worker.mjs': { type: 'esm', contents: script } } },
      },
    },
  ],
})

try {
  await mf.ready
  const result = process.argv.includes('--profile') ? await profile() : await suite()
  console.log(RESULT_PREFIX + JSON.stringify(result))
} finally {
  await mf.dispose()
}

async function suite() {
  const started = new Date().toISOString()
  const timing = { warmupMs: TIMING.warmupMs * timeScale, sampleMs: TIMING.sampleMs * timeScale, rounds: TIMING.rounds }
  const requestMs = Math.max(10, REQUEST_MS * Math.min(1, timeScale))
  await timed('/run?op=seal&payload=100B&contender=raw&n=1') // prepares the contenders
  // A JIT warm-up pass over every operation before anything is calibrated or timed.
  for (const op of OPERATIONS) for (const { id } of contendersFor(op)) await timed(runUrl('/run', op, '1KB')(id, 200))

  const cells = []
  for (const op of OPERATIONS) {
    for (const payload of PAYLOADS) {
      const cell = await measureCell(runUrl('/run', op, payload.id), contendersFor(op).map((c) => c.id), timing, requestMs)
      cells.push({ op, payload: payload.id, ...cell })
      log(`${op} ${payload.label}: ${contendersFor(op).map(({ id }) => `${id} ${cell.results[id].meanUs.toFixed(2)} µs`).join(', ')} (empty request ${cell.emptyRequestMs} ms)`)
    }
  }
  const overheadCells = []
  const halfTiming = { warmupMs: timing.warmupMs / 2, sampleMs: timing.sampleMs / 2, rounds: timing.rounds }
  for (const op of CORE_OPERATIONS) {
    for (const payload of PAYLOADS) {
      const cell = await measureCell(runUrl('/run-no-crypto', op, payload.id), ONE_CALL_CONTENDERS, halfTiming, requestMs)
      overheadCells.push({ op, payload: payload.id, ...cell })
      log(`no-crypto ${op} ${payload.label}: ${ONE_CALL_CONTENDERS.map((id) => `${id} ${cell.results[id].meanUs.toFixed(2)} µs`).join(', ')}`)
    }
  }
  const info = await (await fetchOk('/info')).json()
  const result = {
    runtime: { ...info.runtime, version: workerdVersion, engine: 'V8 (workerd)', compatibilityDate: COMPATIBILITY_DATE },
    started,
    finished: new Date().toISOString(),
    method: {
      kind: 'requests timed from outside (Miniflare dispatchFetch from Node), empty request subtracted',
      clock: 'performance.now() in the driver',
      requestMs,
      ...timing,
    },
    rawBase64: info.rawBase64,
    payloads: PAYLOADS,
    contenders: CONTENDERS,
    cells,
    lengths: info.lengths,
    subtleCalls: info.subtleCalls,
    kv: info.kv,
    jsOverhead: { note: 'AES-GCM encrypt/decrypt replaced by an identity stub; everything else real', cells: overheadCells },
  }
  return result
}

async function profile() {
  const timing = { warmupMs: PROFILE_TIMING.warmupMs * timeScale, sampleMs: PROFILE_TIMING.sampleMs * timeScale, rounds: PROFILE_TIMING.rounds }
  const requestMs = Math.max(10, (REQUEST_MS / 2) * Math.min(1, timeScale))
  const payloads = []
  for (const payload of PAYLOADS) {
    const cases = await (await fetchOk(`/profile-cases?payload=${payload.id}`)).json()
    const url = (id, n) => `/profile?payload=${payload.id}&case=${encodeURIComponent(id)}&n=${n}`
    const cell = await measureCell(url, cases.map((c) => c.id), timing, requestMs)
    payloads.push({ payload: payload.id, rows: cases.map(({ id, what }) => ({ id, what, ...cell.results[id] })), emptyRequestMs: cell.emptyRequestMs })
    log(`profile ${payload.label}: ${cases.map(({ id }) => `${id.trim()} ${cell.results[id].meanUs.toFixed(2)}`).join(', ')}`)
  }
  return {
    runtime: { name: 'workerd', version: workerdVersion, engine: 'V8 (workerd)', compatibilityDate: COMPATIBILITY_DATE },
    date: new Date().toISOString(),
    method: { kind: 'requests timed from outside, empty request subtracted', requestMs, ...timing },
    payloads,
  }
}

/** Miniflare as a direct dependency if hoisted, else wrangler's own copy; and its workerd version. */
async function loadMiniflare() {
  const candidates = ['miniflare', new URL('../node_modules/wrangler/node_modules/miniflare/dist/src/index.js', import.meta.url).href]
  for (const specifier of candidates) {
    try {
      const entry = import.meta.resolve(specifier)
      const mod = await import(entry)
      const require = createRequire(entry)
      return { Miniflare: mod.Miniflare, workerdVersion: require('workerd/package.json').version }
    } catch {
      // try the next location
    }
  }
  throw new Error('miniflare not found: expected node_modules/miniflare or node_modules/wrangler/node_modules/miniflare')
}

async function fetchOk(path) {
  const response = await mf.dispatchFetch(`http://bench.local${path}`)
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`)
  return response
}

async function medianOf(count, fn) {
  const values = []
  for (let i = 0; i < count; i++) values.push(await fn())
  values.sort((a, b) => a - b)
  return values[Math.floor(count / 2)]
}

async function timed(path) {
  const start = performance.now()
  const response = await fetchOk(path)
  const body = await response.text()
  return { ms: performance.now() - start, insideMs: Number(body) }
}

function runUrl(route, op, payload) {
  return (id, n) => `${route}?op=${op}&payload=${payload}&contender=${id}&n=${n}`
}

/**
 * One cell (an operation and a payload, or a profile): calibrate n per id so a request
 * takes about `requestMs`, warm up, then `rounds` interleaved samples of about
 * `sampleMs` each. An empty request (n=0) before every sample gives the overhead to
 * subtract. `url(id, n)` builds the request path.
 */
async function measureCell(url, ids, timing, requestMs) {
  const n = {}
  for (const id of ids) {
    const overhead = await medianOf(5, async () => (await timed(url(id, 0))).ms)
    let k = 4
    let work = (await timed(url(id, k))).ms - overhead
    while (work < requestMs / 2 && k < MAX_N) {
      k = Math.min(MAX_N, k * 4)
      work = (await timed(url(id, k))).ms - overhead
    }
    n[id] = Math.max(1, Math.min(MAX_N, Math.round((k * requestMs) / Math.max(work, 0.001))))
    const warmEnd = performance.now() + timing.warmupMs
    do await timed(url(id, n[id]))
    while (performance.now() < warmEnd)
  }
  const requestsPerSample = Math.max(1, Math.round(timing.sampleMs / requestMs))
  const raw = new Map(ids.map((id) => [id, []]))
  const empties = []
  for (let round = 0; round < timing.rounds; round++) {
    for (let k = 0; k < ids.length; k++) {
      const id = ids[(k + round) % ids.length]
      empties.push((await timed(url(id, 0))).ms)
      const sample = { requests: 0, ms: 0, insideMs: 0, ops: 0 }
      for (let i = 0; i < requestsPerSample; i++) {
        const r = await timed(url(id, n[id]))
        sample.requests++
        sample.ms += r.ms
        sample.insideMs += r.insideMs
        sample.ops += n[id]
      }
      raw.get(id).push(sample)
    }
  }
  empties.sort((a, b) => a - b)
  const empty = empties[Math.floor(empties.length / 2)]
  const results = {}
  for (const id of ids) {
    const samples = raw.get(id)
    const summary = summarize(samples.map((s) => ({ ops: s.ops, ms: Math.max(0, s.ms - s.requests * empty) })))
    const inside = samples.reduce((sum, s) => sum + s.insideMs, 0)
    const ops = samples.reduce((sum, s) => sum + s.ops, 0)
    results[id] = { ...summary, opsPerRequest: n[id], insideWorkerUs: round((inside * 1000) / ops, 3) }
  }
  return { results, emptyRequestMs: round(empty, 3) }
}
