import { generateSecret } from '../keys/secrets.js'
import { createSessions, type SessionEngine } from '../engine/engine.js'
import { ConfigurationError } from '../errors.js'
import { measureCommit } from '../engine/measure.js'
import { MAX_COOKIE_BYTES } from '../limits.js'
import type { Json } from '../session/envelope.js'
import { EXIT_OK, EXIT_REFUSED, UsageError, type CliHost } from './host.js'
import { json, table } from './output.js'

export interface SizeOptions {
  readonly cookie: string
  readonly maxChunks: number
  readonly json: boolean
}

/** Room for data padded in the search: more than four full cookies ever hold. */
const MAX_ROOM = 4 * MAX_COOKIE_BYTES

/**
 * The sealed size of `data` as an anonymous session with these cookie options, the limit,
 * and how many more bytes of data JSON still fit. The size does not depend on the secret,
 * so a fresh one is generated: no secret is needed.
 */
export async function size(text: string, options: SizeOptions, host: CliHost): Promise<number> {
  const data = parseData(text)
  const limit = options.maxChunks * MAX_COOKIE_BYTES
  let sessions: SessionEngine
  try {
    sessions = createSessions({ secrets: generateSecret(), cookie: { name: options.cookie, maxChunks: options.maxChunks }, sizeWarning: false })
  } catch (error) {
    if (error instanceof ConfigurationError) throw new UsageError(error.message)
    throw error
  }
  const { size: measured, cookies: chunks } = await measureCommit(sessions, data)
  const dataBytes = new TextEncoder().encode(JSON.stringify(data)).length
  const fits = measured <= limit
  // The sealed length depends only on the length of the data's JSON (not on the secret,
  // nor on what the bytes are): find the longest data JSON that fits, {"_":"aaa…"}.
  let low = 0
  let high = MAX_ROOM
  while (low < high) {
    const middle = Math.ceil((low + high) / 2)
    if ((await measureCommit(sessions, { _: 'a'.repeat(middle) })).size <= limit) low = middle
    else high = middle - 1
  }
  const room = fits ? Math.max(0, JSON.stringify({ _: 'a'.repeat(low) }).length - dataBytes) : 0
  if (options.json) {
    host.stdout(json({ cookie: options.cookie, maxChunks: options.maxChunks, dataBytes, size: measured, limit, fits, room, cookies: fits ? chunks : undefined }))
  } else {
    host.stdout(
      table([
        ['cookie', `${options.cookie} (maxChunks ${options.maxChunks})`],
        ['data', `${dataBytes} bytes of JSON`],
        ['sealed', `${measured} bytes${fits ? ` in ${chunks} cookie${chunks === 1 ? '' : 's'}` : ''} (name and value, as browsers count)`],
        ['limit', `${limit} bytes (${Math.round((measured / limit) * 100)}% used)`],
        fits ? ['room', `${room} more bytes of data JSON fit`] : ['over', `${measured - limit} bytes too large: commit() would throw SessionTooLargeError`],
      ]),
    )
  }
  return fits ? EXIT_OK : EXIT_REFUSED
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
