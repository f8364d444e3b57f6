import { describe, expect, it } from 'vitest'
import { resolveCookie } from '../../src/cookie/options.js'
import { readCookies } from '../../src/cookie/parse.js'
import { cookieOf, expiredCookie, layOut } from '../../src/cookie/serialize.js'
import { applyCommit, cookieHeaderAfter, createSessions, SessionTooLargeError } from 'sealed-session'
import { MAX_COOKIE_BYTES } from '../../src/limits.js'
import { SECRET_A } from '../support/index.js'

const plain = resolveCookie()
const chunked = resolveCookie({ maxChunks: 3 })

describe('reading the Cookie header', () => {
  it('finds our cookie among others, with or without spaces', () => {
    expect(readCookies('a=1; __Host-session=abc; b=2', plain)).toEqual({ names: ['__Host-session'], token: 'abc' })
    expect(readCookies('a=1;__Host-session=abc;b=2', plain).token).toBe('abc')
    expect(readCookies(' __Host-session = abc ', plain).token).toBe('abc')
    expect(readCookies('x__Host-session=abc; __Host-sessionx=def', plain)).toEqual({ names: [] })
  })

  it('trusts neither of two cookies with our name (cookie tossing)', () => {
    expect(readCookies('__Host-session=a; __Host-session=b', plain)).toEqual({ names: ['__Host-session'], reason: 'duplicate' })
  })

  it('joins chunks in order and refuses gaps, duplicates, mixtures and counts above the cap', () => {
    expect(readCookies('__Host-session.1=cd; __Host-session.0=ab', chunked).token).toBe('abcd')
    expect(readCookies('__Host-session.0=ab; __Host-session.2=ef', chunked).reason).toBe('malformed')
    expect(readCookies('__Host-session.0=ab; __Host-session.0=cd', chunked).reason).toBe('duplicate')
    expect(readCookies('__Host-session=ab; __Host-session.0=cd', chunked).reason).toBe('duplicate')
    // A chunk index this configuration cannot write is not ours: neither read nor expired.
    expect(readCookies('__Host-session.0=a; __Host-session.1=b; __Host-session.2=c; __Host-session.3=d; __Host-session.12=e', chunked)).toEqual({
      names: ['__Host-session.0', '__Host-session.1', '__Host-session.2'],
      token: 'abc',
    })
    expect(readCookies('__Host-session.01=ab', chunked)).toEqual({ names: [] })
    // Without chunking, name.N is somebody else's cookie.
    expect(readCookies('__Host-session.0=ab', plain)).toEqual({ names: [] })
  })

  it('refuses a value longer than a browser could have stored', () => {
    expect(readCookies(`__Host-session=${'a'.repeat(MAX_COOKIE_BYTES)}`, plain).reason).toBe('too-long')
  })

  it('reads a 100 KB header and one with 5,000 cookies', () => {
    const big = `junk=${'x'.repeat(100 * 1024)}; __Host-session=tok`
    expect(readCookies(big, plain).token).toBe('tok')
    const many = Array.from({ length: 5000 }, (_, i) => `c${i}=v${i}`).join('; ')
    expect(readCookies(many, plain)).toEqual({ names: [] })
    expect(readCookies(many + '; __Host-session=tok', plain).token).toBe('tok')
  })

  it('takes values verbatim: quotes and percent-escapes are not decoded', () => {
    expect(readCookies('__Host-session="abc"', plain).token).toBe('"abc"')
    expect(readCookies('__Host-session=a%2Db', plain).token).toBe('a%2Db')
  })
})

describe('the 4096-byte limit', () => {
  it('accepts exactly 4096 bytes of name plus value and refuses 4097', () => {
    const room = MAX_COOKIE_BYTES - '__Host-session'.length
    expect(layOut(plain, 'a'.repeat(room))).toEqual([['__Host-session', 'a'.repeat(room)]])
    expect(() => layOut(plain, 'a'.repeat(room + 1))).toThrowError(SessionTooLargeError)
    try {
      layOut(plain, 'a'.repeat(room + 1))
    } catch (error) {
      expect(error).toMatchObject({ code: 'ERR_SESSION_TOO_LARGE', size: 4097, limit: 4096, cookieName: '__Host-session' })
      expect(String(error)).toMatch(/needs 4097 bytes.*at most 4096.*1 bytes over.*maxChunks/)
    }
  })

  it('splits into chunks of at most 4096 bytes each, up to the cap', () => {
    const token = 'b'.repeat(9000)
    const parts = layOut(chunked, token)
    expect(parts.map(([n]) => n)).toEqual(['__Host-session.0', '__Host-session.1', '__Host-session.2'])
    for (const [name, value] of parts) expect(name.length + value.length).toBeLessThanOrEqual(4096)
    // Each value: the count and the token's generation (characters 16–23), then its part.
    const prefix = `3${token.slice(16, 24)}`
    for (const [, value] of parts) expect(value.startsWith(prefix)).toBe(true)
    expect(parts.map(([, v]) => v.slice(prefix.length)).join('')).toBe(token)
    expect(() => layOut(chunked, 'b'.repeat(3 * 4071))).not.toThrow()
    expect(() => layOut(chunked, 'b'.repeat(3 * 4071 + 1))).toThrowError(/Even 3 chunks are not enough/)
  })
})

describe('response headers', () => {
  const commit = { cookies: [], setCookie: ['a=1; Path=/', 'b=2; Path=/'], headers: [['Cache-Control', 'no-store'], ['Vary', 'Cookie']] as const }

  it('appends Set-Cookie without clobbering the app’s cookies and merges Cache-Control and Vary', () => {
    const headers = new Headers({ 'Cache-Control': 'public, max-age=600', Vary: 'Accept-Encoding' })
    headers.append('Set-Cookie', 'theme=dark')
    applyCommit(headers, commit)
    expect(headers.getSetCookie()).toEqual(['theme=dark', 'a=1; Path=/', 'b=2; Path=/'])
    expect(headers.get('Cache-Control')).toBe('public, max-age=600, no-store')
    expect(headers.get('Vary')).toBe('Accept-Encoding, Cookie')
  })

  it('does not repeat no-store or Cookie, and leaves Vary: * alone', () => {
    const headers = new Headers({ 'Cache-Control': 'No-Store', Vary: '*' })
    applyCommit(headers, commit)
    expect(headers.get('Cache-Control')).toBe('No-Store')
    expect(headers.get('Vary')).toBe('*')
  })

  it('touches nothing for an empty commit', () => {
    const headers = new Headers()
    applyCommit(headers, { cookies: [], setCookie: [], headers: [] })
    expect([...headers]).toEqual([])
  })
})

describe('cookieHeaderAfter', () => {
  const s = resolveCookie({ name: 's', secure: false, maxChunks: 2 })
  it('replaces our cookie and keeps the others in order', () => {
    expect(cookieHeaderAfter('a=1; s=OLD; b=2', [cookieOf(s, 's', 'NEW', 60)])).toBe('a=1; b=2; s=NEW')
  })

  it('removes an expired cookie and every duplicate of it', () => {
    expect(cookieHeaderAfter('s=X; a=1;s=Y', [expiredCookie(s, 's')])).toBe('a=1')
  })

  it('adds the cookie of a new session and writes chunks in order', () => {
    const cookies = [cookieOf(s, 's.0', 'AAA', 60), cookieOf(s, 's.1', 'BBB', 60), expiredCookie(s, 's')]
    expect(cookieHeaderAfter('s=old; theme=dark', cookies)).toBe('theme=dark; s.0=AAA; s.1=BBB')
    expect(cookieHeaderAfter('', [cookieOf(s, 's', 'T', 60)])).toBe('s=T')
  })

  it('returns the header unchanged when nothing is set', () => {
    expect(cookieHeaderAfter(' a=1;b=2 ', [])).toBe(' a=1;b=2 ')
  })

  it("gives what a browser sends after the engine's own commit", async () => {
    const sessions = createSessions({ secrets: SECRET_A })
    const session = await sessions.load('theme=dark')
    session.set('n', 1)
    const commit = await sessions.commit(session)
    const header = cookieHeaderAfter('theme=dark', commit.cookies)
    expect((await sessions.load(header)).get('n')).toBe(1)
    expect(header.startsWith('theme=dark; __Host-session=')).toBe(true)
  })
})
