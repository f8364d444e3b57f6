import type { NormalizedSecret } from '../keys/secrets.js'

/**
 * The JWE format's keys (docs/JWE.md §Keys): one AES-256 key per secret and purpose,
 *
 *   HKDF-SHA256(ikm = UTF-8(secret), salt = empty, info = "sealed-session/jwe\0" || UTF-8(purpose), L = 32)
 *
 * No epoch: a service in another language reads the cookie with one static JWK per
 * secret. The label differs from v1's "sealed-session/v1\0", so the JWE key never equals
 * a v1 epoch key of the same secret (RFC 5869 §3.2: `info` separates contexts).
 */
const encoder = new TextEncoder()
const LABEL = encoder.encode('sealed-session/jwe\0')

/** Bounded per isolate, like the v1 ring: no input can grow it without limit. */
const MAX_CACHED_KEYS = 256
const baseKeys = new Map<string, Promise<CryptoKey>>()
const contentKeys = new Map<string, Promise<CryptoKey>>()

export function jweKeyInfo(purpose: string): Uint8Array<ArrayBuffer> {
  const name = encoder.encode(purpose)
  const info = new Uint8Array(LABEL.length + name.length)
  info.set(LABEL, 0)
  info.set(name, LABEL.length)
  return info
}

/** The AES-256-GCM key for one secret and purpose: derived once per isolate, never extractable. */
export function jweKey(secret: string, purpose: string): Promise<CryptoKey> {
  const cacheKey = `${purpose}\0${secret}`
  const cached = contentKeys.get(cacheKey)
  if (cached !== undefined) return cached
  if (contentKeys.size >= MAX_CACHED_KEYS) contentKeys.delete(contentKeys.keys().next().value!)
  const derived = baseKey(secret).then((base) =>
    crypto.subtle.deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: jweKeyInfo(purpose) },
      base,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt', 'decrypt'],
    ),
  )
  contentKeys.set(cacheKey, derived)
  derived.catch(() => contentKeys.delete(cacheKey))
  return derived
}

/** The same key as raw bytes, for `exportJwk()` only: never cached, never used to seal. */
export async function jweKeyBytes(secret: string, purpose: string): Promise<Uint8Array<ArrayBuffer>> {
  const base = await crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, ['deriveBits'])
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: jweKeyInfo(purpose) },
    base,
    256,
  )
  return new Uint8Array(bits)
}

function baseKey(secret: string): Promise<CryptoKey> {
  let key = baseKeys.get(secret)
  if (key === undefined) {
    if (baseKeys.size >= MAX_CACHED_KEYS) baseKeys.delete(baseKeys.keys().next().value!)
    key = crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, ['deriveKey'])
    baseKeys.set(secret, key)
    key.catch(() => baseKeys.delete(secret))
  }
  return key
}

/** The JWE `kid` of a secret: its v1 key id (0–255) in decimal. */
export function kidOf(secret: NormalizedSecret): string {
  return String(secret.id)
}

const KID = /^(?:0|[1-9][0-9]{0,2})$/

/** The key id a `kid` names, or `undefined` unless it is the canonical decimal spelling of 0–255. */
export function keyIdOf(kid: string): number | undefined {
  if (!KID.test(kid)) return undefined
  const id = Number(kid)
  return id <= 255 ? id : undefined
}
