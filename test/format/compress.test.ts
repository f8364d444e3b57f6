import { afterEach, describe, expect, it, vi } from 'vitest'
import { ConfigurationError, createSessions, type SessionEvent, v1 } from '../../src/index.js'
import { jweFormat } from '../../src/jwe/index.js'
import { makeCodec, openString, sealString, tokenDecryptions } from '../../src/keys/codec.js'
import { normalizeSecrets } from '../../src/keys/secrets.js'
import { nativeZlib, unpackPlaintext } from '../../src/format/deflate.js'
import { MAX_PLAINTEXT_BYTES } from '../../src/limits.js'
import { Clock, CookieJar, SECRET_A } from '../support/index.js'

/** Compressed plaintexts (docs/FORMAT.md, "Compressed plaintext"), opt-in with `format: v1({ compress: true })`. */
const encoder = new TextEncoder()
const secrets = normalizeSecrets(SECRET_A)
const PURPOSE = '__Host-session'

/** A realistic cart: repetitive JSON, as sessions are. */
const cart = Array.from({ length: 40 }, (_, i) => ({ sku: `SKU-${1000 + i}`, name: `Organic apple juice ${i}`, quantity: 1 + (i % 3), price: 299 }))

async function deflateRaw(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate-raw'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

/** `0x00 || deflate-raw(payload)`, sealed as it is with valid keys: what only a key holder can make. */
async function sealedBomb(payload: Uint8Array<ArrayBuffer>, now: number, purpose = PURPOSE): Promise<string> {
  const deflated = await deflateRaw(payload)
  const plaintext = new Uint8Array(1 + deflated.length)
  plaintext.set(deflated, 1)
  const codec = makeCodec(secrets, purpose, 3600, 604800, 30, 'auto', false)
  return sealString(codec, plaintext, now + 3600, now)
}

async function cookieOf(compress: boolean, data: Record<string, unknown>, clock: Clock): Promise<string> {
  const sessions = createSessions({ secrets: SECRET_A, clock: { now: clock.now }, format: v1({ compress }), cookie: { maxChunks: 4 } })
  const session = await sessions.load('')
  for (const [key, value] of Object.entries(data)) session.set(key, value as never)
  return new CookieJar().update(await sessions.commit(session)).header()
}

/** The edge runtime sandbox has neither (its JavaScript inflater is tested in inflate.test.ts and by the vectors). */
const canDeflate = nativeZlib() !== undefined || typeof CompressionStream === 'function'

describe.skipIf(!canDeflate)('v1({ compress: true })', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('seals a compressible session into a smaller cookie that opens to the same data', async () => {
    const clock = new Clock()
    const plain = await cookieOf(false, { cart }, clock)
    const packed = await cookieOf(true, { cart }, clock)
    // 40 cart lines: three cookies uncompressed (4 KB chunks), one compressed.
    expect(plain.length).toBeGreaterThan(4096)
    expect(packed.length).toBeLessThan(plain.length / 3)
    const opened = await createSessions({ secrets: SECRET_A, clock: { now: clock.now }, format: v1({ compress: true }) }).load(packed)
    expect(opened.isNew).toBe(false)
    expect(opened.get('cart')).toEqual(cart)
  })

  it('leaves a plaintext that does not shrink as it is: the same token length as without compression', async () => {
    const now = new Clock().seconds
    // Random bytes (not starting with the marker) do not deflate by the byte the marker costs.
    const noise = crypto.getRandomValues(new Uint8Array(300))
    noise[0] = 0x7b
    const on = makeCodec(secrets, PURPOSE, 3600, 604800, 30, 'auto', false, true)
    const off = makeCodec(secrets, PURPOSE, 3600, 604800, 30, 'auto', false, false)
    const token = await sealString(on, noise, now + 60, now)
    expect(token.length).toBe((await sealString(off, noise, now + 60, now)).length)
    const opened = await openString(off, token, now)
    expect(opened.ok && opened.plaintext).toEqual(noise)
  })

  it('opens compressed cookies with compress off, so turning it off signs nobody out', async () => {
    const clock = new Clock()
    const packed = await cookieOf(true, { cart }, clock)
    const session = await createSessions({ secrets: SECRET_A, clock: { now: clock.now } }).load(packed)
    expect(session.get('cart')).toEqual(cart)
  })

  it('inflates a cookie seen before neither a second time nor decrypts it again (token cache)', async () => {
    const clock = new Clock()
    const packed = await cookieOf(true, { cart }, clock)
    let inflations = 0
    const Native = globalThis.DecompressionStream
    vi.stubGlobal(
      'DecompressionStream',
      class extends Native {
        constructor(format: CompressionFormat) {
          super(format)
          inflations++
        }
      },
    )
    const zlib = nativeZlib()
    if (zlib !== undefined) {
      const inflate = zlib.inflateRawSync.bind(zlib)
      vi.spyOn(zlib, 'inflateRawSync').mockImplementation((data, options) => {
        inflations++
        return inflate(data, options)
      })
    }
    const sessions = createSessions({ secrets: SECRET_A, clock: { now: clock.now }, format: v1({ compress: true }) })
    const decryptions = tokenDecryptions()
    for (let i = 0; i < 4; i++) expect((await sessions.load(packed)).get('cart')).toEqual(cart)
    expect(inflations).toBe(1)
    expect(tokenDecryptions()).toBe(decryptions + 1)
  })

  it('refuses a deflate bomb sealed with valid keys (2 MB from a 2 KB cookie) as a generic invalid token', async () => {
    const clock = new Clock()
    const payload = encoder.encode(`{"i":"AAAAAAAAAAAAAAAAAAAAAA","c":1,"x":9999999999,"a":1,"d":{"x":"${'a'.repeat(2 * 1024 * 1024)}"}}`)
    const token = await sealedBomb(payload, clock.seconds)
    expect(token.length).toBeLessThan(4096)
    const events: SessionEvent[] = []
    const sessions = createSessions({ secrets: SECRET_A, clock: { now: clock.now }, format: v1({ compress: true }), onEvent: (e) => events.push(e) })
    const session = await sessions.load(`${PURPOSE}=${token}`)
    expect(session.isNew).toBe(true)
    expect(session.get('x')).toBeUndefined()
    expect(events).toEqual([{ type: 'invalid', reason: 'payload' }])
  })

  for (const path of ['native', 'streams'] as const) {
    it(`bounds inflation at MAX_PLAINTEXT_BYTES (${path}): exactly that many bytes open, one more does not`, async () => {
      const zlib = path === 'native' ? nativeZlib() : null
      // workerd has no native zlib: the streams test covers it.
      if (zlib === undefined) return
      const marked = async (payload: Uint8Array<ArrayBuffer>) => {
        const deflated = await deflateRaw(payload)
        const out = new Uint8Array(1 + deflated.length)
        out.set(deflated, 1)
        return out
      }
      const atLimit = await unpackPlaintext(await marked(new Uint8Array(MAX_PLAINTEXT_BYTES).fill(0x61)), MAX_PLAINTEXT_BYTES, zlib)
      expect(atLimit?.length).toBe(MAX_PLAINTEXT_BYTES)
      expect(await unpackPlaintext(await marked(new Uint8Array(MAX_PLAINTEXT_BYTES + 1).fill(0x61)), MAX_PLAINTEXT_BYTES, zlib)).toBeUndefined()
      expect(await unpackPlaintext(await marked(new Uint8Array(16 * 1024 * 1024)), MAX_PLAINTEXT_BYTES, zlib)).toBeUndefined()
    })
  }

  it('stops reading the DecompressionStream once the output passes the bound (16 MB from 16 KB)', async () => {
    const deflated = await deflateRaw(new Uint8Array(16 * 1024 * 1024))
    const bomb = new Uint8Array(1 + deflated.length)
    bomb.set(deflated, 1)
    const read: number[] = []
    const Native = globalThis.DecompressionStream
    vi.stubGlobal(
      'DecompressionStream',
      class extends Native {
        constructor(format: CompressionFormat) {
          super(format)
          const getReader = this.readable.getReader.bind(this.readable)
          Object.defineProperty(this.readable, 'getReader', {
            value: () => {
              const reader = getReader()
              const next = reader.read.bind(reader)
              Object.defineProperty(reader, 'read', {
                value: async () => {
                  const result = await next()
                  if (!result.done) read.push(result.value.length)
                  return result
                },
              })
              return reader
            },
          })
        }
      },
    )
    expect(await unpackPlaintext(bomb, MAX_PLAINTEXT_BYTES, null)).toBeUndefined()
    const total = read.reduce((a, b) => a + b, 0)
    expect(total).toBeGreaterThan(MAX_PLAINTEXT_BYTES)
    expect(total).toBeLessThan(MAX_PLAINTEXT_BYTES + 256 * 1024)
  })

  it('inflates what the other path deflated', async () => {
    const zlib = nativeZlib()
    if (zlib === undefined) return
    const payload = encoder.encode(JSON.stringify({ cart }))
    for (const [seal, open] of [[zlib, null], [null, zlib]] as const) {
      const { packPlaintext } = await import('../../src/format/deflate.js')
      const packed = await packPlaintext(payload, MAX_PLAINTEXT_BYTES, seal)
      expect(packed[0]).toBe(0)
      expect(await unpackPlaintext(packed, MAX_PLAINTEXT_BYTES, open)).toEqual(payload)
    }
  })

  it('refuses a marked plaintext that is not DEFLATE', async () => {
    const now = new Clock().seconds
    const codec = makeCodec(secrets, PURPOSE, 3600, 604800, 30, 'auto', false)
    const token = await sealString(codec, Uint8Array.of(0, 0xff, 0xff, 0xff, 0xff), now + 60, now)
    expect(await openString(codec, token, now)).toEqual({ ok: false, reason: 'payload' })
  })

  it('marks compression inside the ciphertext: the marker is no header byte, and flipping a bit fails authentication', async () => {
    const clock = new Clock()
    const packed = await cookieOf(true, { cart }, clock)
    const token = packed.slice(packed.indexOf('=') + 1)
    const plainToken = (await cookieOf(false, { n: 1 }, clock)).split('=')[1]!
    // The header carries no flag: version 1 and the same key id, whether compressed or not.
    expect(token.slice(0, 2)).toBe(plainToken.slice(0, 2))
    const bytes = Uint8Array.from(atob(token.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))
    bytes[22] = bytes[22]! ^ 0x01 // the first ciphertext byte: the encrypted marker
    const flipped = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
    const codec = makeCodec(secrets, PURPOSE, 3600, 604800, 30)
    expect(await openString(codec, flipped, clock.seconds)).toEqual({ ok: false, reason: 'decrypt' })
  })

})

describe('the compress option', () => {
  it("is a boolean option of v1(), and a top-level `compress` names where it went", () => {
    expect(() => v1({ compress: 'yes' as never })).toThrow(/v1\(\): compress must be true or false/)
    expect(() => createSessions({ secrets: SECRET_A, compress: true } as never)).toThrow(/write `format: v1\(\{ compress: true \}\)`/)
    // The JWE format has no such option: there is nothing to refuse, it cannot be written.
    expect(() => createSessions({ secrets: SECRET_A, format: jweFormat() })).not.toThrow()
  })
})
