import { ConfigurationError } from '../errors.js'
import { HTTP_TOKEN, MAX_CHUNKS } from '../limits.js'

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
}

const PATH = /^\/[\x21-\x3a\x3c-\x7e]*$/
const DOMAIN = /^\.?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

/** Validates cookie options; throws `ConfigurationError` for a cookie a browser would refuse. */
export function resolveCookie(options: CookieOptions = {}): ResolvedCookie {
  const name = options.name ?? '__Host-session'
  const secure = options.secure ?? true
  const httpOnly = options.httpOnly ?? true
  const sameSite = options.sameSite ?? 'Lax'
  const path = options.path ?? '/'
  const domain = options.domain
  const partitioned = options.partitioned ?? false
  const maxChunks = options.maxChunks ?? 1

  if (!HTTP_TOKEN.test(name)) {
    throw new ConfigurationError(`cookie.name ${JSON.stringify(name)} is not a valid cookie name (RFC 6265 §4.1.1 token characters only)`)
  }
  if (sameSite !== 'Strict' && sameSite !== 'Lax' && sameSite !== 'None') {
    throw new ConfigurationError(`cookie.sameSite must be 'Strict', 'Lax' or 'None', got ${JSON.stringify(sameSite)}`)
  }
  if (!PATH.test(path)) throw new ConfigurationError(`cookie.path must start with "/" and hold no ";" or controls, got ${JSON.stringify(path)}`)
  if (domain !== undefined && !DOMAIN.test(domain)) {
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

  return { name, secure, httpOnly, sameSite, path, domain, partitioned, maxChunks }
}
