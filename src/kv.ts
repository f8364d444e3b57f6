/**
 * `sealed-session/kv`: the revocation store and the session data store (`overflow`) on Cloudflare Workers KV. Its interface,
 * `RevocationStore`, is exported from `sealed-session`.
 * @packageDocumentation
 */
export { kvRevocations, type KVLike, type KVRevocationsOptions } from './stores/kv.js'
export { kvSessionData, type KVDataLike, type KVSessionDataOptions } from './stores/kv-data.js'
