/**
 * Strict base64url without padding (RFC 4648 §5). Decoding refuses padding, any
 * character outside the alphabet, and non-canonical trailing bits, so each token has
 * exactly one spelling (RFC 4648 §3.5) and no two strings open to the same bytes.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

const CODES = new Uint8Array(64)
for (let i = 0; i < 64; i++) CODES[i] = ALPHABET.charCodeAt(i)

// 255 marks a character outside the alphabet.
const DECODE = new Uint8Array(256).fill(255)
for (let i = 0; i < 64; i++) DECODE[ALPHABET.charCodeAt(i)] = i

const ascii = new TextDecoder()

/** The platform's own base64 (TC39 Uint8Array base64: Deno, Bun, workerd, newer Node), when present. */
interface NativeBase64 {
  toBase64?: (this: Uint8Array, options: { alphabet: 'base64url'; omitPadding: boolean }) => string
}
interface NativeFromBase64 {
  fromBase64?: (text: string, options: { alphabet: 'base64url' }) => Uint8Array<ArrayBuffer>
}
const nativeTo = (Uint8Array.prototype as NativeBase64).toBase64
const nativeFrom = (Uint8Array as NativeFromBase64).fromBase64

/** Node's Buffer, for Node versions without the TC39 methods (20, 24): reached at run time, never imported. */
interface NodeBuffer {
  from(buffer: ArrayBuffer, byteOffset: number, length: number): { toString(encoding: 'base64url'): string }
  from(text: string, encoding: 'base64url'): Uint8Array
}
const nodeBuffer: NodeBuffer | undefined = nativeTo === undefined || nativeFrom === undefined ? findNodeBuffer() : undefined

function findNodeBuffer(): NodeBuffer | undefined {
  try {
    const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: unknown } }).process?.getBuiltinModule
    if (typeof getBuiltinModule !== 'function') return undefined
    const candidate = ((getBuiltinModule as (id: string) => unknown)('node:buffer') as { Buffer?: NodeBuffer } | undefined)?.Buffer
    // Trust it only if it spells a known value exactly as RFC 4648 §5 does.
    const probe = Uint8Array.of(0xfb, 0xff, 0xbf, 0x01)
    if (candidate?.from(probe.buffer, 0, 4).toString('base64url') !== '-_-_AQ') return undefined
    return candidate
  } catch {
    return undefined
  }
}

/** Encodes bytes as base64url without padding. */
export function encodeBase64url(bytes: Uint8Array<ArrayBuffer>): string {
  if (nativeTo !== undefined) return nativeTo.call(bytes, { alphabet: 'base64url', omitPadding: true })
  if (nodeBuffer !== undefined) return nodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url')
  // ASCII codes into a buffer, then one decode: far fewer string operations than concatenation.
  const n = bytes.length
  const full = n - (n % 3)
  const out = new Uint8Array(Math.ceil((n * 4) / 3))
  let o = 0
  for (let i = 0; i < full; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out[o] = CODES[v >> 18]!
    out[o + 1] = CODES[(v >> 12) & 63]!
    out[o + 2] = CODES[(v >> 6) & 63]!
    out[o + 3] = CODES[v & 63]!
    o += 4
  }
  if (n - full === 1) {
    const v = bytes[full]!
    out[o] = CODES[v >> 2]!
    out[o + 1] = CODES[(v & 3) << 4]!
  } else if (n - full === 2) {
    const v = (bytes[full]! << 8) | bytes[full + 1]!
    out[o] = CODES[v >> 10]!
    out[o + 1] = CODES[(v >> 4) & 63]!
    out[o + 2] = CODES[(v & 15) << 2]!
  }
  return ascii.decode(out)
}

/** Decodes strict base64url without padding; `undefined` for anything else. */
export function decodeBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  const n = text.length
  const rest = n & 3
  if (rest === 1) return undefined
  if (nativeFrom !== undefined) {
    // The native decoder throws on characters outside the alphabet, but skips whitespace
    // and accepts '=' padding and any trailing bits. Skipped or padding characters make
    // the output shorter than the length implies, so compare lengths; check the trailing
    // bits ourselves. One spelling per byte string stays true.
    const last = rest === 0 ? 0 : DECODE[text.charCodeAt(n - 1)]!
    if ((rest === 2 && (last & 15) !== 0) || (rest === 3 && (last & 3) !== 0)) return undefined
    let bytes: Uint8Array<ArrayBuffer>
    try {
      bytes = nativeFrom(text, { alphabet: 'base64url' })
    } catch {
      return undefined
    }
    return bytes.length === (n >> 2) * 3 + (rest === 0 ? 0 : rest - 1) ? bytes : undefined
  }
  if (nodeBuffer !== undefined) {
    // Buffer's decoder is lenient (it skips characters, accepts '+', '/' and padding), so
    // keep the result only if it encodes back to exactly this text: one spelling per byte
    // string. Copied out of Buffer's shared pool into bytes of its own.
    const decoded = nodeBuffer.from(text, 'base64url')
    const bytes = new Uint8Array(decoded.length)
    bytes.set(decoded)
    return nodeBuffer.from(bytes.buffer, 0, bytes.length).toString('base64url') === text ? bytes : undefined
  }
  const out = new Uint8Array(((n >> 2) * 3) + (rest === 0 ? 0 : rest - 1))
  const full = n - rest
  let o = 0
  for (let i = 0; i < full; i += 4) {
    const a = sextet(text, i)
    const b = sextet(text, i + 1)
    const c = sextet(text, i + 2)
    const d = sextet(text, i + 3)
    if ((a | b | c | d) > 63) return undefined
    const v = (a << 18) | (b << 12) | (c << 6) | d
    out[o++] = v >> 16
    out[o++] = (v >> 8) & 255
    out[o++] = v & 255
  }
  if (rest === 2) {
    const a = sextet(text, full)
    const b = sextet(text, full + 1)
    if ((a | b) > 63 || (b & 15) !== 0) return undefined
    out[o] = (a << 2) | (b >> 4)
  } else if (rest === 3) {
    const a = sextet(text, full)
    const b = sextet(text, full + 1)
    const c = sextet(text, full + 2)
    if ((a | b | c) > 63 || (c & 3) !== 0) return undefined
    out[o++] = (a << 2) | (b >> 4)
    out[o] = ((b & 15) << 4) | (c >> 2)
  }
  return out
}

function sextet(text: string, i: number): number {
  const code = text.charCodeAt(i)
  return code < 256 ? DECODE[code]! : 255
}
