/**
 * Sessions for React Router (framework mode, data mode): a `SessionStorage` with the
 * interface of `createCookieSessionStorage()`, sealed with AES-256-GCM, and a middleware
 * that puts the session in the router context.
 * @packageDocumentation
 */
export { createSealedSessionStorage, type SealedSessionStorage, type SealedSessionStorageOptions } from './storage.js'
export type { SealedSession } from './session.js'
