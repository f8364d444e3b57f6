// Session control per user, Durable Objects: check cost and what one subject's object holds
// after 10, 1,000 and 10,000 sign-ins, held or cycled (signed in, then out). The shipped
// class (dist/) runs under `wrangler dev` (127.0.0.1, a free port, fresh local state,
// stopped by PID at the end); its Worker (durable-object/worker.mjs) fills a fresh object
// and times the calls itself, as an app's Worker makes them: a latency is one Worker→object
// RPC (the median of batch means: workerd's clock moves in whole ms, at I/O). Bytes: the
// object's SQLite database size (`ctx.storage.sql.databaseSize`, what Cloudflare bills);
// `checkRowsRead`/`isRevokedRowsRead`: the SQLite rows one call reads (billed, and
// independent of the machine's load). Prints one JSON line per measurement (run.mjs
// collects them).
//
//   npm run build && node bench/per-user/durable-object.mjs      (wrangler needs Node >= 22)
import { join } from 'node:path'
import { startWrangler, tail, tempDir } from '../../test/support/processes.mjs'
import { sessionId, signIns } from './shared.mjs'

/** Sign-ins made per request while filling the object (one request stays well under a minute). */
const CHUNK = 250

const log = join(tempDir('sealed-session-bench-do-'), 'wrangler.log')
const server = await startWrangler({ config: 'bench/per-user/durable-object/wrangler.toml', logFile: log })
const get = async (path, params) => {
  const response = await fetch(`${server.url}${path}?${new URLSearchParams(params)}`, { signal: AbortSignal.timeout(120_000) })
  const text = await response.text()
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}\n${tail(text)}`)
  return text
}
try {
  let run = 0
  for (const scenario of ['held', 'cycled']) {
    for (const count of signIns) {
      // A prefix per measurement: a fresh object each time.
      const prefix = `${scenario}-${count}-${++run}:`
      const now = Math.floor(Date.now() / 1000)
      for (let from = 0; from < count; from += CHUNK) {
        await get('/sign-ins', { prefix, now, scenario, from, to: Math.min(count, from + CHUNK), last: count - 1 })
      }
      const measured = JSON.parse(await get('/measure', { prefix, now, id: sessionId(count - 1) }))
      console.log(JSON.stringify({ store: 'durable-object', scenario, signIns: count, ...measured }))
    }
  }
} catch (error) {
  console.error(`wrangler dev log (last lines):\n${tail(server.log())}`)
  throw error
} finally {
  await server.stop()
}
