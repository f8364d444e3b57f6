// Vitest globalSetup for the Redis suite: starts a throwaway redis-server on a free
// loopback port (no persistence), hands its URL to the tests (inject('redisUrl')), and
// stops it by PID afterwards. Without redis-server the suite is SKIPPED locally and
// FAILS under CI=true (.ci/run installs it). The processes themselves: ./spawn.mjs.
import { spawnSync } from 'node:child_process'
import { BINARY, freePort, startRedis } from './spawn.mjs'

export { freePort }

export default async function setup(project) {
  if (!haveRedisServer()) {
    const message = `${BINARY} not found: the Redis store suite needs it (apt-get install redis-server)`
    if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`${message}; CI=true requires it`)
    console.warn(`SKIPPED: ${message}`)
    return
  }
  const version = spawnSync(BINARY, ['--version'], { encoding: 'utf8' }).stdout.match(/v=(\S+)/)?.[1] ?? ''
  const server = await startRedis()
  console.log(`redis-server ${version} on 127.0.0.1:${server.port} (pid ${server.pid})`)
  project.provide('redisUrl', server.url)
  return () => server.stop()
}

/** Whether redis-server can be run here (the suite is skipped or failed without it). */
export function haveRedisServer() {
  const probe = spawnSync(BINARY, ['--version'], { encoding: 'utf8' })
  return probe.error === undefined && probe.status === 0
}

/** A redis-server on 127.0.0.1:`port` with these extra arguments, answering PING; `stop()` ends it by PID. */
export async function startRedisServer(port, extraArgs = []) {
  const server = await startRedis({ port, extra: extraArgs })
  return { pid: server.pid, stop: server.stop }
}
