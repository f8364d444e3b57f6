/**
 * The session payloads: plain JSON objects of an exact UTF-8 size, the same bytes on
 * every runtime. Each has a `visits` counter that the request cycle changes (always four
 * digits, so a cycle never changes the size).
 *
 * "About 3 KB" is 2,900 bytes: the largest round size whose sealed-session cookie still
 * fits one 4096-byte cookie with the default options (the session envelope adds about
 * 80 bytes of id and times; 3,072 bytes would need chunking and throw
 * SessionTooLargeError by default).
 */
export const PAYLOADS = [
  { id: '100B', label: '100 B', bytes: 100 },
  { id: '1KB', label: '1 KB', bytes: 1024 },
  { id: '3KB', label: '2.9 KB', bytes: 2900 },
]

/** A cart-like object whose JSON is exactly `bytes` long (ASCII, so bytes = characters). */
export function makePayload(bytes) {
  const value = { user: 'user-1', visits: 1000, cart: [], note: '' }
  let sku = 10000
  // Each item adds `"sku-NNNNN",` = 12 bytes; stop while there is room left for the note.
  while (size({ ...value, cart: [...value.cart, `sku-${sku}`] }) <= bytes - 8) value.cart.push(`sku-${sku++}`)
  value.note = 'n'.repeat(bytes - size(value))
  if (size(value) !== bytes) throw new Error(`payload of ${bytes} B came out at ${size(value)} B`)
  return value
}

function size(value) {
  return JSON.stringify(value).length
}

/** The next value of the counter a request cycle writes: always four digits. */
export function nextVisits(previous) {
  return previous >= 9999 ? 1000 : previous + 1
}
