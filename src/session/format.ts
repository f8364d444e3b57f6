import { ConfigurationError, type InvalidReason } from '../errors.js'
import { epochSecondsOf } from '../limits.js'
import { checkOptions } from '../strict.js'
import { makeCodec, openDecoded, sealString, type OpenedValue, type PayloadDecoder } from '../keys/codec.js'
import type { NormalizedSecret } from '../keys/secrets.js'
import { decodeEnvelope, encodeEnvelope, freezeRecord, thawRecord, type SessionRecord } from './envelope.js'

/** What a session token format is given: the checked secrets and the lifetime policy. */
export interface FormatContext {
  /** Newest first; the first seals. */
  readonly secrets: readonly NormalizedSecret[]
  /** The cookie name: bound into every token. */
  readonly purpose: string
  /** The longest any session may live, in seconds (`lifetime.maxAgeLimit`): bounds the accepted epochs. */
  readonly maxAgeLimit: number
  /** Tolerated clock difference between machines, in seconds (`clock.skew`). */
  readonly clockSkew: number
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
  open(token: string, now: number): OpenedSession | Promise<OpenedSession>
}

/** Makes a format for one configuration; `createSessions` calls it once. */
export type FormatFactory = (context: FormatContext) => SessionFormat

/**
 * A token format this package ships, for the `format` option: `v1({ … })`, or `jweFormat()`
 * from sealed-session/jwe. Opaque: a token format is security-critical code, so the plug
 * stays internal rather than an extension point nobody reviews (issue 20).
 */
export interface TokenFormat {
  /** Which format: 'v1' (docs/FORMAT.md) or 'jwe' (RFC 7516 compact, dir + A256GCM). */
  readonly name: 'v1' | 'jwe'
}

const FACTORIES = new WeakMap<TokenFormat, FormatFactory>()

/** A shipped format: its opaque handle, which `factoryOf()` turns back into its factory. */
export function shippedFormat(name: TokenFormat['name'], factory: FormatFactory): TokenFormat {
  const format: TokenFormat = Object.freeze({ name })
  FACTORIES.set(format, factory)
  return format
}

/** The `v1({ compress: true })` formats: their sealed size depends on what the data holds, not only its length. */
const COMPRESSING = new WeakSet<TokenFormat>()

/** Whether `format` deflates before sealing (`sealedSize()` and the CLI then measure several seals). */
export function compresses(format: TokenFormat | undefined): boolean {
  return format !== undefined && COMPRESSING.has(format)
}

/** The factory of a shipped format; `undefined` for anything else. */
export function factoryOf(value: unknown): FormatFactory | undefined {
  return typeof value === 'object' && value !== null ? FACTORIES.get(value as TokenFormat) : undefined
}

/** Options of the v1 token format, `v1({ … })`. */
export interface V1Options {
  /**
   * The AES-GCM implementation. 'auto' uses the runtime's synchronous `node:crypto` cipher
   * where `process.getBuiltinModule` offers one (Node ≥ 20.16, Bun, Deno) and Web Crypto
   * elsewhere; 'webcrypto' always uses `crypto.subtle`. Same tokens either way
   * (docs/SECURITY.md, "Cipher paths"). @default 'auto'
   */
  readonly cipher?: 'auto' | 'webcrypto'
  /**
   * Bytes of the per-isolate cache of opened tokens: a cookie seen before skips its
   * decryption (expiry, idle timeout, binding and revocation are still checked on every
   * request). One cache per isolate, sized by the largest budget any configuration asks
   * for; about 512 bytes plus the token and its plaintext per entry. `false` turns it off
   * for this configuration. @default 1048576 (1 MiB)
   */
  readonly tokenCache?: number | false
  /** Length of a key epoch in seconds; each epoch has its own AES key (60 to 4294, NIST SP 800-38D). @default 3600 */
  readonly epochSeconds?: number
  /**
   * Deflate each session plaintext that shrinks by it, before encryption (docs/FORMAT.md,
   * "Compressed plaintext"). Off by default: the cookie's length then depends on how well
   * the data compresses, a side channel when an attacker can place data next to a secret in
   * the session (CRIME/BREACH; docs/SECURITY.md says when not to enable it). Readers open
   * both forms, so turning it on or off signs nobody out. @default false
   */
  readonly compress?: boolean
}

const V1_KEYS = Object.keys({ cipher: true, tokenCache: true, epochSeconds: true, compress: true } satisfies Record<keyof V1Options, true>)

/** The v1 session payload: decoded records the token cache keeps (objects frozen, handed out as copies). */
const ENVELOPE: PayloadDecoder<SessionRecord> = { decode: decodeEnvelope, freeze: freezeRecord }

/**
 * The v1 token (docs/FORMAT.md): the default, and the smallest and fastest. Its options
 * are checked now: a mistake fails when the app starts.
 *
 * @example
 * ```ts
 * createSessions({ secrets, format: v1({ compress: true }) })
 * ```
 */
export function v1(options: V1Options = {}): TokenFormat {
  checkOptions('v1()', options, V1_KEYS)
  const epochSeconds = epochSecondsOf(options.epochSeconds)
  const { cipher = 'auto', tokenCache, compress = false } = options
  if (typeof compress !== 'boolean') throw new ConfigurationError(`v1(): compress must be true or false, got ${JSON.stringify(compress)}`)
  if (cipher !== 'auto' && cipher !== 'webcrypto') throw new ConfigurationError(`v1(): cipher must be 'auto' or 'webcrypto', got ${JSON.stringify(cipher)}`)
  if (tokenCache !== undefined && tokenCache !== false && !(Number.isSafeInteger(tokenCache) && tokenCache >= 0)) {
    throw new ConfigurationError(`v1(): tokenCache must be a number of bytes or false, got ${JSON.stringify(tokenCache)}`)
  }
  const format = shippedFormat('v1', (context) => {
    const codec = makeCodec(context.secrets, context.purpose, epochSeconds, context.maxAgeLimit, context.clockSkew, cipher, tokenCache, compress)
    return {
      seal: (record, expiresAt, now) => sealString(codec, encodeEnvelope(record), expiresAt, now),
      open: (token, now) => {
        const opened = openDecoded(codec, token, now, ENVELOPE)
        // Duck-typed: in a vm sandbox (edge runtime) the platform's promises are from another realm.
        return 'then' in opened ? opened.then(sessionOf) : sessionOf(opened)
      },
    }
  })
  if (compress) COMPRESSING.add(format)
  return format
}

function sessionOf(opened: OpenedValue<SessionRecord>): OpenedSession {
  if (!opened.ok) return opened
  // A cached record is shared by every request with this cookie: the session gets a copy.
  return { ok: true, record: opened.shared ? thawRecord(opened.value) : opened.value, keyId: opened.header.keyId }
}
