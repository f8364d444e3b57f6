import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, describe, expect, it } from 'vitest'
import type { RevocationStore } from 'sealed-session'
import { codeBlocks } from '../docs/project.mjs'
import { freePort, haveRedisServer, startRedisServer } from './server.mjs'

// The client blocks of docs/REVOCATION.md, run as they are written, against a redis-server
// of this file's own that is stopped and started again: during the outage a store call
// rejects (the engine then follows revocationFailure) and the process lives on; once
// Redis is back, calls work again without restarting the application.

const root = decodeURIComponent(new URL('../../', import.meta.url).pathname)
const blocks = codeBlocks(join(root, 'docs/REVOCATION.md'))
/** The ```ts block of docs/REVOCATION.md whose first line is `firstLine`. */
function documented(firstLine: string): string {
  const found = blocks.filter((block) => block.lang === 'ts' && block.code.split('\n', 1)[0] === firstLine)
  if (found.length !== 1) throw new Error(`docs/REVOCATION.md: ${found.length} ts blocks start with ${JSON.stringify(firstLine)}`)
  return found[0]!.code
}

// Inside the repository, so that the blocks' bare imports resolve from node_modules.
const dir = mkdtempSync(join(root, 'test/redis/.restart-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const now = (): number => Math.floor(Date.now() / 1000)
const revoke = (store: RevocationStore) => store.revoke({ sessionId: 's1', subject: 'ada', expiresAt: now() + 60 })
const check = (store: RevocationStore) => store.isRevoked({ sessionId: 's1', subject: 'ada', createdAt: now() })

type Outcome = { ok: true; value: unknown } | { ok: false; error: string } | { pending: true }
/** How `promise` settles within `ms` (a bound on the test, not a measurement). */
async function within(promise: Promise<unknown>, ms: number): Promise<Outcome> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const pending = new Promise<Outcome>((resolve) => (timer = setTimeout(() => resolve({ pending: true }), ms)))
  const settled = promise.then(
    (value): Outcome => ({ ok: true, value }),
    (error: unknown): Outcome => ({ ok: false, error: error instanceof Error ? error.message : String(error) }),
  )
  try {
    return await Promise.race([settled, pending])
  } finally {
    clearTimeout(timer)
  }
}

/** Calls `attempt` every 50 ms until it succeeds, for at most `ms`; the last outcome. */
async function until(attempt: () => Promise<unknown>, ms: number): Promise<Outcome> {
  const deadline = Date.now() + ms
  let outcome: Outcome
  do {
    outcome = await within(attempt(), 1000)
    if ('ok' in outcome && outcome.ok) return outcome
    await new Promise((resolve) => setTimeout(resolve, 50))
  } while (Date.now() < deadline)
  return outcome
}

/** What every client must do across a restart of the redis-server on `port`. */
async function survivesRestart(port: number, server: { stop(): Promise<void> }, call: (name: 'revoke' | 'check') => Promise<unknown>) {
  expect(await within(call('revoke'), 5000)).toEqual({ ok: true, value: null })
  expect(await within(call('check'), 5000)).toEqual({ ok: true, value: true })
  await server.stop()
  // Redis is down: the call rejects (at once, not after the client's retries).
  expect(await within(call('check'), 1000)).toMatchObject({ ok: false })
  const restarted = await startRedisServer(port)
  try {
    // Back (empty: no persistence here), without a new client.
    expect(await until(() => call('revoke'), 10_000)).toEqual({ ok: true, value: null })
    expect(await within(call('check'), 5000)).toEqual({ ok: true, value: true })
  } finally {
    await restarted.stop()
  }
}

describe.skipIf(!haveRedisServer())('the documented Redis clients survive a Redis restart', () => {
  const node = [
    { name: 'node-redis', firstLine: '// node-redis (npm i redis)', close: (redis: any) => redis.destroy() },
    { name: 'ioredis', firstLine: '// ioredis (npm i ioredis)', close: (redis: any) => redis.disconnect() },
  ]
  for (const client of node) {
    it(`${client.name}: a call rejects while Redis is down, the process lives on, and calls work once it is back`, async () => {
      const port = await freePort()
      const server = await startRedisServer(port)
      const file = join(dir, `${client.name}.ts`)
      writeFileSync(file, documented(client.firstLine))
      process.env.REDIS_URL = `redis://127.0.0.1:${port}`
      const module = (await import(/* @vite-ignore */ file)) as { redis: unknown; revocations: RevocationStore }
      try {
        await survivesRestart(port, server, async (name) => (await (name === 'revoke' ? revoke(module.revocations) : check(module.revocations))) ?? null)
      } finally {
        client.close(module.redis)
        await server.stop()
      }
    }, 30_000)
  }

  it("Bun's client: a call rejects while Redis is down, the process lives on, and calls work once it is back", async () => {
    const port = await freePort()
    const server = await startRedisServer(port)
    // Bun runs the TypeScript block itself; the package's source stands in for its build.
    const file = join(dir, 'bun.ts')
    writeFileSync(file, documented("// Bun's built-in client (Bun.RedisClient)").replace("'sealed-session/redis'", JSON.stringify(join(root, 'src/redis.ts'))))
    const child = spawn(join(root, 'node_modules/.bin/bun'), [join(root, 'test/redis/restart-client.mjs'), file], {
      cwd: root,
      env: { ...process.env, REDIS_URL: `redis://127.0.0.1:${port}` },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
    const next = async (): Promise<any> => {
      const line = await Promise.race([lines.next(), exited.then((code) => ({ done: true, value: `exited ${code}: ${stderr}` }))])
      if (line.done) throw new Error(`the Bun client process ended: ${String(line.value ?? stderr)}`)
      return JSON.parse(line.value)
    }
    try {
      expect(await next()).toEqual({ ready: true })
      await survivesRestart(port, server, async (name) => {
        child.stdin.write(`${name}\n`)
        const reply = await next()
        if (!reply.ok) throw new Error(reply.error)
        return reply.value
      })
      child.stdin.write('end\n')
      expect(await exited).toBe(0)
    } finally {
      child.kill('SIGKILL')
      await server.stop()
    }
  }, 30_000)
})
