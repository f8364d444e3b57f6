/**
 * `sealed-session/durable-object`: the revocation store and session directory, and the
 * session data store (`overflow`: `durableObjectSessionData()`, class `SessionOverflow`), on
 * Cloudflare Durable Objects (one object per subject, SQLite storage, strongly
 * consistent), and the Durable Object class the Worker exports for it. Its interface,
 * `RevocationStore`, is exported from `sealed-session`.
 * @packageDocumentation
 */
export {
  durableObjectRevocations,
  type DurableObjectRevocationsOptions,
  type SessionRevocationsNamespace,
  type SessionRevocationsStub,
  type RecordedSessionRow,
} from './stores/durable-object.js'
export { SessionRevocations } from './stores/durable-object-class.js'
export {
  durableObjectSessionData,
  type DurableObjectSessionDataOptions,
  type SessionDataNamespace,
  type SessionDataStub,
} from './stores/durable-object-data.js'
export { SessionOverflow } from './stores/durable-object-data-class.js'
