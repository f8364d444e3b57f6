import { ConfigurationError } from '../errors.js'
import { HTTP_TOKEN, MAX_CHUNKS } from '../limits.js'
import { optionsObject, refuseUnknownKeys } from '../strict.js'

/**
 * Cookie attributes. Defaults follow OWASP's session management cheat sheet and
 * RFC 6265bis: `__Host-` prefix, Secure, HttpOnly, SameSite=Lax, Path=/, no Domain.
 */
export interface CookieOptions {
  /** Cookie name. @default '__Host-session' */
  readonly name?: string
  /** Send only over HTTPS (browsers also accept it on http://localhost). @default true */
  readonly secure?: boolean
  /** Hide the cookie from `document.cookie`. @default true */
  readonly httpOnly?: boolean
  /** Which cross-site requests carry the cookie; 'None' needs `secure`. @default 'Lax' */
  readonly sameSite?: 'Strict' | 'Lax' | 'None'
  /** The cookie's path; the `__Host-` prefix requires '/'. @default '/' */
  readonly path?: string
  /** Omit (the default) to keep the cookie to this exact host. @default undefined (host-only) */
  readonly domain?: string
  /** CHIPS partitioned cookie; needs Secure. @default false */
  readonly partitioned?: boolean
  /**
   * Split a token that does not fit one cookie over `name.0`, `name.1`, … at most this
   * many cookies. 1 means never split. Hard cap 4: Node's default 16 KiB header limit.
   * @default 1
   */
  readonly maxChunks?: number
  /**
   * `false` sends no Max-Age: a browser-session cookie, gone when the browser closes
   * ("remember me" off). The absolute and idle expiry are still enforced inside the token,
   * so a cookie kept by a browser that restores sessions still ends on time. @default true
   */
  readonly persistent?: boolean
}

export interface ResolvedCookie {
  readonly name: string
  readonly secure: boolean
  readonly httpOnly: boolean
  readonly sameSite: 'Strict' | 'Lax' | 'None'
  readonly path: string
  readonly domain: string | undefined
  readonly partitioned: boolean
  readonly maxChunks: number
  readonly persistent: boolean
}

/** Every key of `CookieOptions`, checked against the interface at compile time. */
const COOKIE_KEYS = Object.keys({
  name: true,
  secure: true,
  httpOnly: true,
  sameSite: true,
  path: true,
  domain: true,
  partitioned: true,
  maxChunks: true,
  persistent: true,
} satisfies Record<keyof CookieOptions, true>)

const LIFETIME = 'lifetimes are `lifetime: { maxAge, idleTimeout }` (the cookie\'s Max-Age follows the session\'s expiry; `cookie.persistent: false` sends none)'

/** Keys other libraries put in their cookie options (React Router, iron-session, express-session), with ours. */
export const COOKIE_HINTS: Readonly<Record<string, string>> = {
  maxAge: LIFETIME,
  expires: LIFETIME,
  secrets: 'secrets are the top-level `secrets` option (newest first)',
  secret: 'secrets are the top-level `secrets` option (newest first)',
  encode: 'the value is a sealed token, never encoded or decoded',
  decode: 'the value is a sealed token, never encoded or decoded',
  signed: 'the value is sealed (encrypted and authenticated) always',
  priority: 'the Priority attribute is not supported',
}

/** `'lax'`, `'LAX'`: SameSite values are case-insensitive (RFC 6265bis §5.6.7), as frameworks spell them lower-case. */
function sameSiteOf(value: unknown): 'Strict' | 'Lax' | 'None' | undefined {
  if (typeof value !== 'string') return undefined
  const lower = value.toLowerCase()
  return lower === 'strict' ? 'Strict' : lower === 'lax' ? 'Lax' : lower === 'none' ? 'None' : undefined
}

const PATH = /^\/[\x21-\x3a\x3c-\x7e]*$/
const DOMAIN = /^\.?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

/** Validates cookie options; throws `ConfigurationError` for a cookie a browser would refuse. */
export function resolveCookie(options: CookieOptions = {}): ResolvedCookie {
  refuseUnknownKeys(optionsObject(options, 'cookie'), { path: 'cookie.', noun: 'a cookie option', known: COOKIE_KEYS, hints: COOKIE_HINTS })
  const name = options.name ?? '__Host-session'
  const secure = options.secure ?? true
  const httpOnly = options.httpOnly ?? true
  const sameSite = options.sameSite === undefined ? 'Lax' : sameSiteOf(options.sameSite)
  const path = options.path ?? '/'
  const domain = options.domain
  const partitioned = options.partitioned ?? false
  const maxChunks = options.maxChunks ?? 1
  const persistent = options.persistent ?? true
  for (const [key, value] of Object.entries({ secure, httpOnly, partitioned, persistent })) {
    if (typeof value !== 'boolean') throw new ConfigurationError(`cookie.${key} must be true or false, got ${JSON.stringify(value)}`)
  }
  if (typeof name !== 'string') throw new ConfigurationError(`cookie.name must be a string, got ${typeof name}`)

  if (!HTTP_TOKEN.test(name)) {
    throw new ConfigurationError(`cookie.name ${JSON.stringify(name)} is not a valid cookie name (RFC 6265 §4.1.1 token characters only)`)
  }
  if (sameSite === undefined) {
    throw new ConfigurationError(`cookie.sameSite must be 'Strict', 'Lax' or 'None' (any case), got ${JSON.stringify(options.sameSite)}`)
  }
  if (typeof path !== 'string' || !PATH.test(path)) throw new ConfigurationError(`cookie.path must start with "/" and hold no ";" or controls, got ${JSON.stringify(path)}`)
  if (domain !== undefined && (typeof domain !== 'string' || !DOMAIN.test(domain))) {
    throw new ConfigurationError(`cookie.domain ${JSON.stringify(domain)} is not a host name`)
  }
  // RFC 6265bis §4.1.3: cookie name prefixes.
  if (name.startsWith('__Host-')) {
    if (!secure || domain !== undefined || path !== '/') {
      throw new ConfigurationError(
        `cookie "${name}": the __Host- prefix requires secure: true, path: '/' and no domain (RFC 6265bis §4.1.3.2); ` +
          'drop the prefix (cookie.name) to use a Domain or Path',
      )
    }
  } else if (name.startsWith('__Secure-') && !secure) {
    throw new ConfigurationError(`cookie "${name}": the __Secure- prefix requires secure: true (RFC 6265bis §4.1.3.1)`)
  }
  // RFC 6265bis §5.6.7: browsers reject SameSite=None without Secure.
  if (sameSite === 'None' && !secure) {
    throw new ConfigurationError(`cookie "${name}": sameSite 'None' requires secure: true; browsers reject it otherwise`)
  }
  if (partitioned && !secure) throw new ConfigurationError(`cookie "${name}": partitioned requires secure: true`)
  if (!Number.isInteger(maxChunks) || maxChunks < 1 || maxChunks > MAX_CHUNKS) {
    throw new ConfigurationError(`cookie.maxChunks must be an integer from 1 to ${MAX_CHUNKS}, got ${String(maxChunks)}`)
  }

  return { name, secure, httpOnly, sameSite, path, domain, partitioned, maxChunks, persistent }
}
