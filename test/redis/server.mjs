// Vitest globalSetup for the Redis suite: starts a throwaway redis-server on a free
// loopback port (no persistence), hands its URL to the tests (inject('redisUrl')), and
// stops it by PID afterwards. Without redis-server the suite is SKIPPED locally and
// FAILS under CI=true (.ci/run installs it).
import { spawnSync } from 'node:child_process'
import { BINARY, startRedis } from './spawn.mjs'

export default async function setup(project) {
  const probe = spawnSync(BINARY, ['--version'], { encoding: 'utf8' })
  if (probe.error !== undefined || probe.status !== 0) {
    const message = `${BINARY} not found: the Redis store suite needs it (apt-get install redis-server)`
    if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`${message}; CI=true requires it`)
    console.warn(`SKIPPED: ${message}`)
    return
  }
  const server = await startRedis()
  console.log(`redis-server ${probe.stdout.match(/v=(\S+)/)?.[1] ?? ''} on 127.0.0.1:${server.port} (pid ${server.pid})`)
  project.provide('redisUrl', server.url)
  return () => server.stop()
}
