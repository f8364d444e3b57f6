/**
 * `sealed-session/memory`: an in-memory revocation store for tests and single-process
 * servers. Its interface, `RevocationStore`, is exported from `sealed-session`.
 * @packageDocumentation
 */
export { memoryRevocations, type MemoryRevocationsOptions } from './stores/memory.js'
