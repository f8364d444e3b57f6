import { describe, expect, it } from 'vitest'
import { csrfCheck } from '../../src/engine/csrf.js'
import { fieldScanner, FORM_FIELD_LIMIT, readField } from '../../src/engine/form-field.js'
import { generatedBody } from '../support/index.js'

// Runs on Node and in workerd: the CSRF check's form reader uses only Web Streams.

const encoder = new TextEncoder()
const URLENCODED = 'application/x-www-form-urlencoded'

/** A stream of `chunks`, recording how many were pulled and whether it was cancelled. */
function streamOf(chunks: readonly Uint8Array[]): { stream: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let next = 0
  let cancelled = false
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (next < chunks.length) controller.enqueue(chunks[next++]!)
        else controller.close()
      },
      cancel() {
        cancelled = true
      },
    },
    { highWaterMark: 0 },
  )
  return { stream, pulled: () => next, cancelled: () => cancelled }
}

/** `bytes` cut at `cuts` (sorted offsets). */
function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = []
  let from = 0
  for (const cut of [...cuts, bytes.length]) {
    out.push(bytes.slice(from, cut))
    from = cut
  }
  return out
}

/** The field as the CSRF check reads it from `body` sent in `chunks`. */
async function read(contentType: string, chunks: readonly Uint8Array[], field = '_csrf', limit?: number): Promise<string | undefined> {
  const scan = fieldScanner(contentType, field)
  if (scan === undefined) throw new Error(`not a form type: ${contentType}`)
  return readField(streamOf(chunks).stream, scan, limit)
}

/** The value found for every way of cutting `body` in two, and in single bytes: all must agree. */
async function everySplit(contentType: string, body: Uint8Array, field = '_csrf'): Promise<Set<string | undefined>> {
  const seen = new Set<string | undefined>()
  for (let cut = 0; cut <= body.length; cut++) seen.add(await read(contentType, split(body, [cut]), field))
  seen.add(await read(contentType, split(body, Array.from({ length: body.length - 1 }, (_, i) => i + 1)), field))
  return seen
}

/** A multipart body as the platform's own FormData serializer writes it. */
async function multipart(entries: ReadonlyArray<[string, string | Blob, string?]>): Promise<{ type: string; body: Uint8Array }> {
  const form = new FormData()
  for (const [name, value, filename] of entries) {
    if (typeof value === 'string') form.append(name, value)
    else form.append(name, value, filename)
  }
  const response = new Response(form)
  return { type: response.headers.get('content-type')!, body: new Uint8Array(await response.arrayBuffer()) }
}

describe('the CSRF form reader: application/x-www-form-urlencoded', () => {
  it('finds the field wherever the chunks are cut, and decodes it as URLSearchParams does', async () => {
    const body = encoder.encode('a=1&b=%zz&_csrf=to+k%2Ben%C3%A9&_csrf=second')
    expect(await everySplit(URLENCODED, body)).toEqual(new Set(['to k+ené']))
    expect(new URLSearchParams(new TextDecoder().decode(body)).get('_csrf')).toBe('to k+ené')
  })

  it('decodes the name too, takes an empty value without =, and the last field at the end of the body', async () => {
    expect(await read(URLENCODED, [encoder.encode('_%63srf=x')])).toBe('x')
    expect(await read(URLENCODED, [encoder.encode('a=1&_csrf&b=2')])).toBe('')
    expect(await read(URLENCODED, [encoder.encode('a=1&&_csrf=last')])).toBe('last')
    expect(await read(URLENCODED, [encoder.encode('a=1&csrf=x&_csrfx=y')])).toBeUndefined()
    expect(await read(URLENCODED, [])).toBeUndefined()
  })

  it('accepts parameters and any case in the content type', async () => {
    expect(await read('Application/X-WWW-Form-Urlencoded; charset=UTF-8', [encoder.encode('_csrf=x')])).toBe('x')
    expect(fieldScanner('application/x-www-form-urlencodedx', '_csrf')).toBeUndefined()
    expect(fieldScanner('application/json', '_csrf')).toBeUndefined()
    expect(fieldScanner('', '_csrf')).toBeUndefined()
  })

  it('keeps malformed percent-encoding and invalid UTF-8 as text, never throwing', async () => {
    // URLSearchParams is the reference: `%E0%A4` is a cut UTF-8 sequence, one U+FFFD.
    expect(await read(URLENCODED, [encoder.encode('_csrf=%'), encoder.encode('E0%A4%%4%')])).toBe(new URLSearchParams('_csrf=%E0%A4%%4%').get('_csrf'))
    expect(new URLSearchParams('_csrf=%E0%A4%%4%').get('_csrf')).toBe('\uFFFD%%4%')
    expect(await read(URLENCODED, [new Uint8Array([0x5f, 0x63, 0x73, 0x72, 0x66, 0x3d, 0xff, 0xfe, 0x00])])).toBe('\uFFFD\uFFFD\u0000')
  })

  it('reads at most the limit: a field that ends past it is not seen, and the stream is cancelled', async () => {
    const limit = 1024
    const fits = encoder.encode(`pad=${'x'.repeat(limit - 20)}&_csrf=ok&`)
    expect(fits.length).toBeLessThanOrEqual(limit)
    expect(await read(URLENCODED, [fits], '_csrf', limit)).toBe('ok')
    const past = encoder.encode(`pad=${'x'.repeat(limit)}&_csrf=late`)
    expect(await read(URLENCODED, split(past, [100, 600]), '_csrf', limit)).toBeUndefined()
    // A value cut by the limit is not a value, even though no `&` was seen.
    expect(await read(URLENCODED, [encoder.encode(`_csrf=${'x'.repeat(limit)}`)], '_csrf', limit)).toBeUndefined()
    const endless = streamOf(Array.from({ length: 1000 }, () => new Uint8Array(256).fill(0x61)))
    expect(await readField(endless.stream, fieldScanner(URLENCODED, '_csrf')!, limit)).toBeUndefined()
    expect(endless.pulled()).toBe(limit / 256)
    expect(endless.cancelled()).toBe(true)
  })

  it('stops reading as soon as the field is complete', async () => {
    const source = streamOf([encoder.encode('_csrf=abc'), encoder.encode('&rest='), new Uint8Array(1 << 20)])
    expect(await readField(source.stream, fieldScanner(URLENCODED, '_csrf')!)).toBe('abc')
    expect(source.pulled()).toBe(2)
    expect(source.cancelled()).toBe(true)
  })
})

describe('the CSRF form reader: multipart/form-data', () => {
  it('finds a field serialized by FormData wherever the chunks are cut, boundary included', async () => {
    const { type, body } = await multipart([['title', 'a\r\n--b'], ['_csrf', 'tok\r\nen é'], ['file', new Blob(['x'.repeat(50)]), 'f.txt']])
    expect(await everySplit(type, body)).toEqual(new Set(['tok\r\nen é']))
  })

  it('takes the first part with the name, and none when that part is a file', async () => {
    const twice = await multipart([['_csrf', 'one'], ['_csrf', 'two']])
    expect(await read(twice.type, [twice.body])).toBe('one')
    const file = await multipart([['_csrf', new Blob(['abc']), 'token.txt'], ['_csrf', 'two']])
    expect(await read(file.type, [file.body])).toBeUndefined()
    const absent = await multipart([['name', 'x'], ['file', new Blob(['_csrf']), '_csrf']])
    expect(await read(absent.type, [absent.body])).toBeUndefined()
  })

  /** A hand-written body with boundary `b`. */
  const handmade = (text: string): Promise<string | undefined> => read('multipart/form-data; boundary="b"', [encoder.encode(text)])

  it('reads a preamble, padding after a delimiter, unquoted names, any header case, and no confusion with filename=', async () => {
    expect(await handmade('preamble\r\n--b  \t\r\ncontent-disposition: FORM-DATA; name=_csrf\r\n\r\nv\r\n--b--')).toBe('v')
    expect(await handmade('--b\r\nContent-Type: text/plain\r\nContent-Disposition: form-data; filename="x"; name="a"\r\n\r\n1\r\n--b\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\nv\r\n--b--\r\n')).toBe('v')
    expect(await handmade('--b\r\nContent-Disposition: form-data; filename="_csrf"\r\n\r\nv\r\n--b--')).toBeUndefined()
    expect(await handmade('--b\r\nContent-Disposition: form-data; name="a;_csrf"\r\n\r\nv\r\n--b--')).toBeUndefined()
    expect(await handmade('--b\r\n\r\nno headers\r\n--b\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n\r\n--b--')).toBe('')
  })

  it('finds no token in a malformed body, never throwing', async () => {
    for (const text of [
      '--b\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\nno closing delimiter',
      '--b--\r\n--b\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\nv\r\n--b--',
      '--bx\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\nv\r\n--b--',
      '--b\r\nContent-Disposition: attachment; name="_csrf"\r\n\r\nv\r\n--b--',
      '--b\r\nContent-Disposition: form-data; name="_csrf"\r\nheaders that never end',
      '--b',
      '',
      '\u0000\uffff--b\r\r\n\n',
    ]) {
      expect(await handmade(text)).toBeUndefined()
    }
    expect(fieldScanner('multipart/form-data', '_csrf')).toBeUndefined()
    expect(fieldScanner('multipart/form-data; boundary=', '_csrf')).toBeUndefined()
    expect(fieldScanner(`multipart/form-data; boundary=${'b'.repeat(71)}`, '_csrf')).toBeUndefined()
  })

  it('finds a hidden field placed before a file larger than the limit, reading only the limit', async () => {
    const { type, body } = await multipart([['_csrf', 'first'], ['file', new Blob([new Uint8Array(4 * FORM_FIELD_LIMIT)]), 'big.bin']])
    const chunks = split(body, Array.from({ length: Math.floor(body.length / 4096) }, (_, i) => (i + 1) * 4096))
    const source = streamOf(chunks)
    expect(await readField(source.stream, fieldScanner(type, '_csrf')!)).toBe('first')
    expect(source.pulled()).toBe(1)
    const after = await multipart([['file', new Blob([new Uint8Array(2 * FORM_FIELD_LIMIT)]), 'big.bin'], ['_csrf', 'late']])
    const late = streamOf(split(after.body, [4096, 8192]))
    expect(await readField(late.stream, fieldScanner(after.type, '_csrf')!)).toBeUndefined()
    expect(late.cancelled()).toBe(true)
  })
})

describe('the CSRF form reader: streams', () => {
  it('finds no value in a stream that fails or yields something other than bytes', async () => {
    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('a=1'))
        controller.error(new Error('connection reset'))
      },
    })
    expect(await readField(failing, fieldScanner(URLENCODED, '_csrf')!)).toBeUndefined()
    const strings = new ReadableStream<unknown>({ start: (controller) => controller.enqueue('_csrf=x&') }) as ReadableStream<Uint8Array>
    expect(await readField(strings, fieldScanner(URLENCODED, '_csrf')!)).toBeUndefined()
  })

  it('survives random bytes under either form type', async () => {
    // A fixed linear congruential sequence: the same bytes on every run and runtime.
    let seed = 19
    const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24
    const alphabet = encoder.encode('-\r\n=&%+b_csrf" ;:')
    for (let round = 0; round < 200; round++) {
      const body = Uint8Array.from({ length: 1 + (random() % 120) }, () => (random() & 1 ? alphabet[random() % alphabet.length]! : random()))
      for (const type of [URLENCODED, 'multipart/form-data; boundary=b']) {
        const value = await read(type, split(body, [random() % body.length]))
        expect(value === undefined || typeof value === 'string').toBe(true)
      }
    }
  })
})

describe('csrfCheck on a request body', () => {
  const check = csrfCheck(true)!
  /** A session whose only valid token is 'good'. */
  const session = { verifyCsrf: (token: unknown): boolean => token === 'good' }

  /** A POST whose body is `head` then `a`s, `total` bytes, generated as it is pulled. */
  function post(contentType: string, head: string, total: number): { request: Request; pulled: () => number } {
    const body = generatedBody(total, { head, chunk: 16 * 1024 })
    const request = new Request('https://example.com/', { method: 'POST', headers: { 'content-type': contentType }, body: body.stream, duplex: 'half' } as RequestInit)
    return { request, pulled: body.pulled }
  }

  it('reads a bounded prefix of a clone, and the request still yields its whole body', async () => {
    const total = 16 * 1024 * 1024
    const hostile = post(URLENCODED, 'comment=', total)
    expect(await check(hostile.request, session)).toBe(false)
    expect(hostile.pulled()).toBeLessThan(4 * FORM_FIELD_LIMIT)
    const good = post(URLENCODED, '_csrf=good&file=', total)
    expect(await check(good.request, session)).toBe(true)
    expect(good.pulled()).toBeLessThan(4 * FORM_FIELD_LIMIT)
    // What the handler reads afterwards: every byte, the prefix the check saw included.
    let length = 0
    const reader = good.request.body!.getReader()
    for (let read = await reader.read(); !read.done; read = await reader.read()) length += read.value.length
    expect(length).toBe(total)
  })

  it('reads no body when the header carries the token, or for a type that is not a form', async () => {
    const withHeader = post(URLENCODED, '_csrf=good', 1024)
    withHeader.request.headers.set('x-csrf-token', 'good')
    expect(await check(withHeader.request, session)).toBe(true)
    const json = post('application/json', '{"_csrf":"good"}', 1024)
    expect(await check(json.request, session)).toBe(false)
    expect(withHeader.request.bodyUsed || json.request.bodyUsed).toBe(false)
    expect((await withHeader.request.arrayBuffer()).byteLength).toBe(1024)
  })

  it('finds no token in a body already read, without throwing', async () => {
    const read = post(URLENCODED, '_csrf=good', 64)
    await read.request.arrayBuffer()
    expect(await check(read.request, session)).toBe(false)
  })
})
