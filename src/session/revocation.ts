/**
 * Where revocations live: small enough for Workers KV, Durable Objects, Deno KV or Redis.
 * Times are Unix seconds. Only signed-in sessions (with a subject) are ever looked up:
 * an anonymous session carries no identity worth revoking, and costs no reads.
 * A store may be eventually consistent; docs/REVOCATION.md says what that costs.
 */
export interface RevocationStore {
  /**
   * Is this session revoked, by its id or because its subject was logged out everywhere
   * after the session was created? Implementations should answer with one read.
   * Throwing (or rejecting) means "unknown": the `revocationFailure` policy decides.
   */
  isRevoked(query: RevocationQuery): Promise<boolean>
  /** Revoke one session until `expiresAt`, its natural (absolute) expiry. */
  revoke(entry: RevokedSession): Promise<void>
  /**
   * Revoke every session of `subject` created before `notBefore`, remembered until
   * `expiresAt` (by then every such session has expired anyway).
   */
  revokeSubject(subject: string, notBefore: number, expiresAt: number): Promise<void>
}

export interface RevocationQuery {
  readonly sessionId: string
  readonly subject: string
  /** When the session was created (login), Unix seconds. */
  readonly createdAt: number
}

export interface RevokedSession {
  readonly sessionId: string
  readonly subject: string
  /** The session's absolute expiry, Unix seconds: the revocation need not outlive it. */
  readonly expiresAt: number
}
