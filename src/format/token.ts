/**
 * The v1 token, bytes in and bytes out: no cookies, no clock policy, no key choice.
 *
 *   header (10 bytes, authenticated as AAD) | IV (12) | ciphertext | GCM tag (16)
 *   header = version u8 (1) | key id u8 | epoch u32be | expiry u32be (Unix seconds)
 *
 * docs/FORMAT.md documents every byte. AES-256-GCM with a 96-bit random IV and a
 * 128-bit tag, as NIST SP 800-38D §5.2.1.1 and §5.2.1.2 recommend; version 1 means
 * exactly this algorithm, so there is no algorithm field to trust (RFC 8725 §2.1).
 */
import type { NativeCrypto, NativeKey } from './cipher.js'

export const VERSION = 1
export const HEADER_LENGTH = 10
export const IV_LENGTH = 12
export const TAG_LENGTH = 16
/** The shortest possible v1 token in bytes (empty plaintext). */
export const MIN_TOKEN_LENGTH: number = HEADER_LENGTH + IV_LENGTH + TAG_LENGTH

export interface TokenHeader {
  /** Which secret sealed the token (0–255). */
  readonly keyId: number
  /** `floor(sealedAt / epochSeconds)`: selects the per-epoch AES key. */
  readonly epoch: number
  /** Unix seconds after which the token is refused. */
  readonly expiresAt: number
}

/** A token split into its parts; the views share the token's buffer. */
export interface ParsedToken {
  readonly header: TokenHeader
  readonly aad: Uint8Array<ArrayBuffer>
  readonly iv: Uint8Array<ArrayBuffer>
  readonly sealed: Uint8Array<ArrayBuffer>
}

const U32_MAX = 0xffffffff

/** Splits a token; a refusal, `malformed` or `version`, when its shape is not v1's. */
export function parseToken(bytes: Uint8Array<ArrayBuffer>): ({ readonly ok: true } & ParsedToken) | { readonly ok: false; readonly reason: 'malformed' | 'version' } {
  if (bytes.length < MIN_TOKEN_LENGTH) return { ok: false, reason: 'malformed' }
  if (bytes[0] !== VERSION) return { ok: false, reason: 'version' }
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_LENGTH)
  return {
    ok: true,
    header: { keyId: bytes[1]!, epoch: view.getUint32(2), expiresAt: view.getUint32(6) },
    aad: bytes.subarray(0, HEADER_LENGTH),
    iv: bytes.subarray(HEADER_LENGTH, HEADER_LENGTH + IV_LENGTH),
    sealed: bytes.subarray(HEADER_LENGTH + IV_LENGTH),
  }
}

/**
 * The token's bytes before the cipher runs: the header, a fresh random IV from
 * `crypto.getRandomValues` (NIST SP 800-38D §8.2.2; docs/FORMAT.md's epoch keys keep the seals
 * per key under the §8.3 bound of 2^32), and room for the ciphertext and the tag.
 */
function frame(header: TokenHeader, plaintextLength: number): Uint8Array<ArrayBuffer> {
  if (!isU8(header.keyId) || !isU32(header.epoch) || !isU32(header.expiresAt)) {
    throw new RangeError('token header field out of range')
  }
  const out = new Uint8Array(HEADER_LENGTH + IV_LENGTH + plaintextLength + TAG_LENGTH)
  out[0] = VERSION
  out[1] = header.keyId
  const view = new DataView(out.buffer, 0, HEADER_LENGTH)
  view.setUint32(2, header.epoch)
  view.setUint32(6, header.expiresAt)
  crypto.getRandomValues(out.subarray(HEADER_LENGTH, HEADER_LENGTH + IV_LENGTH))
  return out
}

/** Seals `plaintext` under `key` with a fresh random IV: one `crypto.subtle.encrypt`. */
export async function sealToken(
  key: CryptoKey,
  header: TokenHeader,
  plaintext: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  const out = frame(header, plaintext.length)
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: out.subarray(HEADER_LENGTH, HEADER_LENGTH + IV_LENGTH), additionalData: out.subarray(0, HEADER_LENGTH), tagLength: 128 },
    key,
    plaintext,
  )
  out.set(new Uint8Array(sealed), HEADER_LENGTH + IV_LENGTH)
  return out
}

/**
 * Opens a parsed token under `key`: one `crypto.subtle.decrypt`. Any failure (wrong key,
 * any changed bit) is `undefined`, with no detail (RFC 5116 §2.2).
 */
export async function openToken(key: CryptoKey, token: ParsedToken): Promise<Uint8Array<ArrayBuffer> | undefined> {
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: token.iv, additionalData: token.aad, tagLength: 128 },
      key,
      token.sealed,
    )
    return new Uint8Array(plain)
  } catch {
    return undefined
  }
}

/**
 * `sealToken` through the runtime's synchronous `node:crypto` cipher (src/format/cipher.ts):
 * the same header, IV source, AAD and 128-bit tag, so the same bytes as Web Crypto.
 */
export function sealTokenNative(
  native: NativeCrypto,
  key: NativeKey,
  header: TokenHeader,
  plaintext: Uint8Array<ArrayBuffer>,
): Uint8Array<ArrayBuffer> {
  const out = frame(header, plaintext.length)
  const cipher = native.createCipheriv('aes-256-gcm', key, out.subarray(HEADER_LENGTH, HEADER_LENGTH + IV_LENGTH), { authTagLength: 16 })
  cipher.setAAD(out.subarray(0, HEADER_LENGTH))
  const body = cipher.update(plaintext)
  const rest = cipher.final()
  const tag = cipher.getAuthTag()
  if (body.length + rest.length !== plaintext.length || tag.length !== TAG_LENGTH) throw new Error('native AES-GCM returned an unexpected length')
  out.set(body, HEADER_LENGTH + IV_LENGTH)
  out.set(rest, HEADER_LENGTH + IV_LENGTH + body.length)
  out.set(tag, out.length - TAG_LENGTH)
  return out
}

/**
 * `openToken` through the native cipher. The plaintext is returned only after the tag has
 * been checked (`final()`); any failure is `undefined`, with no detail.
 */
export function openTokenNative(native: NativeCrypto, key: NativeKey, token: ParsedToken): Uint8Array<ArrayBuffer> | undefined {
  try {
    const { sealed } = token
    const decipher = native.createDecipheriv('aes-256-gcm', key, token.iv, { authTagLength: 16 })
    decipher.setAAD(token.aad)
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH))
    const body = decipher.update(sealed.subarray(0, sealed.length - TAG_LENGTH))
    const rest = decipher.final()
    if (rest.length === 0) return new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.length)
    const plain = new Uint8Array(body.length + rest.length)
    plain.set(body)
    plain.set(rest, body.length)
    return plain
  } catch {
    return undefined
  }
}

function isU8(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 255
}

function isU32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= U32_MAX
}
