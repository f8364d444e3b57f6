// What restart.test.ts needs from Node: docs/REVOCATION.md's client blocks written out as
// modules, a one-node Redis Cluster, and the Bun client process driven over stdin
// (restart-client.mjs). Kept in JavaScript: the project has no @types/node.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { createClient } from 'redis'
import { codeBlocks } from '../docs/project.mjs'
import { startRedisServer } from './server.mjs'

export { freePort, haveRedisServer, startRedisServer } from './server.mjs'

const root = decodeURIComponent(new URL('../../', import.meta.url).pathname)
const blocks = codeBlocks(join(root, 'docs/REVOCATION.md'))
// Inside the repository, so that the blocks' bare imports resolve from node_modules.
let dir

function workDir() {
  dir ??= mkdtempSync(join(root, 'test/redis/.restart-'))
  return dir
}

export function removeWorkDir() {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  dir = undefined
}

/** The ```ts block of docs/REVOCATION.md whose first line is `firstLine`. */
function documented(firstLine) {
  const found = blocks.filter((block) => block.lang === 'ts' && block.code.split('\n', 1)[0] === firstLine)
  if (found.length !== 1) throw new Error(`docs/REVOCATION.md: ${found.length} ts blocks start with ${JSON.stringify(firstLine)}`)
  return found[0].code
}

/** Imports the block as a module (a new one per `copy`), with REDIS_URL set to `url` as the block reads it. */
export async function importDocumented(firstLine, url, copy = '') {
  const file = join(workDir(), `${firstLine.replace(/\W+/g, '-')}${copy}.ts`)
  writeFileSync(file, documented(firstLine))
  process.env.REDIS_URL = url
  return import(/* @vite-ignore */ file)
}

const clusterArgs = (port) => ['--cluster-enabled', 'yes', '--cluster-config-file', join(workDir(), `nodes-${port}.conf`), '--cluster-announce-ip', '127.0.0.1']

/**
 * A redis-server on `port`; with `cluster`, a one-node Redis Cluster holding every hash
 * slot (started again, the node reloads its slots from its nodes.conf).
 */
export async function startServer(port, { cluster = false, fresh = true } = {}) {
  const server = await startRedisServer(port, cluster ? clusterArgs(port) : [])
  if (!cluster) return server
  const admin = await createClient({ url: `redis://127.0.0.1:${port}` }).connect()
  try {
    if (fresh) await admin.sendCommand(['CLUSTER', 'ADDSLOTSRANGE', '0', '16383'])
    const deadline = Date.now() + 10_000
    while (!String(await admin.sendCommand(['CLUSTER', 'INFO'])).includes('cluster_state:ok')) {
      if (Date.now() > deadline) throw new Error(`the one-node cluster on port ${port} is not ok after 10 s`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  } finally {
    admin.destroy()
  }
  return server
}

/**
 * Runs the block on Bun (restart-client.mjs), `sealed-session/redis` standing in as the
 * package's source. `call(name)` resolves with the store's answer or rejects with its error;
 * it rejects too if the process has ended (its stderr in the message).
 */
export function bunDocumented(firstLine, url) {
  const file = join(workDir(), 'bun.ts')
  writeFileSync(file, documented(firstLine).replace("'sealed-session/redis'", JSON.stringify(join(root, 'src/redis.ts'))))
  const child = spawn(join(root, 'node_modules/.bin/bun'), [join(root, 'test/redis/restart-client.mjs'), file], {
    cwd: root,
    env: { ...process.env, REDIS_URL: url },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const next = async () => {
    const line = await Promise.race([lines.next(), exited.then((code) => ({ done: true, value: `exited with ${code}` }))])
    if (line.done) throw new Error(`the Bun process ended (${line.value ?? 'stdout closed'}): ${stderr}`)
    return JSON.parse(line.value)
  }
  const ready = next()
  return {
    ready: () => ready,
    async call(name) {
      child.stdin.write(`${name}\n`)
      const reply = await next()
      if (!reply.ok) throw new Error(reply.error)
      return reply.value
    },
    async end() {
      child.stdin.write('end\n')
      return exited
    },
    kill: () => child.kill('SIGKILL'),
  }
}

/**
 * Three masters without replicas (slots 0-5460, 5461-10922, 10923-16383), failure
 * detection after `nodeTimeoutMs`; `fullCoverage` is Redis's cluster-require-full-coverage.
 * Resolves once every node says cluster_state:ok. `admin(port, ...command)` runs one command.
 */
export async function startThreeMasters(ports, { fullCoverage, nodeTimeoutMs = 500 }) {
  const servers = []
  try {
    for (const port of ports) {
      servers.push(await startRedisServer(port, [...clusterArgs(port), '--cluster-node-timeout', String(nodeTimeoutMs), '--cluster-require-full-coverage', fullCoverage ? 'yes' : 'no']))
    }
    const ranges = [['0', '5460'], ['5461', '10922'], ['10923', '16383']]
    for (const [i, port] of ports.entries()) await admin(port, 'CLUSTER', 'ADDSLOTSRANGE', ...ranges[i])
    for (const port of ports.slice(1)) await admin(ports[0], 'CLUSTER', 'MEET', '127.0.0.1', String(port))
    const deadline = Date.now() + 15_000
    for (const port of ports) {
      while (!String(await admin(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok') || !String(await admin(port, 'CLUSTER', 'INFO')).includes('cluster_known_nodes:3')) {
        if (Date.now() > deadline) throw new Error('the three-master cluster is not ok after 15 s')
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
  } catch (error) {
    for (const server of servers) await server.stop()
    throw error
  }
  return servers
}

/** One command to the redis-server on `port`, on a connection of its own. */
export async function admin(port, ...command) {
  const client = await createClient({ url: `redis://127.0.0.1:${port}` }).connect()
  try {
    return await client.sendCommand(command)
  } finally {
    client.destroy()
  }
}
