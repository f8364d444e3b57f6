/**
 * Chunk sets that cannot mix (docs/FORMAT.md, "Chunk sets"). A token too large for one cookie
 * is split over `NAME.0` … `NAME.{n-1}`, and every chunk's value starts with the same
 * 9-character prefix:
 *
 *   value_i = n || generation || token[i * room, (i + 1) * room)
 *   n          one digit, the number of chunks in the set (2 to 4)
 *   generation token characters 16–23: base64url of IV bytes 12–17, 48 random bits
 *
 * Both are copies of sealed data: the generation is part of the IV (any change fails GCM)
 * and `n` follows from the token's authenticated length. The reader recomputes both from
 * the token it joins and refuses any set where they disagree, so chunks of two writes
 * (two tabs whose responses crossed) are refused as one instead of being stitched, and a
 * chunk past `n` left by an earlier, longer write is stale rather than part of the token.
 */
import { MAX_COOKIE_BYTES } from '../limits.js'

/** `n` and the generation, in front of every chunk's part of the token. */
export const CHUNK_PREFIX_LENGTH = 9
/** Token characters 16–23 (bytes 12–17: inside the 12-byte IV at bytes 10–21). */
const GENERATION_START = 16
const GENERATION_END = 24

/** The prefix of every chunk of `token` laid out over `count` chunks. */
export function chunkPrefix(count: number, token: string): string {
  return `${count}${token.slice(GENERATION_START, GENERATION_END)}`
}

/** Characters of the token each chunk of cookie `name` carries: 4096 minus `name.N=` and the prefix. */
export function chunkRoom(name: string): number {
  return MAX_COOKIE_BYTES - (name.length + 2) - CHUNK_PREFIX_LENGTH
}

/** What a set of chunk values holds. */
export type ChunkSet =
  | {
      readonly ok: true
      readonly token: string
      /** The cookies should be written again: stale chunks past the set to expire, or the 0.1 layout. */
      readonly rewrite: boolean
    }
  | { readonly ok: false }

/**
 * The token of the chunk set starting at `chunks[0]`, or a refusal: chunk 0 missing, a
 * chunk of the set missing or from another write (other `n` or generation), a part of the
 * wrong length, or a generation that is not the joined token's. Chunks past `n` are stale.
 * A chunk 0 that does not start with a digit is a 0.1 set (no prefix): its chunks are
 * joined as 0.1 did, and the set is rewritten in this layout.
 */
export function joinChunkSet(name: string, chunks: readonly (string | undefined)[]): ChunkSet {
  const first = chunks[0]
  if (first === undefined) return REFUSED
  const lead = first.charCodeAt(0) - 48
  if (!(lead >= 0 && lead <= 9)) return joinUnprefixed(chunks)
  const count = lead
  if (count < 2 || count > chunks.length) return REFUSED
  const prefix = first.slice(0, CHUNK_PREFIX_LENGTH)
  const room = chunkRoom(name)
  let token = ''
  for (let i = 0; i < count; i++) {
    const value = chunks[i]
    if (value === undefined || !value.startsWith(prefix)) return REFUSED
    const part = value.length - CHUNK_PREFIX_LENGTH
    // Every part but the last is exactly `room` long: the layout the sealer's length gives.
    if (i < count - 1 ? part !== room : part < 1 || part > room) return REFUSED
    token += value.slice(CHUNK_PREFIX_LENGTH)
  }
  if (token.slice(GENERATION_START, GENERATION_END) !== prefix.slice(1)) return REFUSED
  return { ok: true, token, rewrite: chunks.length > count }
}

/** 0.1's chunks: every chunk from 0 joined in order, none missing. */
function joinUnprefixed(chunks: readonly (string | undefined)[]): ChunkSet {
  let token = ''
  for (const part of chunks) {
    if (part === undefined) return REFUSED
    token += part
  }
  return { ok: true, token, rewrite: true }
}

const REFUSED: ChunkSet = Object.freeze({ ok: false })
