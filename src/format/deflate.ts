/**
 * Optional compression of a v1 plaintext (docs/FORMAT.md, "Compressed plaintext"):
 *
 *   plaintext = 0x00 || raw DEFLATE (RFC 1951) of the payload     when compressed
 *   plaintext = payload                                            otherwise
 *
 * A payload is JSON text, which never starts with 0x00 (RFC 8259 §2), so the marker byte
 * cannot be mistaken for one; it lies inside the ciphertext, so nobody without the key can
 * set or clear it (GCM authenticates every plaintext byte, NIST SP 800-38D §7).
 *
 * Two implementations, the same format (either inflates what the other deflated):
 * - the runtime's synchronous zlib, reached at run time through
 *   `process.getBuiltinModule('node:zlib')` (Node ≥ 20.16, Bun, Deno), as the native cipher
 *   is (src/format/cipher.ts): a stream costs a zlib instance and several promise turns,
 *   measured at 0.4–1.1 ms per token on Node against tens of µs for the synchronous call
 *   (BENCHMARKS.md, "Compression");
 * - `CompressionStream('deflate-raw')` / `DecompressionStream` (Compression Streams, a Web
 *   Platform API) everywhere else: Workers and anything without `getBuiltinModule`;
 * - where neither exists (the edge runtime sandbox of Next.js middleware), seals stay
 *   uncompressed and opening uses the bounded JavaScript decoder of src/format/inflate.ts,
 *   so a cookie compressed by another server still opens.
 */
import { inflateRaw } from './inflate.js'
import { builtinModule, probedOnce } from './builtin.js'

/** The first plaintext byte of a compressed payload. */
/**
 * The platform's Compression Streams, looked up on `globalThis` when used: Next.js's edge
 * build refuses a module that names them (its sandbox has neither), while workerd, Deno,
 * Bun and Node have both.
 */
const platformStreams = globalThis as { readonly CompressionStream?: typeof CompressionStream; readonly DecompressionStream?: typeof DecompressionStream }

export const DEFLATE_MARKER = 0x00

/**
 * `zlib` below: the native zlib (the default where there is one), or `null` for the streams.
 *
 * The payload to seal: `0x00 || deflate-raw(payload)` when that is shorter than the payload,
 * else the payload itself. Compressing is a choice made per token, never a guess by the reader.
 */
export async function packPlaintext(payload: Uint8Array<ArrayBuffer>, limit: number, zlib: NativeZlib | null = nativeZlib() ?? null): Promise<Uint8Array<ArrayBuffer>> {
  // A payload the reader would refuse to inflate stays as it is (and too large to travel);
  // below 16 bytes the marker and DEFLATE's block header leave nothing to gain.
  if (payload.length > limit || payload.length < 16) return payload
  if (zlib !== null) return packed(payload, zlib.deflateRawSync(payload))
  const { CompressionStream: Compress } = platformStreams
  if (typeof Compress !== 'function') return payload
  const stream = new Compress('deflate-raw')
  const writer = stream.writable.getWriter()
  void writer.write(payload).catch(ignore)
  void writer.close().catch(ignore)
  // Only when it shrinks: the marker byte included, strictly shorter than the payload.
  return packed(payload, await readAll(stream.readable, payload.length - 2))
}

/** `0x00 || deflated` when strictly shorter than the payload (the marker counted), else the payload. */
function packed(payload: Uint8Array<ArrayBuffer>, deflated: Uint8Array | undefined): Uint8Array<ArrayBuffer> {
  if (deflated === undefined || 1 + deflated.length >= payload.length) return payload
  const out = new Uint8Array(1 + deflated.length)
  out[0] = DEFLATE_MARKER
  out.set(deflated, 1)
  return out
}

/**
 * The payload of an authenticated plaintext: unchanged when it carries no marker, inflated
 * when it does. `undefined` when the DEFLATE stream is invalid or its output would pass
 * `limit` bytes: reading stops there, so a small token cannot make the server hold more than
 * `limit` bytes (a decompression bomb, CWE-409), whatever its ratio.
 */
export async function unpackPlaintext(plaintext: Uint8Array<ArrayBuffer>, limit: number, zlib: NativeZlib | null = nativeZlib() ?? null): Promise<Uint8Array<ArrayBuffer> | undefined> {
  if (plaintext.length === 0 || plaintext[0] !== DEFLATE_MARKER) return plaintext
  try {
    if (zlib !== null) {
      // zlib stops and throws (ERR_BUFFER_TOO_LARGE) once the output passes maxOutputLength.
      // Copied: a Buffer may be a view into a larger pooled allocation the token cache would keep.
      return new Uint8Array(zlib.inflateRawSync(plaintext.subarray(1), { maxOutputLength: limit }))
    }
    const { DecompressionStream: Decompress } = platformStreams
    if (typeof Decompress !== 'function') return inflateRaw(plaintext.subarray(1), limit)
    const stream = new Decompress('deflate-raw')
    const writer = stream.writable.getWriter()
    void writer.write(plaintext.subarray(1)).catch(ignore)
    void writer.close().catch(ignore)
    return await readAll(stream.readable, limit)
  } catch {
    return undefined
  }
}

/**
 * Reads a stream to its end into one array; `undefined`, the stream cancelled, as soon as
 * more than `limit` bytes came out. Throws what the stream throws (invalid input).
 */
async function readAll(readable: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const reader = readable.getReader()
  const parts: Uint8Array[] = []
  let length = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    length += value.length
    if (length > limit) {
      void reader.cancel().catch(ignore)
      return undefined
    }
    parts.push(value)
  }
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

function ignore(): void {}

/** The two functions of `node:zlib` the native path uses, typed here: the core has no Node types. */
export interface NativeZlib {
  deflateRawSync(data: Uint8Array): Uint8Array
  inflateRawSync(data: Uint8Array, options: { maxOutputLength: number }): Uint8Array
}

/**
 * The runtime's zlib, or `undefined` (workerd, browsers, the edge runtime). Probed once per
 * isolate, and trusted only when a round trip gives back its input and `maxOutputLength`
 * stops an inflation that would pass it.
 */
export const nativeZlib: () => NativeZlib | undefined = probedOnce((): NativeZlib | undefined => {
  const candidate = builtinModule('node:zlib') as Partial<NativeZlib> | undefined
  if (typeof candidate?.deflateRawSync !== 'function' || typeof candidate.inflateRawSync !== 'function') return undefined
  const zlib = candidate as NativeZlib
  const sample = new TextEncoder().encode('{"sealed-session":"deflate","sealed":"session"}'.repeat(4))
  const back = zlib.inflateRawSync(zlib.deflateRawSync(sample), { maxOutputLength: sample.length })
  if (back.length !== sample.length || !back.every((b, i) => b === sample[i])) return undefined
  try {
    zlib.inflateRawSync(zlib.deflateRawSync(sample), { maxOutputLength: sample.length - 1 })
    return undefined
  } catch {
    return zlib
  }
})
