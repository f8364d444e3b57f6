import { readCookies } from '../cookie/parse.js'
import { ConfigurationError } from '../errors.js'
import type { LegacyCookieName, LegacyRead, LegacyRefusal } from '../session/legacy.js'

/** A legacy cookie as sent: its value (chunks joined), or why it cannot be one, and every name to expire. */
export type LegacyCookie =
  | { readonly found: false }
  | { readonly found: true; readonly cookies: readonly LegacyCookieName[]; readonly value?: string; readonly reason?: LegacyRefusal }

/**
 * Reads one legacy cookie (or its chunks `name.0` … below `maxChunks`) with the same
 * linear, duplicate-refusing reader as ours: a name sent twice is a planted cookie.
 */
export function legacyCookie(header: string, name: string, maxChunks: number, path: string, domain: string | undefined): LegacyCookie {
  const incoming = readCookies(header, { name, maxChunks })
  if (incoming.names.length === 0) return { found: false }
  const cookies = incoming.names.map((sent) => ({ name: sent, path, domain }))
  if (incoming.token === undefined) return { found: true, cookies, reason: incoming.reason === 'duplicate' || incoming.reason === 'too-long' ? incoming.reason : 'malformed' }
  return { found: true, cookies, value: incoming.token }
}

/** The names of a legacy cookie (or its chunks) the request sent, to expire: none when it sent none. */
export function sentLegacyNames(header: string, name: string, maxChunks: number, path: string, domain: string | undefined): readonly LegacyCookieName[] {
  const found = legacyCookie(header, name, maxChunks, path, domain)
  return found.found ? found.cookies : []
}

/** A refusal of the cookies found. */
export function refused(cookies: readonly LegacyCookieName[], reason: LegacyRefusal): LegacyRead {
  return { found: true, cookies, ok: false, reason }
}

/** The bytes of a byte string (each char code below 256), or undefined. */
export function bytesOf(binary: string): Uint8Array<ArrayBuffer> | undefined {
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) {
    const code = binary.charCodeAt(i)
    if (code > 255) return undefined
    bytes[i] = code
  }
  return bytes
}

/** Standard base64 (padding optional) to bytes, or undefined: `atob` without its exception. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.replace(/=+$/, '').length % 4 === 1) return undefined
  try {
    return bytesOf(atob(text))
  } catch {
    return undefined
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** UTF-8 JSON to a value, or undefined (invalid UTF-8 or JSON). */
export function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(strictUtf8.decode(bytes))
  } catch {
    return undefined
  }
}

/** A list of secrets, newest first: non-empty strings, at least one. */
export function secretList(factory: string, key: string, value: unknown, minLength = 1): readonly string[] {
  const list = typeof value === 'string' ? [value] : value
  if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string' && s.length >= minLength)) {
    throw new ConfigurationError(`${factory}: \`${key}\` must be a non-empty list of secrets (newest first)${minLength > 1 ? `, each at least ${minLength} characters` : ''}`)
  }
  return [...list] as string[]
}
