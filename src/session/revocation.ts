/**
 * Where revocations live: small enough for Workers KV, Durable Objects, Deno KV or Redis.
 * Times are Unix seconds. A store may be eventually consistent; docs/REVOCATION.md says
 * what that costs.
 */
export interface RevocationStore {
  /**
   * Is this session revoked, either by its id or because its subject was logged out
   * everywhere after the session was created? Throwing (or rejecting) means "unknown":
   * the `revocationFailure` policy decides.
   */
  isRevoked(session: RevocationQuery): Promise<boolean>
  /** Revoke one session id until `expiresAt`, its natural expiry. */
  revoke(sessionId: string, expiresAt: number): Promise<void>
  /**
   * Revoke every session of `subject` created before `notBefore`, remembered until
   * `expiresAt` (by then every such session has expired anyway).
   */
  revokeSubject(subject: string, notBefore: number, expiresAt: number): Promise<void>
}

export interface RevocationQuery {
  readonly sessionId: string
  readonly subject: string | undefined
  /** When the session was created (login), Unix seconds. */
  readonly createdAt: number
}
