/**
 * Strict base64url without padding (RFC 4648 §5). Decoding refuses padding, any
 * character outside the alphabet, and non-canonical trailing bits, so each token has
 * exactly one spelling (RFC 4648 §3.5) and no two strings open to the same bytes.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

// Two characters per 12 bits: half as many lookups and concatenations as one per 6 bits.
const PAIRS: string[] = []
for (let i = 0; i < 4096; i++) PAIRS.push(ALPHABET.charAt(i >> 6) + ALPHABET.charAt(i & 63))

// 255 marks a character outside the alphabet.
const DECODE = new Uint8Array(256).fill(255)
for (let i = 0; i < 64; i++) DECODE[ALPHABET.charCodeAt(i)] = i

/** Encodes bytes as base64url without padding. */
export function encodeBase64url(bytes: Uint8Array<ArrayBuffer>): string {
  const n = bytes.length
  const full = n - (n % 3)
  let out = ''
  for (let i = 0; i < full; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out += PAIRS[v >> 12]! + PAIRS[v & 4095]!
  }
  if (n - full === 1) {
    const v = bytes[full]! << 4
    out += PAIRS[v]!
  } else if (n - full === 2) {
    const v = (bytes[full]! << 10) | (bytes[full + 1]! << 2)
    out += PAIRS[v >> 6]! + ALPHABET.charAt(v & 63)
  }
  return out
}

/** Decodes strict base64url without padding; `undefined` for anything else. */
export function decodeBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  const n = text.length
  const rest = n & 3
  if (rest === 1) return undefined
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
