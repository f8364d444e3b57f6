import { ConfigurationError } from './errors.js'

/** Where an options object sits and what its keys are, for `refuseUnknownKeys()`. */
export interface KnownKeys {
  /** How the object is named in messages, with a trailing dot when nested: `'cookie.'`, `''` for the top level. */
  readonly path: string
  /** What a key of it is called: `'a cookie option'`, `'an option of createSessions()'`. */
  readonly noun: string
  /** Every key the object may have. */
  readonly known: readonly string[]
  /** Keys people bring from other libraries or older versions, with what to write instead. */
  readonly hints?: Readonly<Record<string, string>>
}

/**
 * Refuses any key of `value` that is not known, with a `ConfigurationError` naming the key
 * and the fix (a hint, or the nearest known key). A security library that silently ignores
 * `maxAgee: 60` or `cookie: { maxAge: 60 }` gives a session a lifetime nobody chose.
 */
export function refuseUnknownKeys(value: object, keys: KnownKeys): void {
  for (const key of Object.keys(value)) {
    if (keys.known.includes(key)) continue
    const name = `\`${keys.path}${key}\``
    const hint = keys.hints !== undefined && Object.hasOwn(keys.hints, key) ? keys.hints[key] : undefined
    if (hint !== undefined) throw new ConfigurationError(`${name} is not ${keys.noun}: ${hint}`)
    const nearest = nearestKey(key, keys.known)
    if (nearest !== undefined) throw new ConfigurationError(`${name} is not ${keys.noun}; did you mean \`${keys.path}${nearest}\`?`)
    // A typo of a key that moved (`maxAgee` for 0.1's `maxAge`): name the key and where it went.
    const moved = keys.hints === undefined ? undefined : nearestKey(key, Object.keys(keys.hints))
    if (moved !== undefined) throw new ConfigurationError(`${name} is not ${keys.noun}; did you mean \`${moved}\`? ${keys.hints![moved]}`)
    throw new ConfigurationError(`${name} is not ${keys.noun}; the options are ${keys.known.map((k) => `\`${k}\``).join(', ')}`)
  }
}

/** The known key nearest to `key` (case-insensitive edit distance ≤ 2, or same letters ignoring case), if any. */
function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = 3
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key.toLowerCase(), candidate.toLowerCase(), bestDistance)
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

/** Levenshtein distance, giving up (returning `limit`) once it cannot be below `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit || a.length > 64 || b.length > 64) return limit
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    let rowMin = i
    for (let j = 1; j <= b.length; j++) {
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
      current.push(value)
      rowMin = Math.min(rowMin, value)
    }
    if (rowMin >= limit) return limit
    previous = current
  }
  return Math.min(previous[b.length]!, limit)
}

/** An options argument: an object (not null, not an array), or `ConfigurationError` naming what it should be. */
export function optionsObject(value: unknown, what: string): object {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigurationError(`${what} must be an options object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`)
  return value
}

/**
 * The options object of a factory such as `memoryRevocations()`: an object, with only the
 * keys given. `ConfigurationError` naming the key and the fix otherwise.
 */
export function checkOptions(factory: string, options: unknown, known: readonly string[]): void {
  refuseUnknownKeys(optionsObject(options, `${factory}'s options`), { path: '', noun: `an option of ${factory}`, known })
}
