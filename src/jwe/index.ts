/**
 * `sealed-session/jwe`: the session as a standard JWE (`dir` + `A256GCM`) that services in
 * other languages read with any JOSE library. Needs the optional peer dependency `jose`;
 * the core does not. See docs/JWE.md.
 * @packageDocumentation
 */
export { jweFormat } from './format.js'
export { exportJwk, type ExportJwkOptions, type SessionJwk } from './export.js'
export type { SessionClaims } from './claims.js'
