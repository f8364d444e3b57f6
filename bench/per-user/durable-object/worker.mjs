// The per-user benchmark's Worker: the store as an app's Worker uses it. A call is timed
// here, from the Worker to the object, not from Node (local HTTP through wrangler's proxy
// costs 10-20 ms on a busy machine and drowns it). workerd's clock moves only at I/O and
// in whole milliseconds, so calls are timed in batches: the median of 21 batches' means.
import { durableObjectRevocations, SessionRevocations } from '../../../dist/durable-object.js'
import { sessionId } from '../shared.mjs'

const SUBJECT = 'ada'

/** Batches timed per measurement, and calls per batch. */
const BATCHES = 21
const BATCH = 50

/** The shipped class, plus two readers: the database size (what Cloudflare bills), and rows read by one call. */
export class BenchRevocations extends SessionRevocations {
  bytes() {
    return this.ctx.storage.sql.databaseSize
  }

  /** SQLite rows one call of `method` reads (Cloudflare bills rows read), tallied over its statements. */
  rowsRead(method, ...args) {
    const sql = this.ctx.storage.sql
    const cursors = []
    const exec = sql.exec
    sql.exec = (...query) => {
      const cursor = exec.apply(sql, query)
      cursors.push(cursor)
      return cursor
    }
    try {
      this[method](...args)
    } finally {
      sql.exec = exec
    }
    return cursors.reduce((sum, cursor) => sum + cursor.rowsRead, 0)
  }
}

/** Median µs per call of `call`, over BATCHES batches of BATCH calls (after a warm-up); null if the clock never moved. */
async function batchMedian(call) {
  for (let i = 0; i < 20; i++) await call()
  const means = []
  for (let b = 0; b < BATCHES; b++) {
    const start = Date.now()
    for (let i = 0; i < BATCH; i++) await call()
    means.push(((Date.now() - start) * 1000) / BATCH)
  }
  means.sort((a, b) => a - b)
  return means.at(-1) === 0 ? null : Math.round(means[Math.floor(means.length / 2)] * 10) / 10
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    const param = (name) => url.searchParams.get(name) ?? ''
    const prefix = param('prefix')
    const now = Number(param('now'))
    const store = durableObjectRevocations(env.OBJECTS, { prefix })
    const directory = store.sessions
    const query = { sessionId: param('id'), subject: SUBJECT, createdAt: now }
    switch (url.pathname) {
      case '/sign-ins': {
        // Sign-ins from..to-1 (record + confirm); 'cycled' signs each out but the last of the run.
        const [from, to, last] = [Number(param('from')), Number(param('to')), Number(param('last'))]
        for (let i = from; i < to; i++) {
          const id = sessionId(i)
          await directory.record({ sessionId: id, subject: SUBJECT, createdAt: now, expiresAt: now + 86_400 }, {})
          await directory.confirm({ subject: SUBJECT, sessionId: id })
          if (param('scenario') === 'cycled' && i !== last) await directory.revoke(SUBJECT, [id])
        }
        return new Response('ok')
      }
      case '/measure': {
        if ((await directory.check(query)) !== false) return new Response('the last sign-in is not listed', { status: 500 })
        const object = env.OBJECTS.get(env.OBJECTS.idFromName(JSON.stringify([prefix, SUBJECT])))
        return Response.json({
          checkUs: await batchMedian(() => directory.check(query)),
          isRevokedUs: await batchMedian(() => store.isRevoked(query)),
          bytes: await object.bytes(),
          listed: (await directory.list(SUBJECT)).length,
          checkRowsRead: await object.rowsRead('check', query.sessionId, now),
          isRevokedRowsRead: await object.rowsRead('isRevoked', query.sessionId, now, now),
        })
      }
      default:
        return new Response('not found', { status: 404 })
    }
  },
}
