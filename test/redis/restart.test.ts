import { afterAll, describe, expect, it } from 'vitest'
import type { RevocationStore } from 'sealed-session'
import { admin, bunDocumented, freePort, haveRedisServer, importDocumented, removeWorkDir, startServer, startThreeMasters } from './restart.mjs'

// The client blocks of docs/REVOCATION.md, run as they are written, against a redis-server
// of this file's own that is stopped and started again: during the outage a store call
// rejects (the engine then follows revocation.failure) and the process lives on (an
// unhandled 'error' event would fail the run); once Redis is back, calls work again
// without a new client.

afterAll(removeWorkDir)

const now = (): number => Math.floor(Date.now() / 1000)
type Call = (name: 'revoke' | 'check') => Promise<unknown>
const storeCalls =
  (store: RevocationStore): Call =>
  async (name) =>
    (await (name === 'revoke'
      ? store.revoke({ sessionId: 's1', subject: 'ada', expiresAt: now() + 60 })
      : store.isRevoked({ sessionId: 's1', subject: 'ada', createdAt: now() }))) ?? null

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
async function survivesRestart(port: number, server: { stop(): Promise<void> }, call: Call, cluster: boolean): Promise<void> {
  expect(await within(call('revoke'), 5000)).toEqual({ ok: true, value: null })
  expect(await within(call('check'), 5000)).toEqual({ ok: true, value: true })
  await server.stop()
  // Redis is down: the call rejects at once, not after the client's retries.
  expect(await within(call('check'), 1000)).toMatchObject({ ok: false })
  const restarted = await startServer(port, { cluster, fresh: false })
  try {
    // Back (empty: no persistence here), with the same client.
    expect(await until(() => call('revoke'), 10_000)).toEqual({ ok: true, value: null })
    expect(await within(call('check'), 5000)).toEqual({ ok: true, value: true })
  } finally {
    await restarted.stop()
  }
}

type Closable = { destroy?: () => void; disconnect?: () => void }

describe.skipIf(!haveRedisServer())('the documented Redis clients survive a Redis restart', () => {
  const node = [
    { firstLine: '// node-redis (npm i redis)', cluster: false },
    { firstLine: '// ioredis (npm i ioredis)', cluster: false },
    { firstLine: '// node-redis, Redis Cluster', cluster: true },
    { firstLine: '// ioredis, Redis Cluster', cluster: true },
  ]
  for (const { firstLine, cluster } of node) {
    it(`${firstLine.slice(3)}: a call rejects while Redis is down, the process lives on, and calls work once it is back`, async () => {
      const port = await freePort()
      const server = await startServer(port, { cluster })
      const module = await importDocumented(firstLine, `redis://127.0.0.1:${port}`)
      try {
        await survivesRestart(port, server, storeCalls(module.revocations as RevocationStore), cluster)
      } finally {
        // node-redis: destroy(); ioredis: disconnect().
        const client = (module.redis ?? module.cluster) as Closable
        client.destroy?.() ?? client.disconnect?.()
        await server.stop()
      }
    }, 30_000)
  }

  it("Bun's client (on Bun): a call rejects while Redis is down, the process lives on, and calls work once it is back", async () => {
    const port = await freePort()
    const server = await startServer(port)
    const bun = bunDocumented("// Bun's built-in client (Bun.RedisClient)", `redis://127.0.0.1:${port}`)
    try {
      expect(await bun.ready()).toEqual({ ready: true })
      await survivesRestart(port, server, (name) => bun.call(name), false)
      expect(await bun.end()).toBe(0)
    } finally {
      bun.kill()
      await server.stop()
    }
  }, 30_000)
})

describe.skipIf(!haveRedisServer())('a Redis Cluster master without a replica (docs/REVOCATION.md)', () => {
  /**
   * Three masters, no replicas; the store's key for `subject` lives on the first; the
   * third is stopped. Resolves with each call's outcome once the others mark it failed.
   */
  async function loseAMaster(fullCoverage: boolean, copy: string): Promise<{ before: Outcome; after: Outcome; direct: Outcome }> {
    const ports = [await freePort(), await freePort(), await freePort()]
    const servers = await startThreeMasters(ports, { fullCoverage })
    const module = await importDocumented('// ioredis, Redis Cluster', `redis://127.0.0.1:${ports[0]}`, copy)
    const store = module.revocations as RevocationStore
    try {
      // 'ada' is stored under revoked:{ada}, in slot 5938 (the hash tag's): on the second master (5461-10922), which stays up.
      expect(await admin(ports[0]!, 'CLUSTER', 'KEYSLOT', 'revoked:{ada}')).toBe(5938)
      const check = () => store.isRevoked({ sessionId: 's1', subject: 'ada', createdAt: now() })
      await store.revoke({ sessionId: 's1', subject: 'ada', expiresAt: now() + 60 })
      const before = await within(check(), 5000)
      await servers[2]!.stop()
      // The two others agree the third failed within a few cluster-node-timeouts (500 ms).
      const deadline = Date.now() + 15_000
      const failed = async () =>
        String(await admin(ports[0]!, 'CLUSTER', 'NODES')).includes('master,fail') &&
        // With full coverage required, the first master then declares the whole cluster down.
        (!fullCoverage || String(await admin(ports[0]!, 'CLUSTER', 'INFO')).includes('cluster_state:fail'))
      while (!(await failed())) {
        if (Date.now() > deadline) throw new Error(`the stopped master was not marked failed${fullCoverage ? ', nor the cluster down,' : ''} within 15 s`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      // What the store sees (ioredis retries CLUSTERDOWN, then reports its last error), and
      // what the first master itself answers for the key it holds.
      const after = await within(check(), 10_000)
      return { before, after, direct: await within(admin(ports[0]!, 'EVAL', 'return 1', '1', 'revoked:ada'), 5000) }
    } finally {
      ;(module.cluster as Closable).disconnect?.()
      for (const server of servers) await server.stop()
    }
  }

  it('under the default cluster-require-full-coverage yes, losing one master fails every check, even of keys on the others (they answer CLUSTERDOWN)', async () => {
    const { before, after, direct } = await loseAMaster(true, '-full')
    expect(before).toEqual({ ok: true, value: true })
    expect(after).toMatchObject({ ok: false })
    expect(direct).toMatchObject({ ok: false, error: expect.stringMatching(/^CLUSTERDOWN/) })
  }, 40_000)

  it('with cluster-require-full-coverage no, keys on the other masters are still answered', async () => {
    const { before, after, direct } = await loseAMaster(false, '-partial')
    expect(before).toEqual({ ok: true, value: true })
    expect(after).toEqual({ ok: true, value: true })
    expect(direct).toEqual({ ok: true, value: 1 })
  }, 40_000)
})
