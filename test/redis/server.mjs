// Vitest globalSetup for the Redis suite: starts a throwaway redis-server on a free
// loopback port (no persistence), hands its URL to the tests (inject('redisUrl')), and
// stops it by PID afterwards. Without redis-server the suite is SKIPPED locally and
// FAILS under CI=true (.ci/run installs it).
import { spawn, spawnSync } from 'node:child_process'
import { createConnection, createServer } from 'node:net'

const BINARY = process.env.REDIS_SERVER ?? 'redis-server'

export default async function setup(project) {
  const probe = spawnSync(BINARY, ['--version'], { encoding: 'utf8' })
  if (probe.error !== undefined || probe.status !== 0) {
    const message = `${BINARY} not found: the Redis store suite needs it (apt-get install redis-server)`
    if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`${message}; CI=true requires it`)
    console.warn(`SKIPPED: ${message}`)
    return
  }
  const port = await freePort()
  const server = await startRedisServer(port)
  console.log(`redis-server ${probe.stdout.match(/v=(\S+)/)?.[1] ?? ''} on 127.0.0.1:${port} (pid ${server.pid})`)
  project.provide('redisUrl', `redis://127.0.0.1:${port}`)
  return () => server.stop()
}

/** Whether redis-server can be run here (the suite is skipped or failed without it). */
export function haveRedisServer() {
  const probe = spawnSync(BINARY, ['--version'], { encoding: 'utf8' })
  return probe.error === undefined && probe.status === 0
}

/**
 * A redis-server on 127.0.0.1:`port` without persistence, answering PING when this
 * resolves; `stop()` ends it by PID and resolves once it has exited.
 */
export async function startRedisServer(port, extraArgs = []) {
  const server = spawn(BINARY, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  server.stdout.on('data', (chunk) => (output += chunk))
  server.stderr.on('data', (chunk) => (output += chunk))
  const exited = new Promise((resolve) => server.once('exit', resolve))
  const stopServer = async () => {
    stop(server.pid)
    await exited
  }
  try {
    await ready(port, exited)
  } catch (error) {
    await stopServer()
    throw new Error(`redis-server did not start on port ${port}: ${error.message}\n${output}`)
  }
  return { pid: server.pid, stop: stopServer }
}

function stop(pid) {
  try {
    process.kill(pid, 'SIGTERM')
  } catch {
    // already gone
  }
}

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
