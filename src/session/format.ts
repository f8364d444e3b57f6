import type { InvalidReason } from '../errors.js'
import { makeCodec, openDecoded, sealString, type OpenedValue, type PayloadDecoder } from '../keys/codec.js'
import type { NormalizedSecret } from '../keys/secrets.js'
import { decodeEnvelope, encodeEnvelope, freezeRecord, thawRecord, type SessionRecord } from './envelope.js'

/** What a session token format is given: the checked secrets and the lifetime policy. */
export interface FormatContext {
  /** Newest first; the first seals. */
  readonly secrets: readonly NormalizedSecret[]
  /** The cookie name: bound into every token. */
  readonly purpose: string
  /** Key epoch length in seconds. */
  readonly epochSeconds: number
  /** The longest any session may live, in seconds (the `maxAgeLimit` option): bounds the accepted epochs. */
  readonly maxAgeLimit: number
  /** Tolerated clock difference between machines, in seconds (the `clockSkew` option). */
  readonly clockSkew: number
  /** The `cipher` option: 'webcrypto' keeps the v1 token on `crypto.subtle` only. @default 'auto' */
  readonly cipher?: 'auto' | 'webcrypto'
  /** The `tokenCache` option: bytes of the isolate's cache of opened tokens, or false. @default 1048576 */
  readonly tokenCache?: number | false
  /** The `compress` option: deflate each session plaintext that shrinks by it (docs/FORMAT.md). @default false */
  readonly compress?: boolean
}

/** What `SessionFormat.open()` returns: the record and the key id that opened it, or why not. */
export type OpenedSession =
  | { readonly ok: true; readonly record: SessionRecord; readonly keyId: number }
  | { readonly ok: false; readonly reason: InvalidReason }

/** Turns session records into tokens and back. Opening never throws. */
export interface SessionFormat {
  /** Seals a record that expires at `expiresAt` (Unix seconds), at time `now`. */
  seal(record: SessionRecord, expiresAt: number, now: number): Promise<string>
  /** Opens a token at time `now`; a refusal carries its reason. */
  open(token: string, now: number): Promise<OpenedSession>
}

/** Makes a format for one configuration; `createSessions` calls it once. */
export type FormatFactory = (context: FormatContext) => SessionFormat

/**
 * The formats this package ships: the `format` option takes only these (v1, and
 * `jweFormat()` from sealed-session/jwe). A token format is security-critical code, so the
 * plug stays internal rather than an extension point nobody reviews (issue 20).
 */
const SHIPPED = new WeakSet<FormatFactory>()

/** Marks a factory as one this package ships. */
export function shippedFormat<F extends FormatFactory>(factory: F): F {
  SHIPPED.add(factory)
  return factory
}

/** Whether `value` is a format this package ships. */
export function isShippedFormat(value: unknown): value is FormatFactory {
  return typeof value === 'function' && SHIPPED.has(value as FormatFactory)
}

/** The v1 session payload: decoded records the token cache keeps (objects frozen, handed out as copies). */
const ENVELOPE: PayloadDecoder<SessionRecord> = { decode: decodeEnvelope, freeze: freezeRecord }

/** The v1 token (docs/FORMAT.md): the default, and the smallest and fastest. */
export const v1Format: FormatFactory = shippedFormat((context) => {
  const codec = makeCodec(context.secrets, context.purpose, context.epochSeconds, context.maxAgeLimit, context.clockSkew, context.cipher, context.tokenCache, context.compress)
  return {
    seal: (record, expiresAt, now) => sealString(codec, encodeEnvelope(record), expiresAt, now),
    open: (token, now) => {
      const opened = openDecoded(codec, token, now, ENVELOPE)
      // Duck-typed: in a vm sandbox (edge runtime) the platform's promises are from another realm.
      return 'then' in opened ? opened.then(sessionOf) : Promise.resolve(sessionOf(opened))
    },
  }
})

function sessionOf(opened: OpenedValue<SessionRecord>): OpenedSession {
  if (!opened.ok) return opened
  // A cached record is shared by every request with this cookie: the session gets a copy.
  return { ok: true, record: opened.shared ? thawRecord(opened.value) : opened.value, keyId: opened.header.keyId }
}
