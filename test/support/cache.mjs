// The rule every framework runner checks on each response: one that sets a cookie must say
// `Cache-Control: no-store` (and nothing a shared cache could take as leave to store it,
// RFC 9111 §5.2.2.5), and `Vary: Cookie` where the adapter promises it.

/**
 * What is wrong with the cache headers of a response that sets a cookie, or undefined when
 * nothing is (or it sets none). `vary: false` for adapters that do not add `Vary: Cookie`.
 */
export function cacheViolation(response, { vary = true } = {}) {
  if (response.headers.getSetCookie().length === 0) return undefined
  const cacheControl = response.headers.get('cache-control') ?? ''
  const varies = response.headers.get('vary') ?? ''
  const storable = !/\bno-store\b/.test(cacheControl) || /\b(public|s-maxage)\b/.test(cacheControl)
  if (!storable && (!vary || /\bcookie\b/i.test(varies))) return undefined
  return vary ? `Cache-Control: ${cacheControl || '(none)'}, Vary: ${varies || '(none)'}` : `Cache-Control: ${cacheControl || '(none)'}`
}
