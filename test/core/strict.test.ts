import { describe, expect, it } from 'vitest'
import { ConfigurationError, createSessions, type SessionOptions } from 'sealed-session'
import { jweFormat } from 'sealed-session/jwe'
import { Clock, cookieHeader, SECRET_A, setCookieLines } from '../support/index.js'

/** What a user can write by mistake in plain JavaScript (or with a cast): the options as they arrive at run time. */
function untyped(options: Record<string, unknown>): SessionOptions {
  return options as unknown as SessionOptions
}

function refused(options: Record<string, unknown>): string {
  try {
    createSessions(untyped(options))
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError)
    return (error as Error).message
  }
  throw new Error('accepted')
}

describe('options the library does not know are refused, naming the fix (issue 20)', () => {
  it('a typo names the nearest option', () => {
    expect(refused({ secrets: SECRET_A, maxAgee: 60 })).toBe('`maxAgee` is not an option of createSessions(); did you mean `maxAge`?')
    expect(refused({ secrets: SECRET_A, idletimeout: 60 })).toMatch(/did you mean `idleTimeout`\?/)
    expect(refused({ secrets: SECRET_A, cookie: { nmae: 'x' } })).toBe('`cookie.nmae` is not a cookie option; did you mean `cookie.name`?')
  })

  it('a cookie lifetime, as React Router and express-session write it, says lifetimes are top-level', () => {
    expect(refused({ secrets: SECRET_A, cookie: { maxAge: 60 } })).toMatch(/^`cookie\.maxAge` is not a cookie option: lifetimes are top-level `maxAge` \/ `idleTimeout`/)
    expect(refused({ secrets: SECRET_A, cookie: { expires: new Date() } })).toMatch(/^`cookie\.expires` is not a cookie option: lifetimes are top-level/)
    expect(refused({ secrets: SECRET_A, cookie: { secrets: [SECRET_A] } })).toMatch(/top-level `secrets`/)
  })

  it("iron-session's and Auth.js's option names point to ours", () => {
    expect(refused({ password: SECRET_A })).toMatch(/`password` .*is `secrets` here/)
    expect(refused({ secrets: SECRET_A, cookieName: 'sid' })).toMatch(/`cookie: \{ name \}`/)
    expect(refused({ secrets: SECRET_A, ttl: 60 })).toMatch(/`ttl` is `maxAge` here/)
    expect(refused({ secrets: SECRET_A, sameSite: 'lax' })).toMatch(/cookie attributes go under `cookie/)
  })

  it('a key set to undefined is still a key nobody meant', () => {
    expect(refused({ secrets: SECRET_A, maxAgee: undefined })).toMatch(/did you mean `maxAge`/)
  })

  it('options of the v1 format are refused with another format, and bad values with v1', () => {
    expect(refused({ secrets: SECRET_A, format: jweFormat(), cipher: 'bogus', tokenCache: -5 })).toMatch(/`cipher` configures the v1 token format/)
    expect(refused({ secrets: SECRET_A, format: jweFormat(), tokenCache: false })).toMatch(/`tokenCache` configures the v1 token format/)
    expect(refused({ secrets: SECRET_A, cipher: 'bogus' })).toMatch(/cipher must be 'auto' or 'webcrypto'/)
    expect(refused({ secrets: SECRET_A, tokenCache: -5 })).toMatch(/tokenCache must be a number of bytes or false/)
    expect(refused({ secrets: SECRET_A, tokenHeader: 'X-Token' })).toMatch(/`tokenHeader` is the bearer transport's/)
  })

  it('the format option takes the two formats shipped, nothing home-made', () => {
    const homeMade = () => ({ seal: async () => 'token', open: async () => ({ ok: false as const, reason: 'malformed' as const }) })
    expect(refused({ secrets: SECRET_A, format: homeMade })).toMatch(/format must be jweFormat\(\) from sealed-session\/jwe, or left out/)
    expect(() => createSessions({ secrets: SECRET_A, format: jweFormat() })).not.toThrow()
  })

  it('wrong types in the cookie options are refused, not coerced', () => {
    expect(refused({ secrets: SECRET_A, cookie: { secure: 'yes' } })).toMatch(/cookie\.secure must be true or false/)
    expect(refused({ secrets: SECRET_A, cookie: { sameSite: true } })).toMatch(/cookie\.sameSite must be 'Strict', 'Lax' or 'None'/)
    expect(refused({ secrets: SECRET_A, cookie: 'session' })).toMatch(/cookie must be an options object/)
    expect(refused({ secrets: SECRET_A, cookie: { name: 7 } })).toMatch(/cookie\.name must be a string/)
  })

  it('login() refuses an option it does not know with a TypeError', async () => {
    const session = await createSessions({ secrets: SECRET_A }).load(null)
    await expect(session.login('ada', untypedLogin({ maxage: 60 }))).rejects.toThrow(/`maxage` is not a login option/)
    expect(session.subject).toBeUndefined()
  })
})

function untypedLogin(options: Record<string, unknown>): { maxAge?: number } {
  return options as { maxAge?: number }
}

describe('cookie spelling and the browser-session cookie', () => {
  it("accepts SameSite in any case, as frameworks spell it ('lax', 'strict', 'none')", async () => {
    for (const [given, sent] of [['lax', 'Lax'], ['STRICT', 'Strict'], ['none', 'None']] as const) {
      const sessions = createSessions({ secrets: SECRET_A, cookie: { sameSite: given as 'Lax' } })
      const session = await sessions.load(null)
      session.set('n', 1)
      expect(setCookieLines(await sessions.commit(session))[0]).toContain(`SameSite=${sent}`)
    }
  })

  it('persistent: false sends no Max-Age (gone when the browser closes), yet the token still expires on time', async () => {
    const clock = new Clock()
    const sessions = createSessions({ secrets: SECRET_A, now: clock.now, maxAge: 3600, idleTimeout: 600, cookie: { persistent: false } })
    const session = await sessions.load(null)
    session.set('n', 1)
    const commit = await sessions.commit(session)
    const [line] = setCookieLines(commit)
    expect(line).not.toMatch(/Max-Age|Expires/i)
    expect(commit.cookies[0]!.maxAge).toBeUndefined()
    const cookie = cookieHeader(commit)
    clock.advance(600 + 30 - 1) // the idle timeout plus the default clock skew, less a second
    expect((await sessions.load(cookie)).get('n')).toBe(1)
    clock.advance(1)
    expect((await sessions.load(cookie)).isNew, 'the idle expiry inside the token').toBe(true)
    // Signing out still removes the cookie explicitly.
    const live = await sessions.load(null)
    live.set('n', 2)
    const liveCookie = cookieHeader(await sessions.commit(live))
    const out = await sessions.load(liveCookie)
    out.destroy()
    expect(setCookieLines(await sessions.commit(out))[0]).toContain('Max-Age=0')
  })
})

describe('the stores and seal() refuse options they do not know too', () => {
  it('names the option of memoryRevocations(), kvRevocations() and seal() that does not exist', async () => {
    const { memoryRevocations } = await import('sealed-session/memory')
    const { kvRevocations } = await import('sealed-session/kv')
    const { seal } = await import('sealed-session')
    const kv = { get: async () => null, put: async () => {} }
    expect(() => memoryRevocations(untypedStore({ nwo: Date.now }))).toThrow('`nwo` is not an option of memoryRevocations(); did you mean `now`?')
    expect(() => kvRevocations(kv, untypedStore({ cacheTTL: 60 }))).toThrow(/did you mean `cacheTtl`\?/)
    await expect(seal('x', untypedSeal({ secrets: SECRET_A, purpose: 'p', ttl: 60, tl: 5 }))).rejects.toThrow(/`tl` is not an option of seal\(\)\/unseal\(\)/)
  })
})

function untypedStore(options: Record<string, unknown>): { now?: () => number } {
  return options as { now?: () => number }
}

function untypedSeal(options: Record<string, unknown>): { secrets: string; purpose: string; ttl: number } {
  return options as { secrets: string; purpose: string; ttl: number }
}
