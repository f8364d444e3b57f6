import { decodeBase64url, encodeBase64url } from '../format/base64url.js'

/**
 * Compares two byte strings in time that depends only on their lengths, which are public
 * (OWASP ASVS 5.0 V11.2.4: no short-circuit comparisons of secrets).
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

/** A per-session CSRF secret: 128 bits from the platform CSPRNG (ASVS 5.0 V11.5.1). */
export function newCsrfSecret(): string {
  return encodeBase64url(crypto.getRandomValues(new Uint8Array(16)))
}

/**
 * A form token for `secret`, masked with fresh random bytes so it differs on every page
 * and a compressed response leaks nothing about the secret (the BREACH attack,
 * breachattack.com): base64url(mask || mask XOR secret).
 */
export function maskCsrfToken(secret: string): string {
  const raw = decodeBase64url(secret)!
  const out = new Uint8Array(raw.length * 2)
  const mask = out.subarray(0, raw.length)
  crypto.getRandomValues(mask)
  for (let i = 0; i < raw.length; i++) out[raw.length + i] = mask[i]! ^ raw[i]!
  return encodeBase64url(out)
}

/** Whether `token` is a masked form of `secret`, compared in constant time. */
export function verifyCsrfToken(secret: string | undefined, token: unknown): boolean {
  if (secret === undefined || typeof token !== 'string' || token.length > 128) return false
  const raw = decodeBase64url(secret)
  const bytes = decodeBase64url(token)
  if (raw === undefined || bytes === undefined || bytes.length !== raw.length * 2) return false
  const unmasked = new Uint8Array(raw.length)
  for (let i = 0; i < raw.length; i++) unmasked[i] = bytes[i]! ^ bytes[raw.length + i]!
  return timingSafeEqual(unmasked, raw)
}
