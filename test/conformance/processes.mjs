// Child processes for the runtime runners (test/conformance/run.mjs, test/next/run.mjs):
// every child gets its own process group so that it and its children can be killed
// together, every wait is bounded, and nothing outlives the runner.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'

const children = new Set()

function killGroup(child, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // Already gone.
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const child of children) killGroup(child, 'SIGKILL')
    process.exit(130)
  })
}
process.once('exit', () => {
  for (const child of children) killGroup(child, 'SIGKILL')
})

/**
 * Starts `command` in its own process group. `onLine` sees each output line (stdout and
 * stderr). Returns the child and `stop()`, which ends the whole group (SIGTERM, then
 * SIGKILL after `graceMs`) and resolves once it has exited.
 */
export function start(command, args, { cwd, env, onLine = () => {}, graceMs = 3000 } = {}) {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  const exited = new Promise((resolve) => {
    child.once('error', (error) => {
      onLine(`[spawn error] ${error.message}`)
      resolve({ code: 127, signal: null })
    })
    child.once('close', (code, signal) => {
      children.delete(child)
      resolve({ code, signal })
    })
  })
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
  const stop = async () => {
    killGroup(child)
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs)
    const result = await exited
    clearTimeout(timer)
    return result
  }
  return { child, exited, stop }
}

/** Runs `command` to completion, killing it after `timeoutMs`. Resolves to `{ code, lines, timedOut, ms }`. */
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
  return { code: timedOut ? null : code, lines, timedOut, ms: performance.now() - began }
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** The `N passed, M failed` line of a suite's output, or undefined. */
export function summaryOf(lines) {
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = /^(\d+) passed, (\d+) failed$/.exec(lines[i].trim())
    if (match) return { passed: Number(match[1]), failed: Number(match[2]) }
  }
  return undefined
}
