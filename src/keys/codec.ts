import { ConfigurationError, type InvalidReason } from '../errors.js'
import { decodeBase64url, encodeBase64url } from '../format/base64url.js'
import { nativeCrypto, type CipherOption, type CipherPath, type NativeCrypto } from '../format/cipher.js'
import { openToken, openTokenNative, parseToken, sealToken, sealTokenNative, type TokenHeader } from '../format/token.js'
import { epochKey, nativeEpochKey } from './ring.js'
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
  readonly window: number
  /** Clock skew tolerated between machines, in seconds. */
  readonly skew: number
  /** The key cache's scope for this purpose and epoch length, built once. */
  readonly scope: string
  /** Which AES-GCM implementation this codec uses (src/format/cipher.ts). */
  readonly cipher: CipherPath
  /** The native cipher when `cipher` is 'native'. */
  readonly native: NativeCrypto | undefined
}

export type Opened =
  | { readonly ok: true; readonly plaintext: Uint8Array<ArrayBuffer>; readonly header: TokenHeader }
  | { readonly ok: false; readonly reason: InvalidReason }

export function makeCodec(
  secrets: readonly NormalizedSecret[],
  purpose: string,
  epochSeconds: number,
  window: number,
  skew: number,
  cipher: CipherOption = 'auto',
): Codec {
  if (cipher !== 'auto' && cipher !== 'webcrypto') {
    throw new ConfigurationError(`cipher must be 'auto' or 'webcrypto', got ${JSON.stringify(cipher)}`)
  }
  const native = cipher === 'auto' ? nativeCrypto() : undefined
  return {
    secrets,
    byId: new Map(secrets.map((s) => [s.id, s])),
    purpose,
    epochSeconds,
    window,
    skew,
    scope: `${epochSeconds}:${purpose}`,
    cipher: native === undefined ? 'webcrypto' : 'native',
    native,
  }
}

/** Seals under the newest secret and the current epoch's key. */
export async function sealString(
  codec: Codec,
  plaintext: Uint8Array<ArrayBuffer>,
  expiresAt: number,
  now: number,
): Promise<string> {
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
 * [now - window - epochSeconds - skew, now + skew]. Then exactly one decryption with the
 * key the header names; never a second attempt with another key.
 */
export async function openString(codec: Codec, token: string, now: number): Promise<Opened> {
  const bytes = decodeBase64url(token)
  if (bytes === undefined) return { ok: false, reason: 'malformed' }
  const parsed = parseToken(bytes)
  if (typeof parsed === 'string') return { ok: false, reason: parsed }
  const { header } = parsed
  const secret = codec.byId.get(header.keyId)
  if (secret === undefined) return { ok: false, reason: 'unknown-key' }
  if (header.expiresAt + codec.skew <= now) return { ok: false, reason: 'expired' }
  const epochStart = header.epoch * codec.epochSeconds
  const latestExpiry = epochStart + codec.epochSeconds + codec.window
  // With the expiry check above, this bounds the epoch to the accepted window.
  if (epochStart > now + codec.skew || header.expiresAt > latestExpiry) {
    return { ok: false, reason: 'stale-epoch' }
  }
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
  return { ok: true, plaintext, header }
}
