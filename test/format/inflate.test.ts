import { describe, expect, it } from 'vitest'
import { nativeZlib } from '../../src/format/deflate.js'
import { inflateRaw } from '../../src/format/inflate.js'

/**
 * The JavaScript raw DEFLATE decoder (src/format/inflate.ts), the fallback where neither
 * node:zlib nor DecompressionStream exists. Checked against zlib's own output at every
 * level (stored, fixed and dynamic Huffman blocks) wherever a deflater exists.
 */
const zlib = nativeZlib()

async function deflate(bytes: Uint8Array<ArrayBuffer>, level: number): Promise<Uint8Array<ArrayBuffer>> {
  if (zlib !== undefined) {
    const options = { level } as unknown as { maxOutputLength: number }
    const out = (zlib as unknown as { deflateRawSync(data: Uint8Array, options: unknown): Uint8Array }).deflateRawSync(bytes, options)
    return new Uint8Array(out)
  }
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate-raw'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

/** Deterministic inputs of every kind: JSON, runs, text with a small alphabet, noise. */
function inputs(): Uint8Array<ArrayBuffer>[] {
  let x = 0x9e3779b9
  const random = (): number => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 2 ** 32
  }
  const out: Uint8Array<ArrayBuffer>[] = [new Uint8Array(0), Uint8Array.of(0x7b), new Uint8Array(70_000).fill(0x61)]
  out.push(new TextEncoder().encode(JSON.stringify({ cart: Array.from({ length: 200 }, (_, i) => ({ sku: `SKU-${i}`, quantity: i % 5, name: 'Organic apple juice' })) })))
  for (const size of [1, 17, 300, 5_000, 40_000]) {
    out.push(Uint8Array.from({ length: size }, () => Math.floor(random() * 256)))
    out.push(Uint8Array.from({ length: size }, () => 97 + Math.floor(random() * random() * 8)))
  }
  return out
}

const canDeflate = zlib !== undefined || typeof CompressionStream === 'function'

describe.skipIf(!canDeflate)('inflateRaw (JavaScript)', () => {
  it("decodes zlib's output byte for byte at every level", async () => {
    for (const input of inputs()) {
      for (const level of zlib === undefined ? [6] : [0, 1, 6, 9]) {
        const deflated = await deflate(input, level)
        expect(inflateRaw(deflated, 1 << 20), `${input.length} bytes, level ${level}`).toEqual(input)
      }
    }
  })

  it('stops at the limit: exactly the limit decodes, one byte less of room refuses', async () => {
    const input = new Uint8Array(65_536).fill(0x62)
    const deflated = await deflate(input, 6)
    expect(inflateRaw(deflated, 65_536)?.length).toBe(65_536)
    expect(inflateRaw(deflated, 65_535)).toBeUndefined()
    // 16 MB of zeros from 16 KB: refused without allocating more than the limit.
    expect(inflateRaw(await deflate(new Uint8Array(16 * 1024 * 1024), 9), 65_536)).toBeUndefined()
  })

  it('refuses truncated streams and survives garbage without throwing', async () => {
    const input = new TextEncoder().encode('{"cart":["apple","pear","apple","pear","apple"]}'.repeat(20))
    const deflated = await deflate(input, 6)
    for (let cut = 0; cut < deflated.length; cut++) expect(inflateRaw(deflated.subarray(0, cut), 1 << 20)).toBeUndefined()
    let x = 12345
    for (let i = 0; i < 2000; i++) {
      const garbage = Uint8Array.from({ length: 1 + (i % 64) }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24))
      const out = inflateRaw(garbage, 4096)
      expect(out === undefined || out.length <= 4096).toBe(true)
    }
  })
})

describe('inflateRaw on fixed streams (every runtime)', () => {
  it('decodes a stored block, a fixed-Huffman block with a back-reference, and refuses a bad stored length', () => {
    // Stored, final: BFINAL=1 BTYPE=00, LEN=3, NLEN=~3, "abc".
    // Compared as text: the edge sandbox's Uint8Array is another realm's.
    const text = (bytes: Uint8Array | undefined): string | undefined => bytes && new TextDecoder().decode(bytes)
    expect(text(inflateRaw(Uint8Array.of(0x01, 0x03, 0x00, 0xfc, 0xff, 0x61, 0x62, 0x63), 100))).toBe('abc')
    expect(inflateRaw(Uint8Array.of(0x01, 0x03, 0x00, 0xfc, 0xfe, 0x61, 0x62, 0x63), 100)).toBeUndefined()
    // zlib's raw deflate of "aaaaaaaaaa" (a literal, then length 9 at distance 1).
    expect(text(inflateRaw(Uint8Array.of(0x4b, 0x4c, 0x84, 0x01, 0x00), 100))).toBe('aaaaaaaaaa')
    // Block type 3 is reserved.
    expect(inflateRaw(Uint8Array.of(0x07), 100)).toBeUndefined()
  })
})
