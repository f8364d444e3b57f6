/**
 * Ports and processes for the script runners (conformance, browser, load, docs, Next.js):
 * every child leads its own process group, so it and its children are killed together;
 * every wait is bounded; nothing outlives the runner (exit and signal hooks kill what is
 * left and remove temp directories). Node only: the runners run on Node; the suites they
 * start may run anywhere.
 */
import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { summaryOf } from './runner.mjs'

/** The repository root. */
export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const WRANGLER = join(ROOT, 'node_modules/wrangler/bin/wrangler.js')

/** Process groups (by leader pid) and temp dirs to remove when we exit, however we exit. */
const groups = new Set()
const tempDirs = new Set()

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal)
  } catch {
    // Already gone.
  }
}

function removeTempDirs() {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
  tempDirs.clear()
}

/** Kills every process group still running and removes the temp dirs (the exit hook does it too). */
export function cleanUp() {
  for (const pid of groups) killGroup(pid, 'SIGKILL')
  removeTempDirs()
}

process.once('exit', cleanUp)
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the processes this run started`)
    cleanUp()
    process.exit(130)
  })
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolvePort(port))
    })
  })
}

export function sleep(ms) {
  return new Promise((done) => setTimeout(done, ms))
}

/** The last `lines` lines of a log. */
export function tail(text, lines = 30) {
  return text.split('\n').slice(-lines).join('\n')
}

/** A fresh temp directory, removed when the run ends. */
export function tempDir(prefix = 'sealed-session-') {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  tempDirs.add(dir)
  return dir
}

/**
 * Starts `command` in its own process group. `onLine` sees each output line (stdout and
 * stderr), unless `logFile` is given: then both go to that file. Returns the child,
 * `exited` (resolves to `{ code, signal }`) and `stop()`, which ends the whole group
 * (SIGTERM, then SIGKILL after `graceMs`) and resolves once it has exited.
 */
export function start(command, args, { cwd = ROOT, env, onLine = () => {}, logFile, graceMs = 3000 } = {}) {
  const log = logFile === undefined ? undefined : openSync(logFile, 'w')
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', log ?? 'pipe', log ?? 'pipe'] })
  if (log !== undefined) closeSync(log)
  if (child.pid !== undefined) groups.add(child.pid)
  let done = false
  const exited = new Promise((resolveExit) => {
    child.once('error', (error) => {
      onLine(`[spawn error] ${error.message}`)
      done = true
      resolveExit({ code: 127, signal: null })
    })
    child.once('close', (code, signal) => {
      done = true
      groups.delete(child.pid)
      resolveExit({ code, signal })
    })
  })
  if (log === undefined) {
    for (const stream of [child.stdout, child.stderr]) {
      let rest = ''
      stream.setEncoding('utf8')
      stream.on('data', (text) => {
        const lines = (rest + text).split('\n')
        rest = lines.pop() ?? ''
        for (const line of lines) onLine(line)
      })
      stream.on('end', () => {
        if (rest !== '') onLine(rest)
      })
    }
  }
  const stop = async () => {
    if (done || child.pid === undefined) return exited
    killGroup(child.pid, 'SIGTERM')
    const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), graceMs)
    const result = await exited
    clearTimeout(timer)
    return result
  }
  return { child, exited, stop, get running() { return !done } }
}

/**
 * Runs `command` to completion, killing it after `timeoutMs`. Resolves to
 * `{ code, lines, timedOut, ms, summary }`, `summary` being its `N passed, M failed` line.
 */
export async function run(command, args, { timeoutMs, ...options } = {}) {
  const lines = []
  const began = performance.now()
  const onLine = (line) => {
    lines.push(line)
    options.onLine?.(line)
  }
  const proc = start(command, args, { ...options, onLine })
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    void proc.stop()
  }, timeoutMs)
  const { code } = await proc.exited
  clearTimeout(timer)
  return { code: timedOut ? null : code, lines, timedOut, ms: performance.now() - began, summary: summaryOf(lines) }
}

/**
 * Polls `url` until it answers HTTP (any status, or `status` when given), `proc` exits, or
 * `timeoutMs` passes.
 */
export async function waitForHttp(url, { proc, timeoutMs = 30_000, intervalMs = 250, status } = {}) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (proc !== undefined && !proc.running) return false
    try {
      const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(2_000) })
      await response.arrayBuffer()
      if (status === undefined || response.status === status) return true
    } catch {
      // Not listening yet.
    }
    await sleep(intervalMs)
  }
  return false
}

/** `value` of `key = "value"` in a wrangler.toml (top-level or [vars]): enough for our own files. */
export function tomlString(file, key) {
  const match = readFileSync(join(ROOT, file), 'utf8').match(new RegExp(`^${key}\\s*=\\s*"([^"]*)"`, 'm'))
  if (match === null) throw new Error(`${file} has no ${key} = "…"`)
  return match[1]
}

/**
 * Starts `wrangler dev [--config <config>]` in `cwd` (the repository, or a project with its
 * own `wrangler` install) on 127.0.0.1 with free ports, `--var`s, and a fresh
 * `--persist-to` directory (local KV state that no other run sees), its output in `logFile`.
 * Resolves once the Worker answers HTTP, to `{ url, port, logFile, log(), stop() }`.
 */
export async function startWrangler({ config, cwd = ROOT, wrangler = WRANGLER, vars = {}, logFile, logLevel = 'info', extraArgs = [], readyTimeoutMs = 90_000 }) {
  const port = await freePort()
  const inspectorPort = await freePort()
  const persistTo = tempDir('sealed-session-kv-')
  const args = [
    wrangler, 'dev',
    ...(config === undefined ? [] : ['--config', config]),
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--inspector-port', String(inspectorPort),
    '--persist-to', persistTo,
    '--show-interactive-dev-session=false',
    '--log-level', logLevel,
    ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
    ...extraArgs,
  ]
  // wrangler leads its own process group, so one kill reaches workerd too.
  const proc = start(process.execPath, args, { cwd, logFile, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' }, graceMs: 5_000 })
  const url = `http://127.0.0.1:${port}`
  const server = {
    url,
    port,
    logFile,
    log: () => readFileSync(logFile, 'utf8'),
    async stop() {
      await proc.stop()
      rmSync(persistTo, { recursive: true, force: true })
      tempDirs.delete(persistTo)
    },
  }
  if (await waitForHttp(url, { proc, timeoutMs: readyTimeoutMs })) return server
  const why = proc.running ? `did not answer on ${url} within ${readyTimeoutMs / 1000} s` : 'exited before it was ready'
  await server.stop()
  throw new Error(`wrangler dev (${config ?? cwd}) ${why}; log ${logFile}:\n${tail(server.log())}`)
}
