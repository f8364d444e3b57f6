import { Hono } from 'hono'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { session } from 'sealed-session/hono'
import { SECRET_A } from '../support/index.js'

// Issue 19: an anonymous form POST without a token header made the CSRF check read the
// whole body (256 MiB of multipart cost ~520 MiB on Node). These bodies are generated
// chunk by chunk, as a network delivers them, so the test itself never holds them.

const MiB = 1024 * 1024
const HOSTILE_BYTES = 256 * MiB
const CHUNK = 64 * 1024

/** A full collection, so a measurement starts from live memory only. */
const gc: () => void = (globalThis as { gc?: () => void }).gc ?? (() => {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
})()

/** Memory JavaScript can hold a body in: the heap and ArrayBuffer backing stores. */
function held(): number {
  const { heapUsed, external } = process.memoryUsage()
  return heapUsed + external
}

/**
 * A body of `total` bytes: `head`, then `fill` bytes, then `tail`, produced only when
 * pulled. Records how many bytes were pulled and the most memory held while pulling.
 */
function hostileBody(total: number, head: string, tail: string): { stream: ReadableStream<Uint8Array>; stats: { pulled: number; peak: number } } {
  const headBytes = new TextEncoder().encode(head)
  const tailBytes = new TextEncoder().encode(tail)
  const stats = { pulled: 0, peak: 0 }
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      stats.peak = Math.max(stats.peak, held())
      if (stats.pulled >= total) {
        controller.close()
        return
      }
      // A fresh buffer per chunk, as from a socket: one reused buffer would hide copies.
      const chunk = new Uint8Array(Math.min(CHUNK, total - stats.pulled)).fill(0x61)
      if (stats.pulled === 0) chunk.set(headBytes)
      if (stats.pulled + chunk.length === total) chunk.set(tailBytes, chunk.length - tailBytes.length)
      stats.pulled += chunk.length
      controller.enqueue(chunk)
    },
  })
  return { stream, stats }
}

describe('the CSRF check reads a bounded prefix of a hostile body (issue 19)', () => {
  let reached = 0
  const app = new Hono()
    .use(session({ secrets: SECRET_A }, { csrf: true }))
    .post('/upload', (c) => {
      reached++
      return c.text('stored')
    })

  /** Posts a generated body of HOSTILE_BYTES; returns the status, bytes pulled and memory growth. */
  async function post(contentType: string, head: string, tail: string, headers: Record<string, string> = {}): Promise<{ status: number; pulled: number; growth: number }> {
    const { stream, stats } = hostileBody(HOSTILE_BYTES, head, tail)
    gc()
    const before = held()
    const response = await app.request('/upload', {
      method: 'POST',
      headers: { 'content-type': contentType, ...headers },
      body: stream,
      duplex: 'half',
    } as RequestInit)
    await response.arrayBuffer()
    stats.peak = Math.max(stats.peak, held())
    return { status: response.status, pulled: stats.pulled, growth: stats.peak - before }
  }

  it('refuses a 256 MiB multipart upload without a token, costing under 10 MiB', { timeout: 120_000 }, async () => {
    const boundary = '----sealedsession7MA4YWxkTrZu0gW'
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`
    const result = await post(`multipart/form-data; boundary=${boundary}`, head, `\r\n--${boundary}--\r\n`)
    expect(result.status).toBe(403)
    expect(reached).toBe(0)
    expect(result.growth).toBeLessThan(10 * MiB)
    expect(result.pulled).toBeLessThan(MiB)
  })

  it('refuses a 256 MiB urlencoded body declaring an oversized Content-Length, costing under 10 MiB', { timeout: 120_000 }, async () => {
    const result = await post('application/x-www-form-urlencoded', 'comment=', '&x=1', { 'content-length': String(64 * 1024 * MiB) })
    expect(result.status).toBe(403)
    expect(reached).toBe(0)
    expect(result.growth).toBeLessThan(10 * MiB)
    expect(result.pulled).toBeLessThan(MiB)
  })

  it('refuses a 256 MiB chunked urlencoded body whose _csrf value never ends, costing under 10 MiB', { timeout: 120_000 }, async () => {
    const result = await post('application/x-www-form-urlencoded', '_csrf=', '')
    expect(result.status).toBe(403)
    expect(reached).toBe(0)
    expect(result.growth).toBeLessThan(10 * MiB)
    expect(result.pulled).toBeLessThan(MiB)
  })
})
