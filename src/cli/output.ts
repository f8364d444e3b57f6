/** Unix seconds as ISO 8601 without milliseconds. */
export function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')
}

/** "in 2 h 5 min" or "3 d 4 h ago", relative to `now`. */
export function relative(at: number, now: number): string {
  const delta = Math.abs(at - now)
  const d = Math.floor(delta / 86_400)
  const h = Math.floor((delta % 86_400) / 3600)
  const m = Math.floor((delta % 3600) / 60)
  const text = d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min` : `${delta} s`
  return at >= now ? `in ${text}` : `${text} ago`
}

/** Aligned "label  value" lines. */
export function table(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([label]) => label.length)) + 2
  return rows.map(([label, value]) => label.padEnd(width) + value + '\n').join('')
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n'
}
