import type { NormalizedSecret } from './secrets.js'

const encoder = new TextEncoder()
const LABEL = encoder.encode('sealed-session/v1\0')

/** Derived AES keys per secret, per isolate; bounded so no input grows it without limit. */
const MAX_KEYS_PER_SECRET = 1024
const baseKeys = new Map<string, Promise<CryptoKey>>()
const epochKeys = new Map<string, Map<string, Promise<CryptoKey>>>()

/**
 * The HKDF `info` for one epoch key (docs/FORMAT.md §Keys):
 * "sealed-session/v1\0" | epochSeconds u32be | epoch u32be | purpose (UTF-8).
 * The purpose is the cookie name for sessions, so a token sealed for cookie `a` never
 * opens as cookie `b` (RFC 5869 §3.2: `info` binds a key to its context).
 */
export function hkdfInfo(purpose: string, epochSeconds: number, epoch: number): Uint8Array<ArrayBuffer> {
  const name = encoder.encode(purpose)
  const info = new Uint8Array(LABEL.length + 8 + name.length)
  info.set(LABEL, 0)
  const view = new DataView(info.buffer, LABEL.length, 8)
  view.setUint32(0, epochSeconds)
  view.setUint32(4, epoch)
  info.set(name, LABEL.length + 8)
  return info
}

/**
 * The AES-256-GCM key for one secret, purpose and epoch: HKDF-SHA256 (RFC 5869) with an
 * empty salt, derived once per isolate and cached. Keys are non-extractable.
 */
export function epochKey(
  secret: NormalizedSecret,
  purpose: string,
  epochSeconds: number,
  epoch: number,
): Promise<CryptoKey> {
  let perSecret = epochKeys.get(secret.secret)
  if (perSecret === undefined) {
    perSecret = new Map()
    epochKeys.set(secret.secret, perSecret)
  }
  const cacheKey = `${epochSeconds}:${epoch}:${purpose}`
  const cached = perSecret.get(cacheKey)
  if (cached !== undefined) return cached
  if (perSecret.size >= MAX_KEYS_PER_SECRET) {
    // Oldest first: Map iteration follows insertion order.
    perSecret.delete(perSecret.keys().next().value!)
  }
  const derived = baseKey(secret.secret).then((base) =>
    crypto.subtle.deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: hkdfInfo(purpose, epochSeconds, epoch) },
      base,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt', 'decrypt'],
    ),
  )
  derivationCount++
  perSecret.set(cacheKey, derived)
  derived.catch(() => perSecret.delete(cacheKey))
  return derived
}

function baseKey(secret: string): Promise<CryptoKey> {
  let key = baseKeys.get(secret)
  if (key === undefined) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, ['deriveKey'])
    baseKeys.set(secret, key)
    key.catch(() => baseKeys.delete(secret))
  }
  return key
}

let derivationCount = 0

/** How many epoch keys this isolate has derived: tests use it to prove refused epochs derive nothing. */
export function keyDerivations(): number {
  return derivationCount
}
