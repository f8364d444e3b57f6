/**
 * Time-boxed timing loops with performance.now(), and a crypto.subtle call counter.
 * Runtime-agnostic: Node, Bun and Deno run it in-process; on workerd the clock may not
 * move during computation, so bench/workerd.mjs times whole requests from outside and
 * uses only `runFor` (a count-bounded loop) and the counter from here.
 */

/** Every loop stops at its time box or at this many operations, whichever comes first. */
export const MAX_OPS_PER_SAMPLE = 1_000_000

/** Runs `fn` sequentially until `ms` have passed; returns the operations done and the exact time taken. */
export async function runFor(fn, ms) {
  let ops = 0
  const start = performance.now()
  let end = start
  do {
    await fn()
    ops++
    end = performance.now()
  } while (end - start < ms && ops < MAX_OPS_PER_SAMPLE)
  return { ops, ms: end - start }
}

/** Runs `fn` exactly `n` times (bounded by the caller); no clock needed. */
export async function runTimes(fn, n) {
  let last
  for (let i = 0; i < n; i++) last = await fn()
  return last
}

/**
 * Measures several functions on the same task. Each gets a warm-up, then `rounds`
 * samples of `sampleMs`, interleaved round-robin (the order rotates each round) so that
 * noise from the shared machine lands on every contender alike.
 */
export async function measureInterleaved(entries, { warmupMs, sampleMs, rounds }) {
  for (const { fn } of entries) await runFor(fn, warmupMs)
  const samples = new Map(entries.map(({ id }) => [id, []]))
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < entries.length; k++) {
      const { id, fn } = entries[(k + round) % entries.length]
      samples.get(id).push(await runFor(fn, sampleMs))
    }
  }
  return Object.fromEntries([...samples].map(([id, list]) => [id, summarize(list)]))
}

/**
 * Each sample gives a mean time per operation (its time / its operations). The reported
 * `meanUs` is the median of those sample means: on a shared 2-core VM a sample can be hit
 * by a burst of host noise, and the median keeps one burst from moving a ratio.
 * `overallMeanUs` (total time / total operations) is kept beside it.
 */
export function summarize(samples) {
  let ops = 0
  let ms = 0
  for (const s of samples) {
    ops += s.ops
    ms += s.ms
  }
  const sampleMeansUs = samples.map((s) => (s.ms * 1000) / s.ops)
  const meanUs = median(sampleMeansUs)
  const sorted = [...sampleMeansUs].sort((a, b) => a - b)
  return {
    ops,
    ms: round(ms, 3),
    meanUs: round(meanUs, 3),
    opsPerSec: Math.round(1e6 / meanUs),
    overallMeanUs: round((ms * 1000) / ops, 3),
    sampleMeansUs: sampleMeansUs.map((v) => round(v, 3)),
    // Interquartile spread of the sample means, as a fraction of the median.
    spread: round((quantile(sorted, 0.75) - quantile(sorted, 0.25)) / meanUs, 3),
  }
}

export function median(values) {
  return quantile([...values].sort((a, b) => a - b), 0.5)
}

/** Linear-interpolated quantile of an ascending array. */
function quantile(sorted, q) {
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

export function round(value, digits) {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

/**
 * Counts crypto.subtle calls by wrapping the methods of SubtleCrypto's prototype, so
 * every library sees the wrapper however it reached `crypto.subtle`. Used only in a
 * separate, untimed pass. Calls a library makes outside Web Crypto (for example
 * @panva/hkdf using node:crypto on Node and Bun) are not seen.
 */
export function subtleCounter() {
  const proto = Object.getPrototypeOf(crypto.subtle)
  const counts = Object.create(null)
  const originals = []
  for (const name of Object.getOwnPropertyNames(proto)) {
    if (name === 'constructor') continue
    const descriptor = Object.getOwnPropertyDescriptor(proto, name)
    if (typeof descriptor.value !== 'function') continue
    const original = descriptor.value
    originals.push([name, descriptor])
    Object.defineProperty(proto, name, {
      ...descriptor,
      value: function counted(...args) {
        counts[name] = (counts[name] ?? 0) + 1
        return original.apply(this, args)
      },
    })
  }
  return {
    reset() {
      for (const name of Object.keys(counts)) delete counts[name]
    },
    read() {
      return { ...counts }
    },
    restore() {
      for (const [name, descriptor] of originals) Object.defineProperty(proto, name, descriptor)
    },
  }
}

/** crypto.subtle calls per operation, averaged over `n` warm calls. */
export async function subtleCallsPerOp(counter, fn, n = 20) {
  await fn() // first-call work (key derivation, imports) is not per-operation cost
  counter.reset()
  await runTimes(fn, n)
  const perOp = {}
  let total = 0
  for (const [name, count] of Object.entries(counter.read())) {
    perOp[name] = round(count / n, 2)
    total += count / n
  }
  return { total: round(total, 2), ...perOp }
}

/**
 * Replaces AES-GCM encrypt/decrypt with an identity "cipher" (plaintext + 16 zero bytes
 * as the tag) that resolves at once. With it, a contender's time is its own JavaScript
 * (JSON, base64url, headers, cookies, awaits) without the Web Crypto call and its
 * thread hand-off, which dominate and are noisy on a shared VM. Diagnostic only.
 */
export function identityAesGcm() {
  const proto = Object.getPrototypeOf(crypto.subtle)
  const encrypt = Object.getOwnPropertyDescriptor(proto, 'encrypt')
  const decrypt = Object.getOwnPropertyDescriptor(proto, 'decrypt')
  const bytesOf = (data) =>
    ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data)
  Object.defineProperty(proto, 'encrypt', {
    ...encrypt,
    value: function identityEncrypt(algorithm, key, data) {
      if (algorithm?.name !== 'AES-GCM') return encrypt.value.call(this, algorithm, key, data)
      const input = bytesOf(data)
      const out = new Uint8Array(input.length + 16)
      out.set(input)
      return Promise.resolve(out.buffer)
    },
  })
  Object.defineProperty(proto, 'decrypt', {
    ...decrypt,
    value: function identityDecrypt(algorithm, key, data) {
      if (algorithm?.name !== 'AES-GCM') return decrypt.value.call(this, algorithm, key, data)
      const input = bytesOf(data)
      return Promise.resolve(input.slice(0, input.length - 16).buffer)
    },
  })
  return {
    restore() {
      Object.defineProperty(proto, 'encrypt', encrypt)
      Object.defineProperty(proto, 'decrypt', decrypt)
    },
  }
}
