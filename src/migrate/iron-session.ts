/**
 * `sealed-session/migrate/iron-session`: reads iron-session's cookie (v8 and v9, the
 * `Fe26.2` iron seal with the `~2` suffix), so an application switches without signing
 * anyone out. Read only; Web Crypto only; no dependency on iron-session.
 * @packageDocumentation
 */
import { ConfigurationError } from '../errors.js'
import { decodeBase64url, encodeBase64url } from '../format/base64url.js'
import { timingSafeEqual } from '../session/csrf.js'
import { checkCookieName, checkReaderOptions, shippedReader, type LegacyCookieOptions, type LegacyRead, type LegacyReader } from '../session/legacy.js'
import { legacyCookie, sentLegacyNames, parseJson, refused } from './cookies.js'

/** Options of `ironSession()`: those of the old `getIronSession(cookies, { cookieName, password })`, and `map`. */
export interface IronSessionOptions extends LegacyCookieOptions<Record<string, unknown>> {
  /** The old `cookieName`. */
  readonly cookieName: string
  /**
   * The old `password`, exactly as given to iron-session: one string (iron-session calls
   * it id 1), or `{ [id]: password }` (the highest id seals). At least 32 characters each.
   */
  readonly password: string | Readonly<Record<string, string>>
}

/** iron's own bounds (iron-webcrypto): 256-bit salts as 64 hex characters, a 128-bit IV, and its 60 s of clock grace. */
const GRACE_MS = 60_000
const encoder = new TextEncoder()

/**
 * Reads iron-session's seal: `Fe26.2*id*salt*iv*ciphertext*expiry*hmacSalt*hmac~2`, the
 * keys PBKDF2-SHA1 (1 iteration) from the password named by the id inside the seal, the
 * HMAC-SHA256 over everything before the MAC salt, AES-256-CBC inside. Refused as iron
 * refuses: an expiry older than 60 s, an id with no password, a bad MAC. The `~2` suffix
 * is outside the MAC and ignored (as iron-session 9 does). iron-session 9's chunks
 * (`name.0` …) are read too. `map` receives the session data.
 *
 * @example
 * ```ts
 * import { createSessions } from 'sealed-session'
 * import { ironSession } from 'sealed-session/migrate/iron-session'
 *
 * const sessions = createSessions({
 *   secrets: process.env.SESSION_SECRETS ?? '',
 *   migrate: [ironSession({ cookieName: 'app_session', password: process.env.IRON_PASSWORD ?? '', map: (old) => ({ subject: String(old.userId), data: {} }) })],
 * })
 * ```
 */
export function ironSession(options: IronSessionOptions): LegacyReader {
  const factory = 'ironSession()'
  const { path, domain, map } = checkReaderOptions(factory, options, ['cookieName', 'password'])
  const name = checkCookieName(factory, 'cookieName', options.cookieName)
  const passwords = passwordMap(factory, options.password)
  const newest = String(Math.max(...Object.keys(passwords).map(Number)))
  return shippedReader({
    reader: 'iron-session',
    cookieName: name,
    map,
    sent: (header) => sentLegacyNames(header, name, 4, path, domain),
    async read(header, nowMs): Promise<LegacyRead> {
      // iron-session 9 writes at most 4 chunks and reads `name.0` … up to the first gap.
      const found = legacyCookie(header, name, 4, path, domain)
      if (!found.found) return found
      if (found.value === undefined) return refused(found.cookies, found.reason ?? 'malformed')
      const sealed = found.value.includes('~') ? found.value.slice(0, found.value.indexOf('~')) : found.value
      const parts = sealed.split('*')
      if (parts.length !== 8 || parts[0] !== 'Fe26.2') return refused(found.cookies, 'malformed')
      const [, id = '', salt = '', ivText = '', cipherText = '', expiry = '', macSalt = '', mac = ''] = parts
      const iv = decodeBase64url(ivText)
      const ciphertext = decodeBase64url(cipherText)
      const macBytes = decodeBase64url(mac)
      if (!/^\d*$/.test(expiry) || iv?.length !== 16 || ciphertext === undefined || ciphertext.length % 16 !== 0 || ciphertext.length === 0 || macBytes?.length !== 32 || salt.length > 512 || macSalt.length > 512) {
        return refused(found.cookies, 'malformed')
      }
      const password = Object.hasOwn(passwords, id || 'default') ? passwords[id || 'default'] : undefined
      if (password === undefined) return refused(found.cookies, 'unknown-key')
      const macKey = await crypto.subtle.importKey('raw', await pbkdf2(password, macSalt), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
      const expected = new Uint8Array(await crypto.subtle.sign('HMAC', macKey, encoder.encode(parts.slice(0, 6).join('*'))))
      // Compared as iron does, on the base64url text: a non-canonical encoding of the right bytes is refused too.
      if (!timingSafeEqual(encoder.encode(encodeBase64url(expected)), encoder.encode(mac))) return refused(found.cookies, 'signature')
      if (expiry !== '' && Number(expiry) <= nowMs - GRACE_MS) return refused(found.cookies, 'expired')
      const aesKey = await crypto.subtle.importKey('raw', await pbkdf2(password, salt), { name: 'AES-CBC' }, false, ['decrypt'])
      let plaintext: Uint8Array
      try {
        plaintext = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-CBC', iv }, aesKey, ciphertext))
      } catch {
        return refused(found.cookies, 'payload')
      }
      const session = parseJson(plaintext)
      if (typeof session !== 'object' || session === null || Array.isArray(session)) return refused(found.cookies, 'payload')
      return { found: true, cookies: found.cookies, ok: true, value: session, keyId: id, newest: id === newest }
    },
  })
}

/** iron's key derivation: PBKDF2-HMAC-SHA1, one iteration, the salt as text, 256 bits. */
async function pbkdf2(password: string, salt: string): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(password), 'PBKDF2', false, ['deriveBits'])
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-1', salt: encoder.encode(salt), iterations: 1 }, key, 256))
}

/** The password as iron-session normalizes it: a string is id 1; ids are whole numbers; 32 characters or more each. */
function passwordMap(factory: string, password: unknown): Readonly<Record<string, string>> {
  const map = typeof password === 'string' ? { 1: password } : password
  if (typeof map !== 'object' || map === null || Array.isArray(map) || Object.keys(map).length === 0) {
    throw new ConfigurationError(`${factory}: \`password\` must be the old iron-session password: a string, or { [id]: password }`)
  }
  const out: Record<string, string> = Object.create(null)
  for (const [id, secret] of Object.entries(map)) {
    if (!/^\d+$/.test(id)) throw new ConfigurationError(`${factory}: password ids must be whole numbers, as iron-session picks the highest to seal; got ${JSON.stringify(id)}`)
    if (typeof secret !== 'string' || secret.length < 32) throw new ConfigurationError(`${factory}: password ${id} must be a string of at least 32 characters, as iron-session requires`)
    out[id] = secret
  }
  return out
}

export type { LegacyReader, LegacySession, LegacyCookieOptions } from '../session/legacy.js'
