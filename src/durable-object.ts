/**
 * `sealed-session/durable-object`: the revocation store and session directory on
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
