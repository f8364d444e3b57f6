/**
 * `sealed-session/migrate/react-router`: reads React Router's cookie session storage
 * (`createCookieSessionStorage()`), so an application switches without signing anyone out.
 * Read only; Web Crypto only; no dependency on react-router.
 * @packageDocumentation
 */
import { checkCookieName, checkReaderOptions, shippedReader, type LegacyCookieOptions, type LegacyRead, type LegacyReader } from '../session/legacy.js'
import { decodeBase64, legacyCookie, sentLegacyNames, parseJson, refused, secretList } from './cookies.js'

/** Options of `reactRouterCookie()`: those of the old `createCookieSessionStorage({ cookie })`, and `map`. */
export interface ReactRouterCookieOptions extends LegacyCookieOptions<Record<string, unknown>> {
  /** The cookie's name. @default '__session' */
  readonly name?: string
  /** The old `cookie.secrets`, newest first, as given to React Router (unsigned cookies are never read). */
  readonly secrets: readonly string[]
}

const encoder = new TextEncoder()

/**
 * Reads React Router's signed cookie session: the name, then base64 of the JSON, a dot,
 * and its HMAC-SHA256 in base64 without padding, URL-encoded. Each secret is tried in turn, as React Router does. The
 * format has no expiry of its own (only the browser's Max-Age), so none is checked here.
 * `map` receives the session data (flash values under React Router's `__flash_<key>__`).
 *
 * @example
 * ```ts
 * import { createSessions } from 'sealed-session'
 * import { reactRouterCookie } from 'sealed-session/migrate/react-router'
 *
 * const sessions = createSessions({
 *   secrets: process.env.SESSION_SECRETS ?? '',
 *   migrate: [reactRouterCookie({ secrets: [process.env.OLD_COOKIE_SECRET ?? ''], map: (old) => ({ subject: String(old.userId), data: {} }) })],
 * })
 * ```
 */
export function reactRouterCookie(options: ReactRouterCookieOptions): LegacyReader {
  const factory = 'reactRouterCookie()'
  const { path, domain, map } = checkReaderOptions(factory, options, ['name', 'secrets'])
  const name = checkCookieName(factory, 'name', options.name ?? '__session')
  const secrets = secretList(factory, 'secrets', options.secrets)
  const keys = secrets.map((secret) => crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']))
  return shippedReader({
    reader: 'react-router',
    cookieName: name,
    map,
    sent: (header) => sentLegacyNames(header, name, 1, path, domain),
    async read(header): Promise<LegacyRead> {
      const found = legacyCookie(header, name, 1, path, domain)
      if (!found.found) return found
      if (found.value === undefined) return refused(found.cookies, found.reason ?? 'malformed')
      const value = decodeValue(found.value)
      const dot = value?.lastIndexOf('.') ?? -1
      if (value === undefined || dot <= 0) return refused(found.cookies, 'malformed')
      const signed = value.slice(0, dot)
      const signature = decodeBase64(value.slice(dot + 1))
      if (signature === undefined || signature.length !== 32) return refused(found.cookies, 'malformed')
      const data = encoder.encode(signed)
      for (let i = 0; i < keys.length; i++) {
        if (!(await crypto.subtle.verify('HMAC', await keys[i]!, signature, data))) continue
        const bytes = decodeBase64(signed)
        const session = bytes === undefined ? undefined : parseJson(bytes)
        if (typeof session !== 'object' || session === null || Array.isArray(session)) return refused(found.cookies, 'payload')
        return { found: true, cookies: found.cookies, ok: true, value: session, keyId: i, newest: i === 0 }
      }
      return refused(found.cookies, 'signature')
    },
  })
}

/** The cookie value as the `cookie` package reads it: quotes stripped, percent-decoded; undefined when undecodable. */
function decodeValue(raw: string): string | undefined {
  const value = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw
  if (!value.includes('%')) return value
  try {
    return decodeURIComponent(value)
  } catch {
    return undefined
  }
}

export type { LegacyReader, LegacySession, LegacyCookieOptions } from '../session/legacy.js'
