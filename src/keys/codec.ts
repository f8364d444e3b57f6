import { ConfigurationError, type InvalidReason } from '../errors.js'
import { decodeBase64url, encodeBase64url } from '../format/base64url.js'
import { nativeCrypto, type CipherOption, type CipherPath, type NativeCrypto } from '../format/cipher.js'
import { DEFLATE_MARKER, packPlaintext, unpackPlaintext } from '../format/deflate.js'
import { openToken, openTokenNative, parseToken, sealToken, sealTokenNative, type TokenHeader } from '../format/token.js'
import { MAX_PLAINTEXT_BYTES } from '../limits.js'
import { epochKey, nativeEpochKey } from './ring.js'
import { DEFAULT_TOKEN_CACHE_BYTES, forgetToken, rememberDecoded, rememberToken, reserveTokenCache, reusedToken, type ReusedToken } from './reuse.js'
import type { NormalizedSecret } from './secrets.js'

/** Everything needed to seal and open tokens for one purpose (a cookie name). */
export interface Codec {
  /** Newest first; the first seals. */
  readonly secrets: readonly NormalizedSecret[]
  readonly byId: ReadonlyMap<number, NormalizedSecret>
  /** Bound into every key: the cookie name, or the purpose given to `seal()`. */
  readonly purpose: string
  /** Length of one key epoch in seconds. */
  readonly epochSeconds: number
  /** The longest any token may live, in seconds: bounds the epochs we accept. */
  readonly maxLifetime: number
  /** Clock difference tolerated between machines, in seconds (the `clock.skew` option). */
  readonly clockSkew: number
  /** The key cache's scope for this purpose and epoch length, built once. */
  readonly scope: string
  /** Which AES-GCM implementation this codec uses (src/format/cipher.ts). */
  readonly cipher: CipherPath
  /** The native cipher when `cipher` is 'native'. */
  readonly native: NativeCrypto | undefined
  /** Whether this codec reads and fills the isolate's cache of opened tokens (src/keys/reuse.ts). */
  readonly tokenCache: boolean
  /** Whether seals deflate the plaintext when that shrinks it (docs/FORMAT.md). Opening always reads both forms. */
  readonly compress: boolean
}

export type Opened =
  | { readonly ok: true; readonly plaintext: Uint8Array<ArrayBuffer>; readonly header: TokenHeader }
  | { readonly ok: false; readonly reason: InvalidReason }

/** Turns an authenticated plaintext into a value that the token cache may keep for later hits. */
export interface PayloadDecoder<T> {
  /** The value, or undefined when the plaintext is not one. A new value on every call. */
  decode(plaintext: Uint8Array<ArrayBuffer>): T | undefined
  /**
   * Readies a value `decode` made to be kept and shared (the session format freezes its
   * objects) and returns an upper bound of the bytes it holds; `undefined`, changing
   * nothing, when the value is not to be shared.
   */
  freeze(value: T): number | undefined
}

/**
 * What `openDecoded` returns. `shared`: the cache holds the value and hands the same object
 * to every later hit, so the caller copies whatever it lets anyone change.
 */
export type OpenedValue<T> =
  | { readonly ok: true; readonly value: T; readonly header: TokenHeader; readonly shared: boolean }
  | { readonly ok: false; readonly reason: InvalidReason }

export function makeCodec(
  secrets: readonly NormalizedSecret[],
  purpose: string,
  epochSeconds: number,
  maxLifetime: number,
  clockSkew: number,
  cipher: CipherOption = 'auto',
  tokenCache: number | false = DEFAULT_TOKEN_CACHE_BYTES,
  compress = false,
): Codec {
  if (cipher !== 'auto' && cipher !== 'webcrypto') {
    throw new ConfigurationError(`cipher must be 'auto' or 'webcrypto', got ${JSON.stringify(cipher)}`)
  }
  if (tokenCache !== false && !(Number.isSafeInteger(tokenCache) && tokenCache >= 0)) {
    throw new ConfigurationError(`tokenCache must be a number of bytes or false, got ${JSON.stringify(tokenCache)}`)
  }
  if (tokenCache) reserveTokenCache(tokenCache)
  const native = cipher === 'auto' ? nativeCrypto() : undefined
  return {
    secrets,
    byId: new Map(secrets.map((s) => [s.id, s])),
    purpose,
    epochSeconds,
    maxLifetime,
    clockSkew,
    scope: `${epochSeconds}:${purpose}`,
    cipher: native === undefined ? 'webcrypto' : 'native',
    native,
    tokenCache: tokenCache !== false && tokenCache > 0,
    compress: compress === true,
  }
}

/** Seals under the newest secret and the current epoch's key. */
export async function sealString(
  codec: Codec,
  plaintext: Uint8Array<ArrayBuffer>,
  expiresAt: number,
  now: number,
): Promise<string> {
  if (codec.compress) plaintext = await packPlaintext(plaintext, MAX_PLAINTEXT_BYTES)
  const secret = codec.secrets[0]!
  const epoch = Math.floor(now / codec.epochSeconds)
  const { native } = codec
  if (native !== undefined) {
    const cached = nativeEpochKey(native, secret, codec.purpose, codec.epochSeconds, epoch, codec.scope)
    const key = 'then' in cached ? await cached : cached
    return encodeBase64url(sealTokenNative(native, key, { keyId: secret.id, epoch, expiresAt }, plaintext))
  }
  const cached = epochKey(secret, codec.purpose, codec.epochSeconds, epoch, codec.scope)
  // Duck-typed: in a vm sandbox (edge runtime) the platform's promises are from another realm.
  const key = 'then' in cached ? await cached : cached
  const bytes = await sealToken(key, { keyId: secret.id, epoch, expiresAt }, plaintext)
  return encodeBase64url(bytes)
}

/**
 * Opens a token, refusing it before any key derivation when its cleartext header cannot
 * be ours: unknown version or key id, expired, or an epoch outside
 * [now - maxLifetime - epochSeconds - clockSkew, now + clockSkew]. Then exactly one decryption with the
 * key the header names; never a second attempt with another key.
 */
export async function openString(codec: Codec, token: string, now: number): Promise<Opened> {
  const seen = codec.tokenCache ? cachedEntry(codec, token, now) : undefined
  if (seen !== undefined) {
    if (!seen.ok) return seen
    // An entry holding a decoder's value instead of the plaintext: decrypt again.
    if (seen.entry.plaintext !== undefined) return { ok: true, plaintext: seen.entry.plaintext, header: seen.entry.header }
  }
  return decrypt(codec, token, now)
}

/**
 * `openString` followed by `decoder.decode`, where a token seen twice is decoded only once
 * more: its value is kept in place of the plaintext, so from the third time on a
 * hit costs neither a decryption nor a decoding. A token seen once (a session that changed)
 * pays no freezing or copying. Synchronous on a cache hit, a Promise otherwise: a hit
 * waits for no microtask.
 */
export function openDecoded<T>(codec: Codec, token: string, now: number, decoder: PayloadDecoder<T>): OpenedValue<T> | Promise<OpenedValue<T>> {
  const seen = codec.tokenCache ? cachedEntry(codec, token, now) : undefined
  if (seen !== undefined) {
    if (!seen.ok) return seen
    const { entry } = seen
    if (entry.decodedBy === decoder) return { ok: true, value: entry.decoded as T, header: entry.header, shared: true }
    if (entry.plaintext !== undefined) {
      const value = decoder.decode(entry.plaintext)
      if (value === undefined) return PAYLOAD
      const bytes = decoder.freeze(value)
      if (bytes === undefined) return { ok: true, value, header: entry.header, shared: false }
      rememberDecoded(token, entry, decoder, value, bytes, now)
      return { ok: true, value, header: entry.header, shared: true }
    }
  }
  return decryptDecoded(codec, token, now, decoder)
}

async function decryptDecoded<T>(codec: Codec, token: string, now: number, decoder: PayloadDecoder<T>): Promise<OpenedValue<T>> {
  const opened = await decrypt(codec, token, now)
  if (!opened.ok) return opened
  const value = decoder.decode(opened.plaintext)
  return value === undefined ? PAYLOAD : { ok: true, value, header: opened.header, shared: false }
}

const PAYLOAD = Object.freeze({ ok: false, reason: 'payload' } as const)

/**
 * The cache's entry for `token` when it applies to this codec — same purpose, epoch length
 * and the same secret under the same key id — and its header still passes; a refusal when
 * the header fails (the token needs no decryption to be refused); undefined otherwise.
 */
function cachedEntry(codec: Codec, token: string, now: number): { readonly ok: true; readonly entry: ReusedToken } | { readonly ok: false; readonly reason: InvalidReason } | undefined {
  const seen = reusedToken(token)
  if (seen === undefined) return undefined
  const { header } = seen
  if (seen.purpose === codec.purpose && seen.epochSeconds === codec.epochSeconds && codec.byId.get(header.keyId)?.secret === seen.secret) {
    const refused = refuseHeader(codec, header, now)
    if (refused === undefined) return { ok: true, entry: seen }
    if (refused === 'expired') forgetToken(token)
    return { ok: false, reason: refused }
  }
  if (!codec.byId.has(header.keyId)) forgetToken(token)
  return undefined
}

/** The uncached path: header checks, one decryption, and the plaintext remembered. */
async function decrypt(codec: Codec, token: string, now: number): Promise<Opened> {
  const bytes = decodeBase64url(token)
  if (bytes === undefined) return { ok: false, reason: 'malformed' }
  const parsed = parseToken(bytes)
  if (!parsed.ok) return parsed
  const { header } = parsed
  const secret = codec.byId.get(header.keyId)
  if (secret === undefined) return { ok: false, reason: 'unknown-key' }
  const refused = refuseHeader(codec, header, now)
  if (refused !== undefined) return { ok: false, reason: refused }
  const { native } = codec
  let plaintext: Uint8Array<ArrayBuffer> | undefined
  if (native !== undefined) {
    const cached = nativeEpochKey(native, secret, codec.purpose, codec.epochSeconds, header.epoch, codec.scope)
    const key = 'then' in cached ? await cached : cached
    plaintext = openTokenNative(native, key, parsed)
  } else {
    const cached = epochKey(secret, codec.purpose, codec.epochSeconds, header.epoch, codec.scope)
    // Duck-typed: in a vm sandbox (edge runtime) the platform's promises are from another realm.
    const key = 'then' in cached ? await cached : cached
    plaintext = await openToken(key, parsed)
  }
  if (plaintext === undefined) return { ok: false, reason: 'decrypt' }
  decryptions++
  // Authenticated, so the marker is the sealer's; inflated at most once per token: the cache
  // below keeps the inflated plaintext. Invalid or too large once inflated: no session.
  if (plaintext[0] === DEFLATE_MARKER) {
    plaintext = await unpackPlaintext(plaintext, MAX_PLAINTEXT_BYTES)
    if (plaintext === undefined) return { ok: false, reason: 'payload' }
  }
  if (codec.tokenCache) {
    rememberToken(token, { secret: secret.secret, purpose: codec.purpose, epochSeconds: codec.epochSeconds, header, plaintext }, now)
  }
  return { ok: true, plaintext, header }
}

/**
 * The cleartext header checks, on every open (cached or not): expired, or an epoch outside
 * [now - maxLifetime - epochSeconds - clockSkew, now + clockSkew].
 */
function refuseHeader(codec: Codec, header: TokenHeader, now: number): 'expired' | 'stale-epoch' | undefined {
  if (header.expiresAt + codec.clockSkew <= now) return 'expired'
  const epochStart = header.epoch * codec.epochSeconds
  const latestExpiry = epochStart + codec.epochSeconds + codec.maxLifetime
  // With the expiry check above, this bounds the epoch to the accepted window.
  if (epochStart > now + codec.clockSkew || header.expiresAt > latestExpiry) return 'stale-epoch'
  return undefined
}

let decryptions = 0

/** How many tokens this isolate has decrypted successfully: tests use it to prove a cache hit skipped the cipher. */
export function tokenDecryptions(): number {
  return decryptions
}
