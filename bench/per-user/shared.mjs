// What the per-user benchmarks share: the sizes, the timing, the ids.
export const signIns = [10, 1_000, 10_000]

/** A 22-character id, as a session id is (base64url of 16 bytes), distinct per i. */
export function sessionId(i) {
  return `s${String(i).padStart(21, '0')}`
}

/** Median microseconds of `call` over `rounds` sequential calls (after a warm-up). */
export async function median(call, rounds = 301) {
  for (let i = 0; i < 20; i++) await call()
  const times = []
  for (let i = 0; i < rounds; i++) {
    const start = performance.now()
    await call()
    times.push((performance.now() - start) * 1000)
  }
  times.sort((a, b) => a - b)
  return Math.round(times[Math.floor(times.length / 2)] * 10) / 10
}
