// Starts and stops redis-server processes on free loopback ports, by PID: the suite's
// server (server.mjs), and the tests' own (a restart, a one-node cluster).
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createConnection } from 'node:net'
import { freePort } from '../support/processes.mjs'

export { freePort }
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const BINARY = process.env.REDIS_SERVER ?? 'redis-server'

/**
 * A redis-server on 127.0.0.1 (`port`, or a free one), no persistence unless `extra` asks
 * for it; resolves once it answers PING. `stop()` sends SIGTERM to its PID and waits for it.
 */
export async function startRedis({ port, extra = [] } = {}) {
  const chosen = port ?? (await freePort())
  const server = spawn(BINARY, ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  server.stdout.on('data', (chunk) => (output += chunk))
  server.stderr.on('data', (chunk) => (output += chunk))
  const exited = new Promise((resolve) => server.once('exit', resolve))
  const stop = async () => {
    try {
      process.kill(server.pid, 'SIGTERM')
    } catch {
      // already gone
    }
    await exited
  }
  try {
    await ready(chosen, exited)
  } catch (error) {
    await stop()
    throw new Error(`redis-server did not start on port ${chosen}: ${error.message}\n${output}`)
  }
  return { port: chosen, pid: server.pid, url: `redis://127.0.0.1:${chosen}`, stop, output: () => output }
}

/** A fresh temporary directory (for AOF files), and its removal. */
export function tempDir() {
  return mkdtemp(join(tmpdir(), 'sealed-session-redis-'))
}
export function removeDir(dir) {
  return rm(dir, { recursive: true, force: true })
}


/** PING until PONG: at most 100 tries, 50 ms apart (a process start, not a test clock). */
async function ready(port, exited) {
  let gone = false
  exited.then(() => (gone = true))
  for (let attempt = 0; attempt < 100 && !gone; attempt++) {
    if (await ping(port)) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(gone ? 'it exited' : 'no PONG within 5 s')
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let reply = ''
    socket.setTimeout(500, () => socket.destroy())
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (chunk) => {
      reply += chunk
      if (reply.includes('\r\n')) socket.end()
    })
    socket.on('close', () => resolve(reply.startsWith('+PONG')))
    socket.on('error', () => {})
  })
}
