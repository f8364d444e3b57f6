/**
 * `sealed-session/kv`: the revocation store on Cloudflare Workers KV. Its interface,
 * `RevocationStore`, is exported from `sealed-session`.
 * @packageDocumentation
 */
export { kvRevocations, type KVLike, type KVRevocationsOptions } from './stores/kv.js'
