/**
 * `sealed-session/deno-kv`: the revocation store on Deno KV (`Deno.openKv()`, locally or on
 * Deno Deploy), strongly consistent and atomic. Its interface, `RevocationStore`, is
 * exported from `sealed-session`.
 * @packageDocumentation
 */
export {
  denoKvRevocations,
  type DenoKvAtomicLike,
  type DenoKvKey,
  type DenoKvKeyPart,
  type DenoKvLike,
  type DenoKvRevocationsOptions,
} from './stores/deno-kv.js'
