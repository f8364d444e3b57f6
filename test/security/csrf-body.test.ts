import { Hono } from 'hono'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { beforeAll, describe, expect, it } from 'vitest'
import { session } from 'sealed-session/hono'
import { generatedBody, SECRET_A } from '../support/index.js'

// Issue 19: an anonymous form POST without a token header made the CSRF check read the
// whole body (256 MiB of multipart cost ~520 MiB on Node). These bodies are generated
// chunk by chunk as they are pulled, so the test itself never holds them.

const MiB = 1024 * 1024
const HOSTILE_BYTES = 256 * MiB

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

describe('the CSRF check reads a bounded prefix of a hostile body (issue 19)', () => {
  let reached = 0
  const app = new Hono()
    .use(session({ secrets: SECRET_A }, { csrf: true }))
    .post('/upload', (c) => {
      reached++
      return c.text('stored')
    })

  // The first request through a fresh app compiles and caches code worth a few MiB: that
  // is not what a body costs, so it happens before any measurement.
  beforeAll(async () => {
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      expect((await app.request('/upload', { method: 'POST', headers: { 'content-type': type }, body: 'a=1' })).status).toBe(403)
    }
  })

  /** Posts a generated body of HOSTILE_BYTES; returns the status, bytes pulled and memory growth. */
  async function post(contentType: string, head: string, tail: string, headers: Record<string, string> = {}): Promise<{ status: number; pulled: number; growth: number }> {
    // The most memory held at any pull of the body, and once the response is read.
    let peak = 0
    const body = generatedBody(HOSTILE_BYTES, { head, tail, onPull: () => (peak = Math.max(peak, held())) })
    gc()
    const before = held()
    const response = await app.request('/upload', {
      method: 'POST',
      headers: { 'content-type': contentType, ...headers },
      body: body.stream,
      duplex: 'half',
    } as RequestInit)
    await response.arrayBuffer()
    peak = Math.max(peak, held())
    return { status: response.status, pulled: body.pulled(), growth: peak - before }
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

describe('a legitimate form still reaches the handler intact', () => {
  const app = new Hono()
    .use(session({ secrets: SECRET_A }, { csrf: true }))
    .get('/form', (c) => c.text(c.get('session').csrfToken()))
    .post('/upload', async (c) => {
      const form = await c.req.formData()
      const file = form.get('file')
      const bytes = file instanceof Blob ? new Uint8Array(await file.arrayBuffer()) : new Uint8Array(0)
      return c.json({ title: form.get('title'), size: bytes.length, sum: bytes.reduce((a, b) => (a * 31 + b) >>> 0, 0) })
    })

  async function formPage(): Promise<{ token: string; cookie: string }> {
    const response = await app.request('/form')
    return { token: await response.text(), cookie: response.headers.getSetCookie()[0]!.split(';')[0]! }
  }

  /** 200 KiB of varied bytes: past the 64 KiB the check reads, so the handler's copy proves the tee kept it all. */
  const upload = Uint8Array.from({ length: 200 * 1024 }, (_, i) => (i * 7 + (i >> 9)) & 0xff)
  const uploadSum = upload.reduce((a, b) => (a * 31 + b) >>> 0, 0)

  it('urlencoded: the token is found and the handler reads every field', async () => {
    const { token, cookie } = await formPage()
    const long = 'é'.repeat(30_000) // 180 KB once percent-encoded, after the token
    const response = await app.request('/upload', { method: 'POST', headers: { cookie }, body: new URLSearchParams({ _csrf: token, title: long }) })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ title: long, size: 0, sum: 0 })
  })

  it('multipart: a hidden _csrf first, then a 200 KiB file the handler receives byte for byte', async () => {
    const { token, cookie } = await formPage()
    const form = new FormData()
    form.set('_csrf', token)
    form.set('title', 'holiday')
    form.set('file', new Blob([upload]), 'photo.jpg')
    const response = await app.request('/upload', { method: 'POST', headers: { cookie }, body: form })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ title: 'holiday', size: upload.length, sum: uploadSum })
  })

  it('multipart: a _csrf placed after 200 KiB of file is beyond what the check reads, so 403', async () => {
    const { token, cookie } = await formPage()
    const form = new FormData()
    form.set('file', new Blob([upload]), 'photo.jpg')
    form.set('_csrf', token)
    expect((await app.request('/upload', { method: 'POST', headers: { cookie }, body: form })).status).toBe(403)
    // The header needs no body at all.
    expect((await app.request('/upload', { method: 'POST', headers: { cookie, 'x-csrf-token': token }, body: form })).status).toBe(200)
  })
})
