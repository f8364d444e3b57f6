import { encodeBase64url } from '../../src/format/base64url.js'
import { jweKeyBytes } from '../../src/jwe/keys.js'

const encoder = new TextEncoder()

export const utf8 = (text: string): Uint8Array<ArrayBuffer> => encoder.encode(text)
export const b64 = (bytes: Uint8Array<ArrayBuffer>): string => encodeBase64url(bytes)
export const b64json = (value: unknown): string => b64(utf8(JSON.stringify(value)))

/**
 * A compact JWE with any protected header, encrypted for real with plain Web Crypto
 * (AES-GCM, AAD = ASCII(BASE64URL(header)), RFC 7516 §5.1): only the header can make a
 * reader refuse it.
 */
export async function forge(
  header: unknown,
  plaintext: Uint8Array<ArrayBuffer>,
  rawKey: Uint8Array<ArrayBuffer>,
  parts: { encryptedKey?: string; ivLength?: number } = {},
): Promise<string> {
  const encodedHeader = typeof header === 'string' ? header : b64json(header)
  const key = await crypto.subtle.importKey('raw', rawKey, 'AES-GCM', false, ['encrypt'])
  const iv = crypto.getRandomValues(new Uint8Array(parts.ivLength ?? 12))
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8(encodedHeader), tagLength: 128 }, key, plaintext),
  )
  const ciphertext = sealed.subarray(0, sealed.length - 16)
  const tag = sealed.subarray(sealed.length - 16)
  return [encodedHeader, parts.encryptedKey ?? '', b64(iv), b64(ciphertext), b64(tag)].join('.')
}

/** The raw JWE key of a secret for a cookie name, as exportJwk() gives it. */
export function rawKey(secret: string, purpose = '__Host-session'): Promise<Uint8Array<ArrayBuffer>> {
  return jweKeyBytes(secret, purpose)
}

/** A valid session claims set (docs/JWE.md), sealed at `iat`. */
export function claims(iat: number, overrides: Record<string, unknown> = {}): Uint8Array<ArrayBuffer> {
  return utf8(
    JSON.stringify({
      iat,
      exp: iat + 3600,
      jti: 'AAAAAAAAAAAAAAAAAAAAAA',
      sub: 'user-1',
      ss: { c: iat, x: iat + 86_400, d: { cart: ['apple'] } },
      ...overrides,
    }),
  )
}
