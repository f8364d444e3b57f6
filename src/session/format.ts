import type { InvalidReason } from '../errors.js'
import { makeCodec, openString, sealString } from '../keys/codec.js'
import type { NormalizedSecret } from '../keys/secrets.js'
import { decodeEnvelope, encodeEnvelope, type Envelope } from './envelope.js'

/** What a session token format is given: the checked secrets and the lifetime policy. */
export interface FormatContext {
  /** Newest first; the first seals. */
  readonly secrets: readonly NormalizedSecret[]
  /** The cookie name: bound into every token. */
  readonly purpose: string
  /** Key epoch length in seconds. */
  readonly epochSeconds: number
  /** The longest any token may live, in seconds. */
  readonly window: number
  /** Tolerated clock skew in seconds. */
  readonly skew: number
}

export type OpenedSession =
  | { readonly ok: true; readonly envelope: Envelope; readonly keyId: number }
  | { readonly ok: false; readonly reason: InvalidReason }

/** Turns session envelopes into tokens and back. Opening never throws. */
export interface SessionFormat {
  seal(envelope: Envelope, expiresAt: number, now: number): Promise<string>
  open(token: string, now: number): Promise<OpenedSession>
}

/** Makes a format for one configuration; `createSessions` calls it once. */
export type FormatFactory = (context: FormatContext) => SessionFormat

/** The v1 token (docs/FORMAT.md): the default, and the smallest and fastest. */
export const v1Format: FormatFactory = (context) => {
  const codec = makeCodec(context.secrets, context.purpose, context.epochSeconds, context.window, context.skew)
  return {
    seal: (envelope, expiresAt, now) => sealString(codec, encodeEnvelope(envelope), expiresAt, now),
    open: async (token, now) => {
      const opened = await openString(codec, token, now)
      if (!opened.ok) return opened
      const envelope = decodeEnvelope(opened.plaintext)
      return envelope === undefined ? { ok: false, reason: 'payload' } : { ok: true, envelope, keyId: opened.header.keyId }
    },
  }
}
