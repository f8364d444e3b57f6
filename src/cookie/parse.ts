import type { InvalidReason } from '../errors.js'
import { MAX_COOKIE_BYTES } from '../limits.js'
import { joinChunkSet } from './chunks.js'
import type { ResolvedCookie } from './options.js'

/** What the Cookie header holds under our name(s). */
export interface IncomingCookies {
  /** The token, joined from chunks if need be; absent when no cookie of ours was sent. */
  readonly token?: string
  /** Why the cookies of ours that were sent cannot be a token. */
  readonly reason?: InvalidReason
  /**
   * Every cookie name of ours that was sent, once each, so a response can expire stale
   * ones: the name itself and chunk names this configuration can write (at most
   * 1 + maxChunks names, whatever the header holds).
   */
  readonly names: readonly string[]
  /**
   * Set when the token is good but the cookies should be written again even if the session
   * does not change: stale chunks past the set to expire, or chunks in 0.1's layout.
   */
  readonly rewrite?: true
}

/**
 * Reads only our cookie (and its chunks) from a Cookie header in one linear pass
 * (RFC 6265 §5.4 serialization: `name=value` pairs separated by `; `). Other cookies are
 * skipped without decoding. Values are taken verbatim: ours are base64url, so quotes
 * or percent-escapes can only mean the value is not ours.
 *
 * Several cookies with our name mean someone planted one (cookie tossing from a
 * sibling domain, OWASP WSTG-SESS-03): none of them is trusted, reason `duplicate`.
 * Chunk names beyond `maxChunks` are not ours and are ignored: expiring every `NAME.N`
 * a client invents would let a small request buy hundreds of Set-Cookie lines.
 *
 * `layout`: 'sets' reads our chunks as generation-bound sets (src/cookie/chunks.ts);
 * 'joined' (another library's cookies, for `migrate`) joins every chunk from 0 in order.
 */
export function readCookies(header: string, cookie: Pick<ResolvedCookie, 'name' | 'maxChunks'>, layout: 'sets' | 'joined' = 'joined'): IncomingCookies {
  const { name, maxChunks } = cookie
  const chunked = maxChunks > 1
  let main: string | undefined
  let duplicate = false
  const chunks: (string | undefined)[] = []
  const names: string[] = []

  let start = 0
  const length = header.length
  // The next '=' at or after `start`: found once and reused until passed, so a header of
  // many ';' and no '=' is not rescanned for every segment (linear, not quadratic).
  let eq = -1
  while (start < length) {
    let end = header.indexOf(';', start)
    if (end === -1) end = length
    if (eq !== length && eq < start) {
      eq = header.indexOf('=', start)
      if (eq === -1) eq = length
    }
    if (eq < end) {
      const key = trim(header, start, eq)
      if (key === name) {
        if (main !== undefined) duplicate = true
        else names.push(key)
        main = trim(header, eq + 1, end)
      } else if (chunked && key.length === name.length + 2 && key.startsWith(name) && key.charCodeAt(name.length) === 46) {
        // maxChunks is at most 4: a chunk name ends in exactly one digit below it.
        const index = key.charCodeAt(name.length + 1) - 48
        if (index >= 0 && index < maxChunks) {
          if (chunks[index] !== undefined) duplicate = true
          else {
            names.push(key)
            chunks[index] = trim(header, eq + 1, end)
          }
        }
      }
    }
    start = end + 1
  }

  if (names.length === 0) return { names }
  if (duplicate || (main !== undefined && chunks.length > 0)) return { names, reason: 'duplicate' }
  if (main !== undefined) {
    return name.length + main.length > MAX_COOKIE_BYTES ? { names, reason: 'too-long' } : { names, token: main }
  }
  for (const part of chunks) {
    if (part !== undefined && name.length + 2 + part.length > MAX_COOKIE_BYTES) return { names, reason: 'too-long' }
  }
  if (layout === 'sets') {
    const set = joinChunkSet(name, chunks)
    if (!set.ok) return { names, reason: 'malformed' }
    return set.rewrite ? { names, token: set.token, rewrite: true } : { names, token: set.token }
  }
  let token = ''
  for (const part of chunks) {
    if (part === undefined) return { names, reason: 'malformed' }
    token += part
  }
  return { names, token }
}

/** The header text between `from` and `to` without surrounding spaces and tabs. */
function trim(text: string, from: number, to: number): string {
  while (from < to && isSpace(text.charCodeAt(from))) from++
  while (to > from && isSpace(text.charCodeAt(to - 1))) to--
  return text.slice(from, to)
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9
}
