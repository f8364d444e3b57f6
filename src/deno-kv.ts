/**
 * `sealed-session/deno-kv`: the revocation store on Deno KV (`Deno.openKv()`, locally or on
 * Deno Deploy), strongly consistent and atomic, with a session directory (a user's
 * devices, `maxSessions`). Its interface, `RevocationStore`, is exported from `sealed-session`.
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
