import { generateSecret } from '../keys/secrets.js'
import { createSessions, type SessionEngine } from '../engine/engine.js'
import { ConfigurationError } from '../errors.js'
import { COMPRESSED_SAMPLES, measureWorst } from '../engine/measure.js'
import { MAX_COOKIE_BYTES } from '../limits.js'
import type { Json } from '../session/envelope.js'
import { v1 } from '../session/format.js'
import { EXIT_OK, EXIT_REFUSED, UsageError, type CliHost } from './host.js'
import { json, table } from './output.js'

export interface SizeOptions {
  readonly cookie: string
  readonly maxChunks: number
  /** Seal as `format: v1({ compress: true })`. */
  readonly compress: boolean
  readonly json: boolean
}

/**
 * Characters of filler the search for the room may add. Uncompressed, four full cookies
 * hold about 12,100 bytes of data; compressed, random base64url text costs about one byte
 * of cookie per character (6 bits of entropy in 8, then base64url's 4/3): 16,384 at most.
 */
const MAX_ROOM = 8 * MAX_COOKIE_BYTES

const encoder = new TextEncoder()
const bytesOf = (data: Readonly<Record<string, Json>>): number => encoder.encode(JSON.stringify(data)).length

/**
 * The sealed size of `data` as an anonymous session with these cookie options, the limit,
 * and how many more bytes of data JSON still fit. The size does not depend on the secret,
 * so a fresh one is generated: no secret is needed.
 *
 * The room is measured, not computed: `data` with a filler key of random base64url text
 * added, the longest that still fits (a binary search). Uncompressed the sealed size
 * depends only on the length of the data's JSON, so this is what fits whatever it holds.
 * Compressed it depends on the content, so the room is for random text (ids, tokens) and
 * every measurement is the largest of `COMPRESSED_SAMPLES` seals (the random session id is
 * deflated with the data).
 */
export async function size(text: string, options: SizeOptions, host: CliHost): Promise<number> {
  const data = parseData(text)
  const limit = options.maxChunks * MAX_COOKIE_BYTES
  let sessions: SessionEngine
  try {
    sessions = createSessions({
      secrets: generateSecret(),
      cookie: { name: options.cookie, maxChunks: options.maxChunks },
      sizeWarning: false,
      ...(options.compress ? { format: v1({ compress: true }) } : {}),
    })
  } catch (error) {
    if (error instanceof ConfigurationError) throw new UsageError(error.message)
    throw error
  }
  const samples = options.compress ? COMPRESSED_SAMPLES : 1
  const measure = (value: Readonly<Record<string, Json>>) => measureWorst(sessions, value, samples)
  const { size: measured, cookies: chunks, fits } = await measure(data)
  const dataBytes = bytesOf(data)
  const room = fits ? await roomFor(data, async (value) => (await measure(value)).fits) - dataBytes : 0
  const roomKind = options.compress ? 'random base64url text' : 'any data'
  if (options.json) {
    host.stdout(
      json({ cookie: options.cookie, maxChunks: options.maxChunks, compress: options.compress, samples, dataBytes, size: measured, limit, fits, room, roomFor: roomKind, cookies: fits ? chunks : undefined }),
    )
  } else {
    const sealed = `${measured} bytes${fits ? ` in ${chunks} cookie${chunks === 1 ? '' : 's'}` : ''} (name and value, as browsers count${options.compress ? `; the largest of ${samples} seals` : ''})`
    const roomLine = options.compress
      ? `${room} more bytes of data JSON fit as random base64url text (ids, tokens); repetitive data fits more`
      : `${room} more bytes of data JSON fit`
    host.stdout(
      table([
        ['cookie', `${options.cookie} (maxChunks ${options.maxChunks})`],
        ...(options.compress ? [['format', 'v1({ compress: true }): the size depends on what the data holds'] as [string, string]] : []),
        ['data', `${dataBytes} bytes of JSON`],
        ['sealed', sealed],
        ['limit', `${limit} bytes (${Math.round((measured / limit) * 100)}% used)`],
        fits ? ['room', roomLine] : ['over', `${measured - limit} bytes too large: commit() would throw SessionTooLargeError`],
      ]),
    )
  }
  return fits ? EXIT_OK : EXIT_REFUSED
}

/**
 * The bytes of the longest data JSON that fits: `data` plus a filler key of random base64url
 * text, as long as still fits (at most MAX_ROOM characters). When even an empty filler key
 * does not fit, `data` itself: no room.
 */
async function roomFor(data: Readonly<Record<string, Json>>, fits: (value: Readonly<Record<string, Json>>) => Promise<boolean>): Promise<number> {
  let key = '_'
  while (Object.hasOwn(data, key)) key += '_'
  const filler = randomText(MAX_ROOM)
  const padded = (length: number): Record<string, Json> => ({ ...data, [key]: filler.slice(0, length) })
  if (!(await fits(padded(0)))) return bytesOf(data)
  let low = 0
  let high = MAX_ROOM
  // At most log2(MAX_ROOM) + 1 = 16 measurements.
  while (low < high) {
    const middle = Math.ceil((low + high) / 2)
    if (await fits(padded(middle))) low = middle
    else high = middle - 1
  }
  return bytesOf(padded(low))
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** `length` characters of base64url from a fixed seed (xorshift32): random to DEFLATE, the same on every run. */
function randomText(length: number): string {
  let state = 0x9e3779b9
  let text = ''
  for (let i = 0; i < length; i++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    text += BASE64URL[(state >>> 0) % 64]
  }
  return text
}

function parseData(text: string): Record<string, Json> {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    throw new UsageError('the session data is not JSON; give a JSON object such as {"cart":["apple"]}')
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new UsageError('the session data must be a JSON object (its keys are the session keys)')
  return data as Record<string, Json>
}
