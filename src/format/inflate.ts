/**
 * A bounded raw DEFLATE decoder (RFC 1951) in plain JavaScript, for runtimes with neither
 * `node:zlib` nor `DecompressionStream` (the edge runtime sandbox Next.js middleware runs
 * in): a compressed cookie sealed elsewhere must still open there. Its input has passed
 * GCM authentication before it gets here; it still refuses anything malformed, and stops
 * as soon as the output would pass `limit` bytes (a decompression bomb, CWE-409).
 *
 * The structure follows RFC 1951 §3.2 directly: stored, fixed-Huffman and dynamic-Huffman
 * blocks; canonical Huffman codes decoded bit by bit (at most 15 bits per symbol).
 */

const LENGTH_BASE = Uint16Array.of(3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258)
const LENGTH_EXTRA = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0)
const DIST_BASE = Uint16Array.of(1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577)
const DIST_EXTRA = Uint8Array.of(0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13)
/** RFC 1951 §3.2.7: the order in which code length code lengths are sent. */
const CODE_LENGTH_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15)

/** Thrown inside the decoder for any malformed input; never escapes `inflateRaw`. */
class Invalid extends Error {}

/** A canonical Huffman code: how many codes of each length, and the symbols in code order. */
interface Code {
  readonly counts: Uint16Array
  readonly symbols: Uint16Array
}

/** RFC 1951 §3.2.2. Refuses an over-subscribed code (more codes than bit patterns). */
function buildCode(lengths: Uint8Array, from: number, count: number): Code {
  const counts = new Uint16Array(16)
  for (let i = 0; i < count; i++) counts[lengths[from + i]!]!++
  counts[0] = 0
  const offsets = new Uint16Array(16)
  let left = 1
  for (let bits = 1; bits < 16; bits++) {
    left = (left << 1) - counts[bits]!
    if (left < 0) throw new Invalid()
    offsets[bits] = offsets[bits - 1]! + counts[bits - 1]!
  }
  const symbols = new Uint16Array(count)
  for (let i = 0; i < count; i++) {
    const length = lengths[from + i]!
    if (length !== 0) symbols[offsets[length]!++] = i
  }
  return { counts, symbols }
}

const FIXED = ((): { readonly literals: Code; readonly distances: Code } => {
  const lengths = new Uint8Array(288 + 30)
  lengths.fill(8, 0, 144)
  lengths.fill(9, 144, 256)
  lengths.fill(7, 256, 280)
  lengths.fill(8, 280, 288)
  lengths.fill(5, 288, 318)
  return { literals: buildCode(lengths, 0, 288), distances: buildCode(lengths, 288, 30) }
})()

class Reader {
  private position = 0
  private bitBuffer = 0
  private bitCount = 0
  constructor(private readonly input: Uint8Array) {}

  bits(count: number): number {
    while (this.bitCount < count) {
      if (this.position >= this.input.length) throw new Invalid()
      this.bitBuffer |= this.input[this.position++]! << this.bitCount
      this.bitCount += 8
    }
    const value = this.bitBuffer & ((1 << count) - 1)
    this.bitBuffer >>>= count
    this.bitCount -= count
    return value
  }

  /** One symbol of `code`: read a bit at a time, MSB first within the code (RFC 1951 §3.1.1). */
  symbol(code: Code): number {
    let first = 0
    let index = 0
    let value = 0
    for (let length = 1; length < 16; length++) {
      value |= this.bits(1)
      const count = code.counts[length]!
      if (value - first < count) return code.symbols[index + value - first]!
      index += count
      first = (first + count) << 1
      value <<= 1
    }
    throw new Invalid()
  }

  /** A stored block starts on a byte boundary: drop the bits left in the current byte. */
  align(): void {
    this.bitBuffer = 0
    this.bitCount = 0
  }

  byte(): number {
    if (this.position >= this.input.length) throw new Invalid()
    return this.input[this.position++]!
  }
}

class Output {
  bytes: Uint8Array<ArrayBuffer>
  length = 0
  constructor(private readonly limit: number) {
    this.bytes = new Uint8Array(Math.min(limit, 1024))
  }

  /** Room for `count` more bytes, or Invalid past the limit. */
  reserve(count: number): void {
    const needed = this.length + count
    if (needed > this.limit) throw new Invalid()
    if (needed <= this.bytes.length) return
    const grown = new Uint8Array(Math.min(this.limit, Math.max(needed, this.bytes.length * 2)))
    grown.set(this.bytes.subarray(0, this.length))
    this.bytes = grown
  }
}

/**
 * The bytes a raw DEFLATE stream decodes to, or `undefined` when it is malformed, ends
 * early, or would decode to more than `limit` bytes. Bytes after the final block are
 * ignored, as zlib does.
 */
export function inflateRaw(input: Uint8Array, limit: number): Uint8Array<ArrayBuffer> | undefined {
  const reader = new Reader(input)
  const out = new Output(limit)
  try {
    let last = 0
    while (last === 0) {
      last = reader.bits(1)
      const type = reader.bits(2)
      if (type === 0) stored(reader, out)
      else if (type === 1) huffman(reader, out, FIXED.literals, FIXED.distances)
      else if (type === 2) {
        const { literals, distances } = dynamicCodes(reader)
        huffman(reader, out, literals, distances)
      } else throw new Invalid()
    }
  } catch (error) {
    if (error instanceof Invalid) return undefined
    throw error
  }
  return out.bytes.slice(0, out.length)
}

function stored(reader: Reader, out: Output): void {
  reader.align()
  const length = reader.byte() | (reader.byte() << 8)
  const complement = reader.byte() | (reader.byte() << 8)
  if ((length ^ 0xffff) !== complement) throw new Invalid()
  out.reserve(length)
  for (let i = 0; i < length; i++) out.bytes[out.length++] = reader.byte()
}

/** RFC 1951 §3.2.7: the literal/length and distance codes of a dynamic block. */
function dynamicCodes(reader: Reader): { readonly literals: Code; readonly distances: Code } {
  const literalCount = reader.bits(5) + 257
  const distanceCount = reader.bits(5) + 1
  const codeLengthCount = reader.bits(4) + 4
  if (literalCount > 286 || distanceCount > 30) throw new Invalid()
  const codeLengths = new Uint8Array(19)
  for (let i = 0; i < codeLengthCount; i++) codeLengths[CODE_LENGTH_ORDER[i]!] = reader.bits(3)
  const codeLengthCode = buildCode(codeLengths, 0, 19)
  const lengths = new Uint8Array(literalCount + distanceCount)
  for (let i = 0; i < lengths.length; ) {
    const symbol = reader.symbol(codeLengthCode)
    if (symbol < 16) {
      lengths[i++] = symbol
      continue
    }
    let repeat: number
    let value = 0
    if (symbol === 16) {
      if (i === 0) throw new Invalid()
      value = lengths[i - 1]!
      repeat = 3 + reader.bits(2)
    } else if (symbol === 17) repeat = 3 + reader.bits(3)
    else repeat = 11 + reader.bits(7)
    if (i + repeat > lengths.length) throw new Invalid()
    lengths.fill(value, i, i + repeat)
    i += repeat
  }
  // A block without an end-of-block code could never end.
  if (lengths[256] === 0) throw new Invalid()
  return { literals: buildCode(lengths, 0, literalCount), distances: buildCode(lengths, literalCount, distanceCount) }
}

function huffman(reader: Reader, out: Output, literals: Code, distances: Code): void {
  for (;;) {
    const symbol = reader.symbol(literals)
    if (symbol < 256) {
      out.reserve(1)
      out.bytes[out.length++] = symbol
      continue
    }
    if (symbol === 256) return
    const lengthIndex = symbol - 257
    if (lengthIndex >= 29) throw new Invalid()
    const length = LENGTH_BASE[lengthIndex]! + reader.bits(LENGTH_EXTRA[lengthIndex]!)
    const distanceIndex = reader.symbol(distances)
    if (distanceIndex >= 30) throw new Invalid()
    const distance = DIST_BASE[distanceIndex]! + reader.bits(DIST_EXTRA[distanceIndex]!)
    if (distance > out.length) throw new Invalid()
    out.reserve(length)
    // Byte by byte: a copy may overlap what it writes (distance < length repeats a run).
    const bytes = out.bytes
    for (let i = 0; i < length; i++, out.length++) bytes[out.length] = bytes[out.length - distance]!
  }
}
