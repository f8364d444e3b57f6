/**
 * The benchmark Worker, bundled by esbuild with the contenders inside and run in workerd
 * by bench/workerd.mjs. Workers freeze their clocks during computation (a Spectre
 * mitigation), so timing happens outside: each /run request performs `n` operations
 * back to back and the driver subtracts the time of the same request with n=0.
 *
 *   GET /run?op=seal&payload=100B&contender=raw&n=500  → n operations; body: in-Worker Date.now() delta
 *   GET /run-no-crypto?…                               → the same with AES-GCM replaced by an identity stub
 *   GET /profile-cases?payload=1KB, /profile?payload=1KB&case=…&n=… → the component profile
 *   GET /info                                          → runtime, lengths, subtle calls, KV reads
 */
import { CONTENDERS, OPERATIONS, base64 } from './contenders.mjs'
import { runTimes } from './measure.mjs'
import { PAYLOADS } from './payloads.mjs'
import { profileCases } from './profile-cases.mjs'
import { describeRuntime, kvReads, lengths, ONE_CALL_CONTENDERS, prepareAll, prepareNoCrypto, subtleCounts, withNoCrypto } from './suite.mjs'

/** Upper bound on operations in one request, so every request ends. */
const MAX_N = 200_000

let state
let noCrypto
const profiles = new Map()

export default {
  async fetch(request) {
    const url = new URL(request.url)
    try {
      // Crypto is not allowed at global scope in Workers: prepare on the first request.
      state ??= await prepareAll()
      if (url.pathname === '/run') return await run(url.searchParams, state.prepared, CONTENDERS.map((c) => c.id))
      if (url.pathname === '/run-no-crypto') {
        noCrypto ??= await prepareNoCrypto()
        return await withNoCrypto(() => run(url.searchParams, noCrypto, ONE_CALL_CONTENDERS))
      }
      if (url.pathname === '/profile-cases' || url.pathname === '/profile') {
        const payload = PAYLOADS.find((p) => p.id === url.searchParams.get('payload'))
        if (payload === undefined) return new Response('unknown payload', { status: 400 })
        if (!profiles.has(payload.id)) profiles.set(payload.id, await profileCases(payload.bytes))
        const cases = profiles.get(payload.id)
        if (url.pathname === '/profile-cases') return Response.json(cases.map(({ id, what }) => ({ id, what })))
        const found = cases.find((c) => c.id === url.searchParams.get('case'))
        const n = Number(url.searchParams.get('n'))
        if (found === undefined || !Number.isInteger(n) || n < 0 || n > MAX_N) return new Response('bad case or n', { status: 400 })
        const started = Date.now()
        await runTimes(found.fn, n)
        return new Response(String(Date.now() - started))
      }
      if (url.pathname === '/info') {
        return Response.json({
          runtime: { ...describeRuntime(), userAgent: navigator.userAgent },
          rawBase64: base64.impl,
          lengths: lengths(state),
          subtleCalls: await subtleCounts(state),
          kv: await kvReads(),
        })
      }
      return new Response('not found', { status: 404 })
    } catch (error) {
      return new Response(String(error?.stack ?? error), { status: 500 })
    }
  },
}

async function run(params, prepared, contenders) {
  const op = params.get('op')
  const payload = params.get('payload')
  const contender = params.get('contender')
  const n = Number(params.get('n'))
  if (!OPERATIONS.includes(op) || !PAYLOADS.some((p) => p.id === payload) || !contenders.includes(contender)) {
    return new Response('unknown op, payload or contender', { status: 400 })
  }
  if (!Number.isInteger(n) || n < 0 || n > MAX_N) return new Response('n out of range', { status: 400 })
  const started = Date.now()
  await runTimes(prepared[payload][contender][op], n)
  return new Response(String(Date.now() - started))
}
