export { kvRevocations, type KVLike, type KVRevocationsOptions } from './stores/kv.js'
export type { RevocationStore, RevocationQuery, RevokedSession } from './session/revocation.js'
