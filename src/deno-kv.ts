/**
 * `sealed-session/deno-kv`: the revocation store on Deno KV (`Deno.openKv()`, locally or on
 * Deno Deploy), strongly consistent and atomic, with a session directory (a user's
 * devices, `maxSessions`), and the session data store (`overflow`: `denoKvSessionData()`).
 * Their interfaces, `RevocationStore` and `SessionDataStore`, are exported from `sealed-session`.
 * @packageDocumentation
 */
export {
  DenoKvContentionError,
  denoKvRevocations,
  type DenoKvAtomicLike,
  type DenoKvEntryMaybe,
  type DenoKvKey,
  type DenoKvKeyPart,
  type DenoKvLike,
  type DenoKvListedEntry,
  type DenoKvRevocationsOptions,
} from './stores/deno-kv.js'
export { denoKvSessionData, DENO_KV_MAX_BLOB, type DenoKvSessionDataOptions } from './stores/deno-kv-data.js'
