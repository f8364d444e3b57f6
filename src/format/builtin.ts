/**
 * A `node:` builtin module of the runtime (`process.getBuiltinModule`: Node ≥ 20.16, Bun,
 * Deno), or `undefined` where there is none (browsers, the edge runtime) or where it is
 * not worth it: on workerd the `node:` modules need nodejs_compat and are no faster than
 * Web Crypto and the Compression Streams, which are native there.
 */
export function builtinModule(id: 'node:crypto' | 'node:zlib'): unknown {
  if ((globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent === 'Cloudflare-Workers') return undefined
  const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: unknown } }).process?.getBuiltinModule
  if (typeof getBuiltinModule !== 'function') return undefined
  return (getBuiltinModule as (id: string) => unknown)(id)
}

/** `probe()` run once per isolate, on first use; a probe that throws counts as `undefined`. */
export function probedOnce<T>(probe: () => T | undefined): () => T | undefined {
  let probed = false
  let available: T | undefined
  return () => {
    if (!probed) {
      probed = true
      try {
        available = probe()
      } catch {
        available = undefined
      }
    }
    return available
  }
}
