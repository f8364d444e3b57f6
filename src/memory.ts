export { memoryRevocations, type MemoryRevocationsOptions } from './stores/memory.js'
export type { RevocationStore, RevocationQuery, RevokedSession } from './session/revocation.js'
