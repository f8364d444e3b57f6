import type { InvalidReason } from '../errors.js'
import type { SessionCommit } from './commit.js'

/** Read access to request headers: a `Headers`, or anything with the same `get`. */
export interface HeaderReader {
  /** The header's value, or `null` when the request has none (as `Headers.get`). */
  get(name: string): string | null
}

/** What a request brought. */
export interface Incoming {
  /** The token, when the request carried one that may be ours. */
  readonly token?: string
  /** Why what the request carried under our name cannot be a token. */
  readonly reason?: InvalidReason
  /** Cookie names of ours the client holds (always empty for headers), so stale ones can be removed. */
  readonly names: readonly string[]
  /** The token is good, but its cookies should be written again: stale chunks to expire, or 0.1's chunk layout. */
  readonly rewrite?: true
}

/** What the engine asks a transport to send. */
export interface Outgoing {
  /** The newly sealed token; undefined when nothing was sealed. */
  readonly token: string | undefined
  /** Seconds the token lives. */
  readonly maxAge: number
  /** The session was destroyed and nothing new sealed: the client must forget its token. */
  readonly destroyed: boolean
  /** The names the client holds (from `Incoming.names`, or as last written). */
  readonly names: readonly string[]
  /** Whether those names hold this session; if not (garbage, expired, revoked) they are removed. */
  readonly current: boolean
}

/**
 * Where a token travels: read the incoming one, write the outgoing one. The purpose is
 * bound into every token's key, so a token issued for one transport never opens on
 * another (a bearer token handed to JavaScript is no HttpOnly cookie, and a stolen
 * cookie is no bearer token where SameSite and CSRF checks do not apply).
 */
export interface Transport {
  readonly purpose: string
  /** Never throws: anything a client sent is a token, a reason, or nothing. */
  read(headers: HeaderReader): Incoming
  /** Throws `SessionTooLargeError` when the token cannot travel, before producing anything. */
  write(outgoing: Outgoing): SessionCommit
  /** The bytes a token takes on this transport (names included) and the most it may take. */
  measure(token: string): { readonly size: number; readonly limit: number }
}
