/**
 * The runtime-agnostic suite: prepares every contender for every payload, times them,
 * counts crypto.subtle calls, measures sealed lengths and KV reads. Node, Bun and Deno
 * call `runSuite()` in-process (bench/child.mjs); workerd calls the pieces from a
 * request handler (bench/worker.mjs) and is timed from outside.
 */
import { createSessions, generateSecret } from '../dist/index.js'
import { nativeCrypto } from '../dist/format/cipher.js'
import { base64, CONTENDERS, contendersFor, CORE_OPERATIONS, cookieHeader, cookieValue, makeContenders, OPERATIONS, verifyPrepared } from './contenders.mjs'
import { identityAesGcm, measureInterleaved, subtleCallsPerOp, subtleCounter } from './measure.mjs'
import { makePayload, nextVisits, PAYLOADS } from './payloads.mjs'
import { profileCases } from './profile-cases.mjs'

/** Browsers drop a cookie whose name + value exceed this (RFC 6265bis §5.6). */
const COOKIE_LIMIT = 4096

/** Timing defaults for in-process runtimes; `timeScale` shortens or lengthens all of them. */
export const TIMING = { warmupMs: 150, sampleMs: 100, rounds: 10 }
/** Timing for the component profile (many cases, so shorter samples). */
export const PROFILE_TIMING = { warmupMs: 60, sampleMs: 40, rounds: 8 }

export function describeRuntime() {
  return { ...whichRuntime(), cipherPath: nativeCrypto() ? 'native' : 'webcrypto' }
}

function whichRuntime() {
  const g = globalThis
  if (g.Deno) return { name: 'deno', version: g.Deno.version.deno, engine: `V8 ${g.Deno.version.v8}` }
  if (g.Bun) return { name: 'bun', version: g.Bun.version, engine: `JavaScriptCore ${g.process?.versions?.webkit ?? ''}`.trim() }
  if (g.process?.versions?.node) {
    const v = g.process.versions
    return { name: 'node', version: v.node, engine: `V8 ${v.v8}`, openssl: v.openssl }
  }
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return { name: 'workerd', version: '', engine: 'V8 (workerd)' }
  return { name: 'unknown', version: '', engine: '' }
}

/** Every contender prepared (and verified) for every payload. */
export async function prepareAll() {
  const contenders = await makeContenders()
  const prepared = {}
  const cycleLines = {}
  for (const payload of PAYLOADS) {
    const value = makePayload(payload.bytes)
    prepared[payload.id] = {}
    cycleLines[payload.id] = {}
    for (const { id } of CONTENDERS) {
      const p = await contenders[id].prepare(value)
      cycleLines[payload.id][id] = await verifyPrepared(id, p, value)
      prepared[payload.id][id] = p
    }
  }
  return { prepared, cycleLines }
}

/** Sealed lengths: the value sealed alone, and the session cookie a cycle writes. */
export function lengths(state) {
  const out = {}
  for (const payload of PAYLOADS) {
    out[payload.id] = {}
    for (const { id } of CONTENDERS) {
      const p = state.prepared[payload.id][id]
      const line = state.cycleLines[payload.id][id]
      const value = cookieValue(line, p.cookieName)
      out[payload.id][id] = {
        sealed: p.token.length,
        cookieValue: value.length,
        cookiePair: p.cookieName.length + 1 + value.length,
        setCookie: line.length,
        fitsOneCookie: p.cookieName.length + value.length <= COOKIE_LIMIT,
      }
    }
  }
  return out
}

/** crypto.subtle calls per operation (100 B payload; counts do not depend on size). */
export async function subtleCounts(state) {
  const counter = subtleCounter()
  const out = {}
  try {
    for (const { id } of CONTENDERS) {
      out[id] = {}
      for (const op of CORE_OPERATIONS) out[id][op] = await subtleCallsPerOp(counter, state.prepared[PAYLOADS[0].id][id][op])
    }
  } finally {
    counter.restore()
  }
  return out
}

/**
 * KV reads of one session with revocation on: a counting fake store, an injected clock
 * advancing `step` seconds per request, every request changing the session and feeding
 * back the cookie the previous response set (as a browser does).
 */
export async function kvReads({ requests = 1000, revalidateAfter = 60 } = {}) {
  const scenarios = [
    { step: 1, login: false, modify: true },
    { step: 1, login: true, modify: true },
    { step: 1, login: true, modify: false },
    { step: 0.1, login: true, modify: true },
    { step: 10, login: true, modify: true },
    { step: 90, login: true, modify: true },
  ]
  const rows = []
  for (const scenario of scenarios) rows.push(await kvScenario({ ...scenario, requests, revalidateAfter }))
  return { requests, revalidateAfter, rows }
}

async function kvScenario({ step, login, modify, requests, revalidateAfter }) {
  let reads = 0
  let clock = Date.UTC(2026, 0, 1)
  const store = {
    isRevoked: async () => {
      reads++
      return false
    },
    revoke: async () => {},
    revokeSubject: async () => {},
  }
  const sessions = createSessions({ secrets: generateSecret(), clock: { now: () => clock }, revocation: { store, revalidateAfter } })
  const first = await sessions.load('')
  if (login) await first.login('user-1')
  first.set('visits', 1000)
  let cookie = cookieValue((await sessions.commit(first)).setCookie[0], sessions.cookieName)
  const readsAtCreation = reads
  let resealed = 0
  for (let i = 0; i < requests; i++) {
    clock += step * 1000
    const session = await sessions.load(cookieHeader(sessions.cookieName, cookie))
    if (session.isNew) throw new Error(`kv scenario lost its session at request ${i + 1}`)
    if (modify) session.set('visits', nextVisits(session.get('visits')))
    const commit = await sessions.commit(session)
    if (commit.setCookie.length > 0) {
      cookie = cookieValue(commit.setCookie[0], sessions.cookieName)
      resealed++
    }
  }
  // Requests fall at step, 2·step, … after creation: they span this many revalidation windows.
  const windows = Math.min(requests, Math.floor((requests * step) / revalidateAfter) + 1)
  return {
    clockStepSeconds: step,
    session: login ? 'logged-in (login at t=0)' : 'anonymous (created at t=0)',
    requestsChangeSession: modify,
    requests,
    reads: reads - readsAtCreation,
    readsAtCreation,
    windows,
    resealed,
    atMostOnePerWindow: reads - readsAtCreation <= windows,
  }
}

/** The contenders whose only crypto is one AES-GCM call per seal/unseal: the identity stub works for them. */
export const ONE_CALL_CONTENDERS = ['sealed-session', 'raw', 'jose']

/** Prepares the one-call contenders under the identity AES-GCM stub (their tokens open only under it). */
export async function prepareNoCrypto() {
  return withNoCrypto(async () => {
    // sealed-session on Web Crypto here: the stub replaces crypto.subtle only.
    const contenders = await makeContenders({ cipher: 'webcrypto' })
    const prepared = {}
    for (const payload of PAYLOADS) {
      const value = makePayload(payload.bytes)
      prepared[payload.id] = {}
      for (const id of ONE_CALL_CONTENDERS) {
        prepared[payload.id][id] = await contenders[id].prepare(value)
        await verifyPrepared(id, prepared[payload.id][id], value)
      }
    }
    return prepared
  })
}

/** Runs `fn` with AES-GCM replaced by the identity stub, restoring the real one afterwards. */
export async function withNoCrypto(fn) {
  const stub = identityAesGcm()
  try {
    return await fn()
  } finally {
    stub.restore()
  }
}

/**
 * The same operations with AES-GCM replaced by an identity stub: each contender's own
 * JavaScript cost, without the Web Crypto call. Where sealed-session trails the raw
 * baseline, this shows whether the library or the platform call is the difference.
 */
export async function jsOverhead(timing, log = () => {}) {
  const prepared = await prepareNoCrypto()
  return withNoCrypto(async () => {
    const cells = []
    for (const op of CORE_OPERATIONS) {
      for (const payload of PAYLOADS) {
        const entries = ONE_CALL_CONTENDERS.map((id) => ({ id, fn: prepared[payload.id][id][op] }))
        const results = await measureInterleaved(entries, timing)
        cells.push({ op, payload: payload.id, results })
        log(`no-crypto ${op} ${payload.label}: ${ONE_CALL_CONTENDERS.map((id) => `${id} ${results[id].meanUs.toFixed(2)} µs`).join(', ')}`)
      }
    }
    return cells
  })
}

/** The whole suite in-process (Node, Bun, Deno). */
export async function runSuite({ timeScale = 1, log = () => {} } = {}) {
  const started = new Date().toISOString()
  const timing = {
    warmupMs: TIMING.warmupMs * timeScale,
    sampleMs: TIMING.sampleMs * timeScale,
    rounds: TIMING.rounds,
  }
  const state = await prepareAll()
  const cells = []
  for (const op of OPERATIONS) {
    for (const payload of PAYLOADS) {
      const entries = contendersFor(op).map(({ id }) => ({ id, fn: state.prepared[payload.id][id][op] }))
      const results = await measureInterleaved(entries, timing)
      cells.push({ op, payload: payload.id, results })
      log(`${op} ${payload.label}: ${contendersFor(op).map(({ id }) => `${id} ${results[id].meanUs.toFixed(2)} µs`).join(', ')}`)
    }
  }
  return {
    runtime: describeRuntime(),
    started,
    finished: new Date().toISOString(),
    method: { kind: 'in-process', clock: 'performance.now()', ...timing },
    rawBase64: base64.impl,
    payloads: PAYLOADS,
    contenders: CONTENDERS,
    cells,
    lengths: lengths(state),
    subtleCalls: await subtleCounts(state),
    kv: await kvReads(),
    jsOverhead: {
      note: 'AES-GCM encrypt/decrypt replaced by an identity stub; everything else real',
      cells: await jsOverhead({ warmupMs: timing.warmupMs / 2, sampleMs: timing.sampleMs / 2, rounds: timing.rounds }, log),
    },
  }
}

/** The component profile in-process: every step of seal/unseal/cycle alone, per payload. */
export async function runProfile({ timeScale = 1, log = () => {} } = {}) {
  const timing = { warmupMs: PROFILE_TIMING.warmupMs * timeScale, sampleMs: PROFILE_TIMING.sampleMs * timeScale, rounds: PROFILE_TIMING.rounds }
  const payloads = []
  for (const payload of PAYLOADS) {
    const cases = await profileCases(payload.bytes)
    const results = await measureInterleaved(cases.map(({ id, fn }) => ({ id, fn })), timing)
    payloads.push({ payload: payload.id, rows: cases.map(({ id, what }) => ({ id, what, ...results[id] })) })
    log(`profile ${payload.label}: ${cases.map(({ id }) => `${id.trim()} ${results[id].meanUs.toFixed(2)}`).join(', ')}`)
  }
  return { runtime: describeRuntime(), date: new Date().toISOString(), method: { kind: 'in-process', ...timing }, payloads }
}
