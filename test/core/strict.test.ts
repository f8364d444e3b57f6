import { describe, expect, it } from 'vitest'
import { ConfigurationError, createSessions, type SessionOptions, v1 } from 'sealed-session'
import { jweFormat } from 'sealed-session/jwe'
import { memoryRevocations } from 'sealed-session/memory'
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
    expect(refused({ secrets: SECRET_A, lifetime: { maxAgee: 60 } })).toBe('`lifetime.maxAgee` is not an option of `lifetime`; did you mean `lifetime.maxAge`?')
    expect(refused({ secrets: SECRET_A, lifetime: { idletimeout: 60 } })).toMatch(/did you mean `lifetime\.idleTimeout`\?/)
    expect(refused({ secrets: SECRET_A, cookie: { nmae: 'x' } })).toBe('`cookie.nmae` is not a cookie option; did you mean `cookie.name`?')
    expect(refused({ secrets: SECRET_A, lifetme: {} })).toMatch(/did you mean `lifetime`\?/)
  })

  it("every 0.1 option of CHANGELOG.md's upgrade table is refused naming its new place", () => {
    // 0.1 key → where the message must send the user (CHANGELOG.md, "Upgrading from 0.1.0").
    const moved: Record<string, string> = {
      maxAge: 'lifetime: { maxAge }',
      idleTimeout: 'lifetime: { idleTimeout }',
      maxAgeLimit: 'lifetime: { maxAgeLimit }',
      refreshAfter: 'lifetime: { refreshAfter }',
      now: 'clock: { now }',
      clockSkew: 'clock: { skew }',
      revocations: 'revocation: { store }',
      revalidateAfter: 'revocation: { store, revalidateAfter }',
      revocationTimeout: 'revocation: { store, timeout }',
      revocationFailure: 'revocation: { store, failure }',
      maxSessions: 'revocation: { store, maxSessions }',
      maxSessionsPolicy: 'revocation: { store, maxSessions, atLimit }',
      sessionLabel: 'revocation: { store, label }',
      bindingMode: 'binding: { value, mode }',
      transport: 'bearer: { header }',
      tokenHeader: 'bearer: { header }',
      cipher: 'format: v1({ cipher })',
      tokenCache: 'format: v1({ tokenCache })',
      epochSeconds: 'format: v1({ epochSeconds })',
      compress: 'format: v1({ compress: true })',
    }
    for (const [key, place] of Object.entries(moved)) expect(refused({ secrets: SECRET_A, [key]: undefined }), key).toContain(`\`${place}\``)
  })

  it("0.1's flat options, and typos of them, name the group they moved to", () => {
    expect(refused({ secrets: SECRET_A, maxAge: 60 })).toBe('`maxAge` is not an option of createSessions(): write `lifetime: { maxAge }`')
    expect(refused({ secrets: SECRET_A, maxAgee: 60 })).toBe('`maxAgee` is not an option of createSessions(); did you mean `maxAge`? write `lifetime: { maxAge }`')
    expect(refused({ secrets: SECRET_A, now: Date.now })).toMatch(/write `clock: \{ now \}`/)
    expect(refused({ secrets: SECRET_A, clockSkew: 5 })).toMatch(/write `clock: \{ skew \}`/)
    expect(refused({ secrets: SECRET_A, revocations: {} })).toMatch(/write `revocation: \{ store \}`/)
    expect(refused({ secrets: SECRET_A, maxSessionsPolicy: 'refuse' })).toMatch(/write `revocation: \{ store, maxSessions, atLimit \}`/)
    expect(refused({ secrets: SECRET_A, cipher: 'webcrypto' })).toMatch(/write `format: v1\(\{ cipher \}\)`/)
    expect(refused({ secrets: SECRET_A, epochSeconds: 600 })).toMatch(/write `format: v1\(\{ epochSeconds \}\)`/)
    expect(refused({ secrets: SECRET_A, transport: 'bearer' })).toMatch(/`bearer: \{ header \}`/)
    expect(refused({ secrets: SECRET_A, tokenHeader: 'X-Token' })).toMatch(/write `bearer: \{ header \}`/)
    expect(refused({ secrets: SECRET_A, bindingMode: 'soft' })).toMatch(/write `binding: \{ value, mode \}`/)
    expect(refused({ secrets: SECRET_A, revocation: { store: memoryRevocations(), revocationTimeout: 5 } })).toMatch(/^`revocation\.revocationTimeout` is not an option of `revocation`: write `timeout`/)
  })

  it('a cookie lifetime, as React Router and express-session write it, points to `lifetime`', () => {
    expect(refused({ secrets: SECRET_A, cookie: { maxAge: 60 } })).toMatch(/^`cookie\.maxAge` is not a cookie option: lifetimes are `lifetime: \{ maxAge, idleTimeout \}`/)
    expect(refused({ secrets: SECRET_A, cookie: { expires: new Date() } })).toMatch(/^`cookie\.expires` is not a cookie option: lifetimes are `lifetime/)
    expect(refused({ secrets: SECRET_A, cookie: { secrets: [SECRET_A] } })).toMatch(/top-level `secrets`/)
  })

  it("iron-session's and Auth.js's option names point to ours", () => {
    expect(refused({ password: SECRET_A })).toMatch(/`password` .*is `secrets` here/)
    expect(refused({ secrets: SECRET_A, cookieName: 'sid' })).toMatch(/`cookie: \{ name \}`/)
    expect(refused({ secrets: SECRET_A, ttl: 60 })).toMatch(/`ttl` is `lifetime: \{ maxAge \}` here/)
    expect(refused({ secrets: SECRET_A, sameSite: 'lax' })).toMatch(/cookie attributes go under `cookie/)
    expect(refused({ secrets: SECRET_A, store: memoryRevocations() })).toMatch(/`revocation: \{ store \}`/)
  })

  it('a key set to undefined is still a key nobody meant', () => {
    expect(refused({ secrets: SECRET_A, lifetime: { maxAgee: undefined } })).toMatch(/did you mean `lifetime\.maxAge`/)
  })

  it('every group is an object with only its own keys, checked with its values', () => {
    expect(refused({ secrets: SECRET_A, lifetime: 60 })).toMatch(/`lifetime` must be an options object, got number/)
    expect(refused({ secrets: SECRET_A, clock: { now: 5 } })).toMatch(/clock\.now must be a function/)
    expect(refused({ secrets: SECRET_A, clock: { skew: 3600 } })).toMatch(/clock\.skew is 3600 s; at most 300 s/)
    expect(refused({ secrets: SECRET_A, binding: () => 'ua' })).toMatch(/`binding` must be an options object, got function/)
    expect(refused({ secrets: SECRET_A, binding: { mode: 'soft' } })).toMatch(/binding\.value must be a function of the request headers/)
    expect(refused({ secrets: SECRET_A, binding: { value: () => 'ua', mode: 'lenient' } })).toMatch(/binding\.mode must be 'strict' or 'soft'/)
    expect(refused({ secrets: SECRET_A, revocation: { revalidateAfter: 0 } })).toMatch(/revocation needs a `store`/)
    expect(refused({ secrets: SECRET_A, revocation: { store: memoryRevocations(), failure: 'ajar' } })).toMatch(/revocation\.failure must be 'closed' or 'open'/)
    expect(refused({ secrets: SECRET_A, revocation: { store: memoryRevocations(), atLimit: 'drop' } })).toMatch(/revocation\.atLimit must be 'evict-oldest' or 'refuse'/)
    expect(refused({ secrets: SECRET_A, revocation: { store: kvLike(), maxSessions: 2 } })).toMatch(/revocation\.maxSessions needs a store that records sessions/)
    expect(refused({ secrets: SECRET_A, bearer: { header: 'not a header' } })).toMatch(/bearer\.header "not a header" is not a header name/)
    expect(refused({ secrets: SECRET_A, bearer: { tokenHeader: 'X-T' } })).toMatch(/`bearer\.tokenHeader` is not an option of `bearer`: write `header`/)
  })

  it('a cookie and a bearer transport at once is refused: the type forbids it, and so does the check', () => {
    expect(refused({ secrets: SECRET_A, cookie: { name: 'sid' }, bearer: {} })).toMatch(/`cookie` and `bearer` are two transports/)
  })

  it("v1()'s own options are checked when v1() is called, so they cannot reach another format", () => {
    const v1Refused = (options: Record<string, unknown>): string => {
      try {
        v1(options as Parameters<typeof v1>[0])
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigurationError)
        return (error as Error).message
      }
      throw new Error('accepted')
    }
    expect(v1Refused({ cipher: 'bogus' })).toMatch(/v1\(\): cipher must be 'auto' or 'webcrypto'/)
    expect(v1Refused({ tokenCache: -5 })).toMatch(/v1\(\): tokenCache must be a number of bytes or false/)
    expect(v1Refused({ epochSeconds: 86_400 })).toMatch(/epochSeconds is 86400; at most 4294/)
    expect(v1Refused({ cihper: 'webcrypto' })).toMatch(/`cihper` is not an option of v1\(\); did you mean `cipher`\?/)
  })

  it('the format option takes the two formats shipped, nothing home-made', () => {
    const homeMade = () => ({ seal: async () => 'token', open: async () => ({ ok: false as const, reason: 'malformed' as const }) })
    expect(refused({ secrets: SECRET_A, format: homeMade })).toMatch(/format must be v1\(\{ … \}\), or jweFormat\(\) from sealed-session\/jwe/)
    expect(refused({ secrets: SECRET_A, format: { name: 'v1' } })).toMatch(/custom token formats are not supported/)
    expect(() => createSessions({ secrets: SECRET_A, format: jweFormat() })).not.toThrow()
    expect(() => createSessions({ secrets: SECRET_A, format: v1({ cipher: 'webcrypto' }) })).not.toThrow()
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

/** A deny list without a session directory, as Workers KV is. */
function kvLike(): Record<string, unknown> {
  const { sessions: _, ...denyOnly } = memoryRevocations()
  return denyOnly
}

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
    const sessions = createSessions({ secrets: SECRET_A, clock: { now: clock.now }, lifetime: { maxAge: 3600, idleTimeout: 600 }, cookie: { persistent: false } })
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
