/**
 * The benchmark driver (Node): runs the suite on each runtime in its own process, one
 * after another, prints a table per runtime and the target checks, and writes
 * bench/results/<runtime>.json, bench/results/chart.svg and the generated block of
 * BENCHMARKS.md.
 *
 *   node bench/run.mjs                      every runtime
 *   BENCH_RUNTIMES=node24,deno node bench/run.mjs
 *   BENCH_TIME_SCALE=0.3 node bench/run.mjs   shorter samples (a quick look; noisier)
 *   node bench/run.mjs --profile            the component profile instead (bench/results/profile-*.json)
 *
 * BENCHMARKS.md is rewritten (between its markers) only when every runtime ran at the
 * full time scale, so the document always shows one complete run.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chartSvg } from './chart.mjs'
import { markdownProfile, markdownResults, replaceBlock, summaryLine, textProfile, textTable, textTargets } from './report.mjs'

const BENCH = dirname(fileURLToPath(import.meta.url))
const ROOT = dirname(BENCH)
const RESULTS = join(BENCH, 'results')
const DOC = join(ROOT, 'BENCHMARKS.md')
const RESULT_PREFIX = 'BENCH_RESULT '
const BIN = join(ROOT, 'node_modules', '.bin')
const NODE24 = existsSync(join(BIN, 'node')) ? join(BIN, 'node') : process.execPath

const profileMode = process.argv.includes('--profile')
const timeScale = Number(process.env.BENCH_TIME_SCALE ?? 1)
if (!(timeScale > 0 && timeScale <= 10)) throw new Error(`BENCH_TIME_SCALE must be in (0, 10], got ${process.env.BENCH_TIME_SCALE}`)
const scaleArg = `--time-scale=${timeScale}`
const extra = profileMode ? [scaleArg, '--profile'] : [scaleArg]

/** Each runtime: how to start it on the shared suite. Deno resolves npm packages from node_modules, offline. */
const RUNTIMES = {
  node24: { command: NODE24, args: ['bench/child.mjs', ...extra] },
  node20: { command: '/usr/bin/node', args: ['bench/child.mjs', ...extra], expectVersion: /^v20\./ },
  bun: { command: join(BIN, 'bun'), args: ['bench/child.mjs', ...extra] },
  deno: {
    command: join(BIN, 'deno'),
    args: ['run', '--allow-read', '--allow-env', '--node-modules-dir=manual', '--no-lock', '--no-prompt', 'bench/child.mjs', ...extra],
    env: { DENO_NO_UPDATE_CHECK: '1' },
  },
  workerd: { command: NODE24, args: ['bench/workerd.mjs', ...extra], env: { WRANGLER_SEND_METRICS: 'false' } },
}
/** The machine is shared: wait for other processes to use less than this share of the CPU… */
const QUIET_BUSY = 0.15
/** …but never longer than this before each runtime. */
const QUIET_WAIT_MS = 90_000
/** Every child is killed past this (the suite takes about a minute per runtime at scale 1). */
const CHILD_TIMEOUT_MS = Math.max(60_000, 150_000 * timeScale)

const selected = (process.env.BENCH_RUNTIMES ?? Object.keys(RUNTIMES).join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)
for (const key of selected) if (!(key in RUNTIMES)) throw new Error(`unknown runtime ${key}; known: ${Object.keys(RUNTIMES).join(', ')}`)

mkdirSync(RESULTS, { recursive: true })
ensureDist()
const machine = describeMachine()
console.log(`sealed-session benchmarks${profileMode ? ' (component profile)' : ''}: ${selected.join(', ')}; time scale ${timeScale}`)
console.log(`${machine.cpuModel}, ${machine.nproc} cores, ${machine.memory}; source ${machine.commit}`)

const runStarted = Date.now()
const entries = []
const failures = []
for (const key of selected) {
  const spec = RUNTIMES[key]
  const problem = unavailable(spec)
  if (problem) {
    console.log(`\n== ${key}: skipped (${problem})`)
    failures.push(`${key}: ${problem}`)
    continue
  }
  const quiet = await waitForQuietMachine()
  console.log(`\n-- ${key}: running ${[spec.command, ...spec.args].join(' ')}`)
  console.log(`   machine before: ${describeQuiet(quiet)}`)
  const started = Date.now()
  try {
    const result = await runChild(key, spec)
    result.machine = machine
    result.timeScale = timeScale
    result.machineLoad = { before: quiet, loadAverageAfter: loadAverage() }
    const file = join(RESULTS, profileMode ? `profile-${key}.json` : `${key}.json`)
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
    entries.push([key, result])
    if (profileMode) console.log(textProfile(key, result))
    else {
      console.log(textTable(key, result))
      console.log('   targets:')
      console.log(textTargets(key, result))
    }
    console.log(`   (${((Date.now() - started) / 1000).toFixed(0)} s; wrote ${file.slice(ROOT.length + 1)})`)
  } catch (error) {
    console.log(`\n== ${key}: FAILED: ${error.message}`)
    failures.push(`${key}: ${error.message}`)
  }
}

const complete = failures.length === 0 && selected.length === Object.keys(RUNTIMES).length && timeScale === 1
if (profileMode) {
  if (entries.length > 0 && complete) {
    const doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Benchmarks\n'
    writeFileSync(DOC, replaceBlock(doc, 'profile', markdownProfile(entries)))
    console.log('\nUpdated the profile block of BENCHMARKS.md')
  }
} else {
  // The chart and the document show the latest result of every runtime on disk.
  const all = Object.keys(RUNTIMES)
    .map((key) => [key, join(RESULTS, `${key}.json`)])
    .filter(([, file]) => existsSync(file))
    .map(([key, file]) => [key, JSON.parse(readFileSync(file, 'utf8'))])
  if (all.length > 0) {
    const dates = [...new Set(all.map(([, r]) => r.started.slice(0, 10)))].join(', ')
    writeFileSync(join(RESULTS, 'chart.svg'), chartSvg(all, { subtitle: `${machine.cpuModel}, ${machine.nproc} cores · measured ${dates} · each runtime in one run, contenders interleaved` }))
    console.log('\nWrote bench/results/chart.svg')
  }
  if (complete) {
    const doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Benchmarks\n'
    const summary = summaryLine(all)
    const updated = replaceBlock(replaceBlock(doc, 'summary', summary), 'results', markdownResults(all, { ...machine, date: new Date().toISOString().slice(0, 10) }))
    writeFileSync(DOC, updated)
    console.log(`Updated the summary and results blocks of BENCHMARKS.md\n\n${summary}`)
  } else {
    console.log('BENCHMARKS.md left as it is (it is rewritten only by a complete run of every runtime at time scale 1)')
  }
}
console.log(`\nTotal ${((Date.now() - runStarted) / 1000).toFixed(0)} s${failures.length ? `; problems: ${failures.join('; ')}` : ''}`)
if (failures.length > 0) process.exitCode = 1

/** CPU time other processes used, as a fraction of all cores, over `ms` while this driver idles. */
async function busyFraction(ms) {
  const read = () => {
    try {
      const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
      const idle = fields[3] + (fields[4] ?? 0)
      return { idle, total: fields.reduce((a, b) => a + b, 0) }
    } catch {
      return undefined
    }
  }
  const a = read()
  await new Promise((resolve) => setTimeout(resolve, ms))
  const b = read()
  if (!a || !b || b.total === a.total) return undefined
  return 1 - (b.idle - a.idle) / (b.total - a.total)
}

function loadAverage() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number)
  } catch {
    return undefined
  }
}

/** Before each runtime, wait (at most QUIET_WAIT_MS) for a quiet machine; record what was seen either way. */
async function waitForQuietMachine() {
  const start = Date.now()
  let busy = await busyFraction(1000)
  while (busy !== undefined && busy > QUIET_BUSY && Date.now() - start < QUIET_WAIT_MS) {
    if (Date.now() - start < 1500) console.log(`   other processes use ${(busy * 100).toFixed(0)}% of the CPU; waiting up to ${QUIET_WAIT_MS / 1000} s for a quieter machine`)
    await new Promise((resolve) => setTimeout(resolve, 4000))
    busy = await busyFraction(1000)
  }
  return { busyFraction: busy === undefined ? null : Number(busy.toFixed(3)), waitedMs: Date.now() - start, loadAverage: loadAverage() }
}

function describeQuiet(q) {
  const busy = q.busyFraction === null ? 'unknown' : `${(q.busyFraction * 100).toFixed(0)}%`
  const warn = q.busyFraction !== null && q.busyFraction > QUIET_BUSY ? ' — NOT QUIET: other processes were busy, expect noisier numbers' : ''
  return `other processes used ${busy} of the CPU (waited ${(q.waitedMs / 1000).toFixed(0)} s), load average ${q.loadAverage?.join(' ') ?? 'unknown'}${warn}`
}

function ensureDist() {
  if (existsSync(join(ROOT, 'dist', 'index.js'))) return
  console.log('dist/ is missing: building it (tsc -p tsconfig.build.json)')
  const built = spawnSync(join(BIN, 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' })
  if (built.status !== 0) throw new Error('build failed')
}

function unavailable(spec) {
  if (!existsSync(spec.command)) return `${spec.command} not found`
  if (spec.expectVersion) {
    const version = spawnSync(spec.command, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? ''
    if (!spec.expectVersion.test(version)) return `${spec.command} is ${version || 'unknown'}, expected ${spec.expectVersion}`
  }
  return undefined
}

function runChild(key, spec) {
  return new Promise((resolve, reject) => {
    const child = spawn(spec.command, spec.args, { cwd: ROOT, env: { ...process.env, ...spec.env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`timed out after ${CHILD_TIMEOUT_MS / 1000} s`))
    }, CHILD_TIMEOUT_MS)
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => {
      stderr += d
      process.stderr.write(d)
    })
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX))
      if (code !== 0 || line === undefined) {
        reject(new Error(`${key} exited with ${code}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`))
        return
      }
      resolve(JSON.parse(line.slice(RESULT_PREFIX.length)))
    })
  })
}

function describeMachine() {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown'
  let cpuDetail = ''
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8')
    const field = (name) => info.match(new RegExp(`^${name}\\s*:\\s*(.+)$`, 'm'))?.[1].trim()
    if (field('model name')) cpuModel = field('model name')
    const flags = field('flags') ?? ''
    cpuDetail = [
      field('cpu family') && `family ${field('cpu family')} model ${field('model')}`,
      field('cpu MHz') && `${Math.round(Number(field('cpu MHz')))} MHz`,
      field('cache size') && `${field('cache size')} cache`,
      flags.split(' ').includes('hypervisor') && 'virtual machine',
    ]
      .filter(Boolean)
      .join(', ')
  } catch {
    // not Linux: keep os.cpus()
  }
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout?.trim() || String(os.availableParallelism())
  const versionsOf = (command) => {
    if (!existsSync(command)) return undefined
    const r = spawnSync(command, ['-p', 'JSON.stringify(process.versions)'], { encoding: 'utf8' })
    return r.status === 0 ? JSON.parse(r.stdout) : undefined
  }
  const git = (...args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? ''
  const head = git('rev-parse', '--short', 'HEAD')
  const dirty = git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length
  return {
    cpuModel,
    cpuDetail,
    nproc: Number(nproc),
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    kernel: `${os.type()} ${os.release()}`,
    nodeVersions: { node24: versionsOf(NODE24), node20: versionsOf('/usr/bin/node') },
    commit: head ? `commit ${head}${dirty ? ` with ${dirty} uncommitted change(s) in src/` : ''} (dist/ as built)` : 'no commit yet (dist/ as built)',
  }
}
