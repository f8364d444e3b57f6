/**
 * Checks the token cache's byte accounting for decoded session records (freezeRecord in
 * src/session/envelope.ts) against real heap growth: for each shape, N records are decoded,
 * readied for the cache and held; the heap grown per record must not exceed the estimate.
 * Shapes: the benchmark's payloads, and worst cases for the estimate (distinct keys in
 * every record, empty objects or arrays, numbers, Latin-1 and wide strings).
 *
 *   npm run build
 *   node_modules/.bin/node --expose-gc bench/token-cache-memory.mjs [N]
 *   node_modules/.bin/bun bench/token-cache-memory.mjs [N]
 *   node_modules/.bin/deno run --allow-read --allow-env --v8-flags=--expose-gc --node-modules-dir=manual --no-lock bench/token-cache-memory.mjs
 *
 * Exits non-zero when an estimate is below the heap growth it measured.
 */
import { decodeEnvelope, freezeRecord } from '../dist/session/envelope.js'
import { makePayload } from './payloads.mjs'

const gc = globalThis.gc ?? (globalThis.Bun ? () => globalThis.Bun.gc(true) : undefined)
if (gc === undefined) throw new Error('run Node with --expose-gc (Bun needs nothing)')
const heap = () => {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}
const encoder = new TextEncoder()
const id = (i) => String(i).padStart(22, 'A')
// Strings differ per record (the index), so no engine can share them between records.
const SHAPES = {
  'bench 100 B': (i) => ({ ...makePayload(100), user: `user-${i}` }),
  'bench 1 KB': (i) => ({ ...makePayload(1024), user: `user-${i}` }),
  'bench 2.9 KB': (i) => ({ ...makePayload(2900), user: `user-${i}` }),
  '200 empty objects': (i) => ({ a: Array.from({ length: 200 }, () => ({})), i }),
  '200 empty arrays': (i) => ({ a: Array.from({ length: 200 }, () => []), i }),
  '100 distinct keys': (i) => Object.fromEntries(Array.from({ length: 100 }, (_, k) => [`k${k}_${i}`, k])),
  '100 objects, 3 keys': (i) => ({ a: Array.from({ length: 100 }, (_, k) => ({ x: k, y: `v${k}-${i}`, z: true })) }),
  '300 doubles': (i) => ({ a: Array.from({ length: 300 }, (_, k) => k + 0.5 + i) }),
  '300 small integers': (i) => ({ a: Array.from({ length: 300 }, (_, k) => k), i }),
  '300 booleans': (i) => ({ a: Array.from({ length: 300 }, (_, k) => k % 2 === 0), i }),
  '200 short strings': (i) => ({ a: Array.from({ length: 200 }, (_, k) => `${k}-${i}`) }),
  'Latin-1 string, 500': (i) => ({ s: 'é'.repeat(500) + i }),
  'wide string, 500': (i) => ({ s: '日'.repeat(500) + i }),
}

const n = Number(globalThis.process?.argv?.[2] ?? 3000)
const runtime = globalThis.Deno ? `deno ${globalThis.Deno.version.deno}` : globalThis.Bun ? `bun ${globalThis.Bun.version}` : `node ${process.versions.node}`
console.log(`${runtime}: heap grown per kept record vs the estimate the cache counts (bytes; ${n} records per shape)`)
let under = 0
for (const [name, make] of Object.entries(SHAPES)) {
  const plaintexts = Array.from({ length: n }, (_, i) => encoder.encode(JSON.stringify({ i: id(i), c: 1, x: 2, a: 1, s: `subject-${i}`, r: 1, d: make(i) })))
  const held = new Array(n)
  const before = heap()
  let estimate = 0
  for (let i = 0; i < n; i++) {
    const record = decodeEnvelope(plaintexts[i])
    estimate += freezeRecord(record)
    held[i] = record
  }
  const grown = (heap() - before) / n
  const ok = estimate / n >= grown
  if (!ok) under++
  console.log(`${name.padEnd(20)} plaintext ${String(plaintexts[0].length).padStart(5)}  heap ${grown.toFixed(0).padStart(6)}  estimate ${(estimate / n).toFixed(0).padStart(6)}  ${ok ? 'ok' : 'UNDER'}`)
  held.length = 0
}
if (under > 0) {
  console.log(`${under} shape(s) hold more than the estimate`)
  process.exitCode = 1
}
