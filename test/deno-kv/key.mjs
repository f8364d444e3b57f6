// Deno KV's key encoding, as its SQLite file stores keys: the Deno suite and the per-user
// benchmark read rows of that file by key.

/** Deno KV's key encoding (FoundationDB's tuple layer) for byte, string and `true` parts. */
export function encodeKey(key) {
  const out = []
  for (const part of key) {
    if (part === true) {
      out.push(0x27)
      continue
    }
    const bytes = typeof part === 'string' ? new TextEncoder().encode(part) : part
    out.push(typeof part === 'string' ? 0x02 : 0x01)
    for (const byte of bytes) out.push(...(byte === 0 ? [0, 0xff] : [byte]))
    out.push(0)
  }
  return new Uint8Array(out)
}
