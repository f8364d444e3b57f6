import type { Json } from '../session/envelope.js'
import { emitHashed, type SessionEvent } from '../session/events.js'
import type { ResolvedOptions } from '../session/options.js'

/** Key names are the app's, not the user's, but still capped: an event is a log line. */
const MAX_KEY_NAME = 64
const LARGEST = 3
const encoder = new TextEncoder()

type SizeWarning = Extract<SessionEvent, { type: 'size-warning' }>

/**
 * Emits `size-warning` when a sealed session passes `sizeWarning` of its limit. The
 * per-key sizes are measured only then, and only with a listener: nothing on the hot path.
 */
export async function warnSize(options: ResolvedOptions, id: string, data: Readonly<Record<string, unknown>>, size: number, limit: number): Promise<void> {
  if (options.sizeWarning === false || options.onEvent === undefined || size <= options.sizeWarning * limit) return
  const largestKeys = largestKeysOf(data)
  await emitHashed(options.onEvent, id, (sessionIdHash): SizeWarning => ({ type: 'size-warning', sessionIdHash, size, limit, largestKeys }))
}

/** The largest top-level keys by the UTF-8 bytes of `"key":value`; names only, never values. */
export function largestKeysOf(data: Readonly<Record<string, unknown>>): SizeWarning['largestKeys'] {
  const sizes: { key: string; bytes: number }[] = []
  for (const key of Object.keys(data)) {
    const value = data[key] as Json | undefined
    if (value === undefined) continue
    const bytes = encoder.encode(`${JSON.stringify(key)}:${JSON.stringify(value)}`).length
    sizes.push({ key: key.length > MAX_KEY_NAME ? `${key.slice(0, MAX_KEY_NAME - 1)}…` : key, bytes })
  }
  return sizes.sort((a, b) => b.bytes - a.bytes).slice(0, LARGEST)
}
