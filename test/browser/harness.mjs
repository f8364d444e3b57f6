/**
 * What the browser and load suites share: starting `wrangler dev` on 127.0.0.1 with its
 * own ports and a fresh KV directory, stopping every server we started (whole process
 * groups, on failure too), and a tiny sequential test runner that ends with the line
 * `N passed, M failed`.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, openSync, readFileSync, rmSync, closeSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const WRANGLER = join(ROOT, 'node_modules/wrangler/bin/wrangler.js')

/** Process groups and temp dirs to remove when we exit, however we exit. */
const groups = new Set()
const tempDirs = new Set()

function killGroups(signal) {
  for (const pid of groups) {
    try {
      process.kill(-pid, signal)
    } catch {
      // Already gone.
    }
  }
}

function removeTempDirs() {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
  tempDirs.clear()
}

process.on('exit', () => {
  killGroups('SIGKILL')
  removeTempDirs()
})
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the servers this run started`)
    killGroups('SIGKILL')
    process.exit(130)
  })
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export async function freePort() {
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

/** `value` of `key = "value"` in a wrangler.toml (top-level or [vars]): enough for our own files. */
export function tomlString(file, key) {
  const match = readFileSync(join(ROOT, file), 'utf8').match(new RegExp(`^${key}\\s*=\\s*"([^"]*)"`, 'm'))
  if (match === null) throw new Error(`${file} has no ${key} = "…"`)
  return match[1]
}

/**
 * Starts `wrangler dev --config <config>` on 127.0.0.1 with free ports, `--var`s, and a fresh
 * `--persist-to` directory (local KV state that no other run sees). Resolves once the
 * Worker answers HTTP.
 */
export async function startWrangler({ config, vars = {}, logFile, logLevel = 'info', extraArgs = [], readyTimeoutMs = 90_000 }) {
  const port = await freePort()
  const inspectorPort = await freePort()
  const persistTo = mkdtempSync(join(tmpdir(), 'sealed-session-kv-'))
  tempDirs.add(persistTo)
  const args = [
    WRANGLER, 'dev',
    '--config', config,
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--inspector-port', String(inspectorPort),
    '--persist-to', persistTo,
    '--show-interactive-dev-session=false',
    '--log-level', logLevel,
    ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
    ...extraArgs,
  ]
  const log = openSync(logFile, 'w')
  // detached: wrangler leads its own process group, so one kill reaches workerd too.
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  })
  closeSync(log)
  groups.add(child.pid)
  let exited = false
  const exit = new Promise((done) => child.once('exit', (code, signal) => {
    exited = true
    groups.delete(child.pid)
    done({ code, signal })
  }))
  const url = `http://127.0.0.1:${port}`
  const server = {
    url,
    port,
    logFile,
    log: () => readFileSync(logFile, 'utf8'),
    async stop() {
      if (exited) return
      try {
        process.kill(-child.pid, 'SIGTERM')
      } catch {
        return
      }
      const stopped = await Promise.race([exit.then(() => true), sleep(5_000).then(() => false)])
      if (!stopped) {
        try {
          process.kill(-child.pid, 'SIGKILL')
        } catch {
          // Gone in between.
        }
        await Promise.race([exit, sleep(2_000)])
      }
      groups.delete(child.pid)
      rmSync(persistTo, { recursive: true, force: true })
      tempDirs.delete(persistTo)
    },
  }
  const deadline = Date.now() + readyTimeoutMs
  while (Date.now() < deadline) {
    if (exited) throw new Error(`wrangler dev (${config}) exited before it was ready; log ${logFile}:\n${tail(server.log())}`)
    try {
      const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(2_000) })
      await response.arrayBuffer()
      return server
    } catch {
      await sleep(250)
    }
  }
  await server.stop()
  throw new Error(`wrangler dev (${config}) did not answer on ${url} within ${readyTimeoutMs / 1000} s; log ${logFile}:\n${tail(server.log())}`)
}

export function tail(text, lines = 30) {
  return text.split('\n').slice(-lines).join('\n')
}

/** Removes the temp dirs and kills what is left now (the 'exit' hook does it too). */
export function cleanUp() {
  killGroups('SIGKILL')
  removeTempDirs()
}

/**
 * A sequential test runner: `test(name, fn)` registers, `run()` executes in order, each
 * test bounded by `timeoutMs`, and prints `N passed, M failed` last.
 */
export function createSuite({ timeoutMs = 60_000 } = {}) {
  const tests = []
  return {
    test(name, fn) {
      tests.push({ name, fn })
    },
    async run() {
      let passed = 0
      let failed = 0
      for (const { name, fn } of tests) {
        const started = performance.now()
        let timer
        try {
          await Promise.race([
            fn(),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs)
            }),
          ])
          passed++
          console.log(`  ✓ ${name} (${Math.round(performance.now() - started)} ms)`)
        } catch (error) {
          failed++
          console.log(`  ✗ ${name} (${Math.round(performance.now() - started)} ms)`)
          console.log(indent(error instanceof Error ? (error.stack ?? error.message) : String(error)))
        } finally {
          clearTimeout(timer)
        }
      }
      return { passed, failed }
    },
  }
}

function indent(text) {
  return text.split('\n').map((line) => `      ${line}`).join('\n')
}

/** A failed expectation with the values in the message. */
export function expect(condition, message) {
  if (!condition) throw new Error(message)
}

export function equal(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
}
