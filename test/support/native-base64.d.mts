/** Installs the TC39 base64 pair where the runtime has none; returns a function that removes it. */
export function installNativeBase64(): () => void
/** Whether the runtime itself ships `Uint8Array.prototype.toBase64` and `Uint8Array.fromBase64`. */
export const RUNTIME_HAS_NATIVE_BASE64: boolean
/** Runs `load` with the natives present ('native') or hidden ('fallback'), then restores them. */
export function withBase64Path<T>(path: 'native' | 'fallback', load: () => Promise<T>): Promise<T>
/** Calls the copies loaded by `withBase64Path('native', …)` made to the native pair. */
export const nativeCalls: { toBase64: number; fromBase64: number }
