import { nowSeconds } from '../limits.js'
import { checkOptions } from '../strict.js'
import { LateWriteError } from '../session/revocation.js'
import type { SessionDataStore, StoredSession } from '../session/overflow.js'

/** Options of `memorySessionData()`. */
export interface MemorySessionDataOptions {
  /** The clock, in milliseconds. @default Date.now */
  readonly now?: () => number
}

/** How often (store seconds) a call sweeps out every expired copy. */
const SWEEP_EVERY = 60

/**
 * Session data (`overflow`) in this process's memory: strongly consistent (every put is a
 * compare-and-set), gone on restart, not shared between isolates or servers. For tests
 * and single-process servers. Expired copies are swept out at most once a minute.
 *
 * @example
 * ```ts
 * const sessions = createSessions({ secrets, overflow: { store: memorySessionData() } })
 * ```
 */
export function memorySessionData(options: MemorySessionDataOptions = {}): SessionDataStore & { readonly size: number } {
  checkOptions('memorySessionData()', options, ['now'])
  const now = (): number => nowSeconds(options.now ?? Date.now)
  const copies = new Map<string, { readonly stored: StoredSession; readonly expiresAt: number }>()
  let lastSweep = now()
  const current = (id: string): StoredSession | undefined => {
    const at = now()
    if (at - lastSweep >= SWEEP_EVERY) {
      lastSweep = at
      for (const [key, copy] of copies) if (copy.expiresAt <= at) copies.delete(key)
    }
    const copy = copies.get(id)
    if (copy === undefined) return undefined
    if (copy.expiresAt > at) return copy.stored
    copies.delete(id)
    return undefined
  }
  return {
    get size() {
      return copies.size
    },
    get: async (id) => current(id),
    put: async (id, stored, { expected, expiresAt, deadline }) => {
      if (deadline !== undefined && Date.now() > deadline) throw new LateWriteError()
      if ((current(id)?.version ?? 0) !== expected) return false
      copies.set(id, { stored: { version: stored.version, blob: stored.blob }, expiresAt })
      return true
    },
    delete: async (id, { expected } = {}) => {
      const found = current(id)
      if (found === undefined) return true
      if (expected !== undefined && found.version !== expected) return false
      copies.delete(id)
      return true
    },
  }
}
