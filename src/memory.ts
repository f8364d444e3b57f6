/**
 * `sealed-session/memory`: an in-memory revocation store and session data store (the
 * `overflow` option) for tests and single-process servers. Their interfaces,
 * `RevocationStore` and `SessionDataStore`, are exported from `sealed-session`.
 * @packageDocumentation
 */
export { memoryRevocations, type MemoryRevocationsOptions } from './stores/memory.js'
export { memorySessionData, type MemorySessionDataOptions } from './stores/memory-data.js'
