/**
 * `sealed-session/migrate/auth-js`: reads Auth.js's session cookie in the JWT strategy
 * (the encrypted JWT of `@auth/core/jwt`'s `encode()`), so an application switches
 * without signing anyone out. Read only; Web Crypto only; no dependency on Auth.js or jose.
 * @packageDocumentation
 */
import { decodeBase64url, encodeBase64url } from '../format/base64url.js'
import { timingSafeEqual } from '../session/csrf.js'
import { checkCookieName, checkReaderOptions, shippedReader, type LegacyCookieOptions, type LegacyRead, type LegacyReader } from '../session/legacy.js'
import { legacyCookie, sentLegacyNames, parseJson, refused, secretList } from './cookies.js'

/** Options of `authJs()`: the old `AUTH_SECRET` and session cookie name, and `map`. */
export interface AuthJsOptions extends LegacyCookieOptions<Record<string, unknown>> {
  /**
   * The session cookie's full name, as Auth.js set it: `__Secure-authjs.session-token` on
   * HTTPS, `authjs.session-token` otherwise (`next-auth.session-token` in NextAuth 4).
   * It is also the key derivation's salt.
   */
  readonly cookieName: string
  /** The old `AUTH_SECRET`: one secret, or a list newest first (as Auth.js's `secret: [new, old]`). */
  readonly secret: string | readonly string[]
}

/** jose's `clockTolerance` in Auth.js's `decode()`: 15 s either way on exp and nbf. */
const TOLERANCE = 15
/** Auth.js writes chunks `name.0` … when the token exceeds one cookie; more than 8 (31 KB) is no session of Auth.js. */
const MAX_CHUNKS = 8
const encoder = new TextEncoder()

type Enc = 'A256CBC-HS512' | 'A256GCM'
interface Key {
  readonly raw: Uint8Array<ArrayBuffer>
  readonly kid: string
}

/**
 * Reads Auth.js's JWT session: compact JWE with `alg: dir`, `enc: A256CBC-HS512` (or
 * A256GCM, which its `decode()` also takes), the key HKDF-SHA256 from the secret with the
 * cookie name as salt and `Auth.js Generated Encryption Key (<salt>)` as info, `kid` the
 * key's JWK thumbprint. The secret is picked by `kid` (the first when there is none), as
 * Auth.js does; `exp` and `nbf` are checked with its 15 s tolerance. Chunked cookies
 * (`name.0`, `name.1`, …) are joined. `map` receives the JWT's claims (`sub`, `email`, …).
 *
 * @example
 * ```ts
 * import { createSessions } from 'sealed-session'
 * import { authJs } from 'sealed-session/migrate/auth-js'
 *
 * const sessions = createSessions({
 *   secrets: process.env.SESSION_SECRETS ?? '',
 *   migrate: [authJs({ cookieName: '__Secure-authjs.session-token', secret: process.env.AUTH_SECRET ?? '', map: (jwt) => ({ subject: String(jwt.sub), data: {} }) })],
 * })
 * ```
 */
export function authJs(options: AuthJsOptions): LegacyReader {
  const factory = 'authJs()'
  const { path, domain, map } = checkReaderOptions(factory, options, ['cookieName', 'secret'])
  const name = checkCookieName(factory, 'cookieName', options.cookieName)
  const secrets = secretList(factory, 'secret', options.secret)
  // Derived once per configuration, lazily: HKDF and the thumbprint cost two digests each.
  const keys = new Map<Enc, Promise<Key[]>>()
  const keysFor = (enc: Enc): Promise<Key[]> => {
    let found = keys.get(enc)
    if (found === undefined) keys.set(enc, (found = Promise.all(secrets.map((secret) => deriveKey(secret, name, enc)))))
    return found
  }
  return shippedReader({
    reader: 'auth-js',
    cookieName: name,
    map,
    sent: (header) => sentLegacyNames(header, name, MAX_CHUNKS, path, domain),
    async read(header, nowMs): Promise<LegacyRead> {
      const found = legacyCookie(header, name, MAX_CHUNKS, path, domain)
      if (!found.found) return found
      if (found.value === undefined) return refused(found.cookies, found.reason ?? 'malformed')
      const parts = found.value.split('.')
      if (parts.length !== 5 || parts[1] !== '') return refused(found.cookies, 'malformed')
      const [protectedHeader = '', , ivText = '', cipherText = '', tagText = ''] = parts
      const headerBytes = decodeBase64url(protectedHeader)
      const jose = headerBytes === undefined ? undefined : parseJson(headerBytes)
      if (typeof jose !== 'object' || jose === null || Array.isArray(jose)) return refused(found.cookies, 'malformed')
      const { alg, enc, kid, zip, crit } = jose as Record<string, unknown>
      // As jose refuses them for Auth.js: another algorithm, compression, critical extensions.
      if (alg !== 'dir' || (enc !== 'A256CBC-HS512' && enc !== 'A256GCM') || zip !== undefined || crit !== undefined || (kid !== undefined && typeof kid !== 'string')) {
        return refused(found.cookies, 'malformed')
      }
      const iv = decodeBase64url(ivText)
      const ciphertext = decodeBase64url(cipherText)
      const tag = decodeBase64url(tagText)
      if (iv === undefined || ciphertext === undefined || tag === undefined) return refused(found.cookies, 'malformed')
      const all = await keysFor(enc)
      const index = kid === undefined ? 0 : all.findIndex((key) => key.kid === kid)
      const key = all[index]
      if (key === undefined) return refused(found.cookies, 'unknown-key')
      const aad = encoder.encode(protectedHeader)
      const plaintext = enc === 'A256GCM' ? await openGcm(key.raw, iv, ciphertext, tag, aad) : await openCbcHs512(key.raw, iv, ciphertext, tag, aad)
      if (plaintext === undefined) return refused(found.cookies, 'signature')
      const claims = parseJson(plaintext)
      if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return refused(found.cookies, 'payload')
      const { exp, nbf, iat } = claims as Record<string, unknown>
      const now = Math.floor(nowMs / 1000)
      if ([exp, nbf, iat].some((claim) => claim !== undefined && (typeof claim !== 'number' || !Number.isFinite(claim)))) return refused(found.cookies, 'payload')
      if (typeof exp === 'number' && exp <= now - TOLERANCE) return refused(found.cookies, 'expired')
      if (typeof nbf === 'number' && nbf > now + TOLERANCE) return refused(found.cookies, 'expired')
      return { found: true, cookies: found.cookies, ok: true, value: claims, keyId: index, newest: index === 0 }
    },
  })
}

/** Auth.js's key: HKDF-SHA256(secret, salt = cookie name, info), 64 bytes for A256CBC-HS512, 32 for A256GCM; its kid the JWK thumbprint (RFC 7638). */
async function deriveKey(secret: string, salt: string, enc: Enc): Promise<Key> {
  const length = enc === 'A256GCM' ? 32 : 64
  const ikm = await crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, ['deriveBits'])
  const raw = new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: encoder.encode(salt), info: encoder.encode(`Auth.js Generated Encryption Key (${salt})`) }, ikm, length * 8))
  const jwk = `{"k":"${encodeBase64url(raw)}","kty":"oct"}`
  const kid = encodeBase64url(new Uint8Array(await crypto.subtle.digest(length === 64 ? 'SHA-512' : 'SHA-256', encoder.encode(jwk))))
  return { raw, kid }
}

/** RFC 7518 §5.2: HMAC-SHA-512 over AAD ‖ IV ‖ ciphertext ‖ AAD length in bits, the first 32 bytes as tag; then AES-256-CBC. */
async function openCbcHs512(key: Uint8Array<ArrayBuffer>, iv: Uint8Array<ArrayBuffer>, ciphertext: Uint8Array<ArrayBuffer>, tag: Uint8Array, aad: Uint8Array): Promise<Uint8Array | undefined> {
  if (iv.length !== 16 || tag.length !== 32 || ciphertext.length === 0 || ciphertext.length % 16 !== 0) return undefined
  const macKey = await crypto.subtle.importKey('raw', key.subarray(0, 32), { name: 'HMAC', hash: 'SHA-512' }, false, ['sign'])
  const input = new Uint8Array(aad.length + iv.length + ciphertext.length + 8)
  input.set(aad, 0)
  input.set(iv, aad.length)
  input.set(ciphertext, aad.length + iv.length)
  new DataView(input.buffer).setBigUint64(input.length - 8, BigInt(aad.length) * 8n)
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', macKey, input)).subarray(0, 32)
  if (!timingSafeEqual(mac, tag)) return undefined
  const aesKey = await crypto.subtle.importKey('raw', key.subarray(32), { name: 'AES-CBC' }, false, ['decrypt'])
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-CBC', iv }, aesKey, ciphertext))
  } catch {
    return undefined
  }
}

/** AES-256-GCM with the protected header as AAD (RFC 7516 §5.2). */
async function openGcm(key: Uint8Array<ArrayBuffer>, iv: Uint8Array<ArrayBuffer>, ciphertext: Uint8Array<ArrayBuffer>, tag: Uint8Array, aad: Uint8Array<ArrayBuffer>): Promise<Uint8Array | undefined> {
  if (iv.length !== 12 || tag.length !== 16) return undefined
  const aesKey = await crypto.subtle.importKey('raw', key, { name: 'AES-GCM' }, false, ['decrypt'])
  const sealed = new Uint8Array(ciphertext.length + 16)
  sealed.set(ciphertext)
  sealed.set(tag, ciphertext.length)
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: aad, tagLength: 128 }, aesKey, sealed))
  } catch {
    return undefined
  }
}

export type { LegacyReader, LegacySession, LegacyCookieOptions } from '../session/legacy.js'
