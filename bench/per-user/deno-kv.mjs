// Per-user cost of the Deno KV store (BENCHMARKS.md, per-store table): for ONE subject,
// after 10, 1,000 and 10,000 sign-ins, held (record + confirm, no limit: the store's bound
// caps what is kept) and cycled (record + confirm, then sessions.revoke(subject, [id])),
// the median latency of sessions.check() of a listed session and of isRevoked() (µs,
// 301 calls each, after a warm-up), and the bytes Deno KV holds for the subject (the sum of key + value
// bytes of its rows in the SQLite file). One JSON line per measurement. Not part of npm test.
//
//   node bench/per-user/deno-kv.mjs
//
// On Node it runs itself on Deno (node_modules/.bin/deno, --unstable-kv) against a KV file
// in a temp dir that it removes afterwards, bounded by a timeout; on Deno it measures.
const SIGN_INS = [10, 1_000, 10_000]

if (globalThis.Deno === undefined) {
  const { join } = await import('node:path')
  const { fileURLToPath } = await import('node:url')
  const { existsSync, rmSync } = await import('node:fs')
  const { ROOT, run, tempDir } = await import('../../test/support/processes.mjs')
  const dir = tempDir('sealed-session-bench-deno-kv-')
  const args = ['run', '--unstable-kv', '--no-lock', '--config', join(ROOT, 'deno.json'), '--allow-read', `--allow-write=${dir}`, fileURLToPath(import.meta.url), join(dir, 'kv.sqlite3')]
  const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1' }
  const result = await run(join(ROOT, 'node_modules/.bin/deno'), args, { cwd: ROOT, env, timeoutMs: 30 * 60_000, onLine: (line) => console.log(line) })
  rmSync(dir, { recursive: true, force: true })
  if (existsSync(dir)) console.error(`${dir} is still there`)
  process.exitCode = result.code === 0 ? 0 : 1
} else {
  await measureOnDeno(Deno.args[0])
}

async function measureOnDeno(path) {
  const { DatabaseSync } = await import('node:sqlite')
  const { denoKvRevocations } = await import('../../src/deno-kv.ts')
  const { baseOf } = await import('../../src/stores/deno-kv.ts')
  const { encodeKey } = await import('../../test/deno-kv/key.mjs')
  const kv = await Deno.openKv(path)
  const database = new DatabaseSync(path, { readOnly: true })
  const prefix = ['bench']
  const store = denoKvRevocations(kv, { prefix })
  const directory = store.sessions
  let ids = 0
  const newId = () => `b${String(++ids).padStart(21, '0')}`

  const { median } = await import('./shared.mjs')


  /** Key + value bytes of the subject's rows (everything under [...prefix, true, subject]). */
  const bytesOf = async (subject) => {
    const base = encodeKey(await baseOf(prefix, subject))
    const row = database.prepare('SELECT coalesce(sum(length(k) + length(v)), 0) AS bytes FROM kv WHERE substr(k, 1, ?) = ?').get(base.length, base)
    return Number(row.bytes)
  }

  for (const scenario of ['held', 'cycled']) {
    for (const signIns of SIGN_INS) {
      const subject = `user-${scenario}-${signIns}`
      const at = Math.floor(Date.now() / 1000)
      let last
      for (let i = 0; i < signIns; i++) {
        const sessionId = newId()
        await directory.record({ sessionId, subject, createdAt: at, expiresAt: at + 86_400 }, {})
        await directory.confirm({ subject, sessionId })
        if (scenario === 'cycled') await directory.revoke(subject, [sessionId])
        last = sessionId
      }
      // The check is of a listed session: in the cycled scenario, one more sign-in, kept.
      if (scenario === 'cycled') {
        last = newId()
        await directory.record({ sessionId: last, subject, createdAt: at, expiresAt: at + 86_400 }, {})
        await directory.confirm({ subject, sessionId: last })
      }
      const query = { sessionId: last, subject, createdAt: at }
      const checkUs = await median(async () => {
        if ((await directory.check(query)) !== false) throw new Error('the listed session was found revoked')
      })
      const isRevokedUs = await median(async () => {
        if ((await store.isRevoked(query)) !== false) throw new Error('isRevoked() said revoked')
      })
      console.log(JSON.stringify({ store: 'deno-kv', scenario, signIns, checkUs, isRevokedUs, bytes: await bytesOf(subject) }))
    }
  }
  database.close()
  kv.close()
}

