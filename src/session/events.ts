import { sha256, toHex } from '../keys/digest.js'
import type { InvalidReason } from '../errors.js'
import type { LegacyReaderName, LegacyRefusal } from './legacy.js'

/**
 * What happened to a session, for logs and monitoring. Events never carry the token,
 * the session id or a secret: only a short SHA-256 digest of the id, enough to
 * correlate log lines (OWASP ASVS 5.0 V16.2: no session tokens in logs).
 */
export type SessionEvent =
  | { readonly type: 'created'; readonly sessionIdHash: string }
  | { readonly type: 'refreshed'; readonly sessionIdHash: string }
  | { readonly type: 'rotated'; readonly sessionIdHash: string; readonly fromKeyId: number; readonly toKeyId: number }
  | { readonly type: 'expired'; readonly sessionIdHash?: string; readonly reason: 'absolute' | 'idle' | 'header' }
  | { readonly type: 'invalid'; readonly reason: InvalidReason | 'binding' }
  | { readonly type: 'revoked'; readonly sessionIdHash: string }
  /** `maxSessions`: a sign-in of the same subject signed this (older) session out. */
  | { readonly type: 'evicted'; readonly sessionIdHash: string }
  /** With `binding.mode: 'soft'`: the client value changed; the session was kept and re-bound. */
  | { readonly type: 'binding-changed'; readonly sessionIdHash: string }
  | { readonly type: 'destroyed'; readonly sessionIdHash: string }
  | { readonly type: 'too-large'; readonly sessionIdHash: string; readonly size: number; readonly limit: number }
  /**
   * `sizeWarning`: the sealed session passed that share of its limit (it still fitted and
   * was sent). `largestKeys`: the three largest top-level keys of the data, by the bytes
   * of their JSON (`"key":value`); names only (at most 64 characters), never values.
   */
  | {
      readonly type: 'size-warning'
      readonly sessionIdHash: string
      readonly size: number
      readonly limit: number
      readonly largestKeys: readonly { readonly key: string; readonly bytes: number }[]
    }
  /** `migrate`: a legacy cookie verified and became this (new) session; its cookie is expired on the same response. */
  | { readonly type: 'legacy-migrated'; readonly reader: LegacyReaderName; readonly sessionIdHash: string }
  /** `migrate`: a legacy cookie was ignored, like any bad cookie (the value is never reported). */
  | { readonly type: 'legacy-refused'; readonly reader: LegacyReaderName; readonly reason: LegacyRefusal }
  /**
   * A cookie opened with a secret other than the newest: ours (no `reader`, `keyId` from
   * `secrets`) or a legacy one (`reader`, and the peer's id of the secret). When it stops
   * coming, that secret opens nothing any more; it cannot open anything of ours after
   * `lifetime.maxAgeLimit` plus `clock.skew` from the moment it stopped sealing.
   */
  | { readonly type: 'old-secret'; readonly reader?: LegacyReaderName; readonly keyId: number | string }
  /**
   * `overflow`: the cookie names an older (or newer) version of its stored data than the
   * store holds — a copy of the cookie from before a later write, or a request that raced
   * one. Signed out for this request only; the cookie is kept (docs/OVERFLOW.md).
   */
  | { readonly type: 'overflow-stale'; readonly sessionIdHash: string }
  /** `overflow`: a commit lost the compare-and-set to a newer write and threw `OverflowConflictError`; nothing was stored. */
  | { readonly type: 'overflow-conflict'; readonly sessionIdHash: string }
  /**
   * `overflow`: the data store failed or did not answer within `revocationTimeout`. A read
   * signs the request out (the cookie kept); a write throws `OverflowUnavailableError`; a
   * delete is left to the store's expiry.
   */
  | { readonly type: 'overflow-error'; readonly sessionIdHash: string; readonly operation: 'read' | 'write' | 'delete' }
  | {
      readonly type: 'revocation-error'
      readonly sessionIdHash: string
      /** A revocation check on load, or a revocation written by logout(), regenerate() or login(). */
      readonly operation: 'check' | 'revoke'
      /** The configured policy: for a check, what happened to the request. A failed write always throws. */
      readonly failure: 'closed' | 'open'
    }

/** The `type` of a `SessionEvent`: 'created', 'refreshed', 'rotated', 'expired', 'invalid', 'revoked', … */
export type SessionEventType = SessionEvent['type']

/** The first 8 bytes of SHA-256(session id), hex: stable per session, useless as a credential. */
export async function hashSessionId(id: string): Promise<string> {
  return toHex((await sha256(id)).subarray(0, 8))
}

/** Calls the event handler; a failing handler must not fail the request. */
export function emit(onEvent: ((event: SessionEvent) => void) | undefined, event: SessionEvent): void {
  if (onEvent === undefined) return
  try {
    onEvent(event)
  } catch {
    // Ignored on purpose: monitoring never breaks a request.
  }
}

/** Hashes the id only when someone listens: no digest on the hot path otherwise. */
export async function emitHashed(
  onEvent: ((event: SessionEvent) => void) | undefined,
  id: string,
  make: (sessionIdHash: string) => SessionEvent,
): Promise<void> {
  if (onEvent === undefined) return
  emit(onEvent, make(await hashSessionId(id)))
}
