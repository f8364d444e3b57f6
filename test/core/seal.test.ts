import { describe, expect, it } from 'vitest'
import { ConfigurationError, createSessions, seal, unseal, type Json, type SealOptions, v1 } from 'sealed-session'
import { Clock, SECRET_A, SECRET_B, tokenOf } from '../support/index.js'

function options(overrides: Partial<SealOptions> = {}): SealOptions & { clock: Clock } {
  const clock = new Clock()
  // The clock rides along for the test, not as an option: seal() refuses keys it does not know.
  return Object.defineProperty({ secrets: SECRET_A, purpose: 'sign-in-link', ttl: 900, now: clock.now, ...overrides }, 'clock', { value: clock, enumerable: false }) as SealOptions & { clock: Clock }
}

/** The token with one character changed, still valid base64url. */
function flip(token: string, at: number): string {
  const c = token[at] === 'A' ? 'B' : 'A'
  return token.slice(0, at) + c + token.slice(at + 1)
}

describe('seal() and unseal()', () => {
  it('round-trips any JSON value, with its expiry', async () => {
    const o = options()
    const values: Json[] = [null, true, 0, -1.5, '', 'naïve ☕', [], [1, 'two', { three: [3] }], { email: 'ada@example.com', n: 1 }]
    for (const value of values) {
      const token = await seal(value, o)
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/)
      expect(await unseal(token, o)).toEqual({ ok: true, value, expiresAt: new Date((o.clock.seconds + 900) * 1000) })
    }
  })

  it('keeps a 100-byte value under 190 characters', async () => {
    const token = await seal('x'.repeat(98), options())
    expect(token.length).toBeLessThanOrEqual(190)
  })

  it('binds the purpose: a value sealed for one purpose opens for no other, nor as a session cookie', async () => {
    const o = options()
    const token = await seal({ user: 'ada' }, o)
    expect(await unseal(token, { ...o, purpose: 'oauth-state' })).toEqual({ ok: false, reason: 'decrypt' })
    expect(await unseal(token, { ...o, purpose: '__Host-session' })).toEqual({ ok: false, reason: 'decrypt' })
    const sessions = createSessions({ secrets: SECRET_A, clock: { now: o.clock.now } })
    expect((await sessions.load(`__Host-session=${token}`)).isNew).toBe(true)
    // And the other way: a session cookie is not a sealed value for the cookie's name.
    const s = await sessions.load(null)
    s.set('user', 'ada')
    const cookie = tokenOf(await sessions.commit(s))
    expect((await unseal(cookie, { ...o, purpose: '__Host-session' })).ok).toBe(false)
  })

  it('expires after ttl on the injected clock (and clockSkew later)', async () => {
    const exact = options({ clockSkew: 0 })
    const token = await seal('v', exact)
    exact.clock.advance(899)
    expect((await unseal(token, exact)).ok).toBe(true)
    exact.clock.advance(1)
    expect(await unseal(token, exact)).toEqual({ ok: false, reason: 'expired' })

    const skewed = options()
    const other = await seal('v', skewed)
    skewed.clock.advance(900 + 29)
    expect((await unseal(other, skewed)).ok).toBe(true)
    skewed.clock.advance(1)
    expect(await unseal(other, skewed)).toEqual({ ok: false, reason: 'expired' })
  })

  it('refuses a value meant to live longer than the ttl it is opened with', async () => {
    const long = options({ ttl: 86_400 })
    const token = await seal('v', long)
    expect((await unseal(token, long)).ok).toBe(true)
    expect((await unseal(token, { ...long, ttl: 60 })).ok).toBe(false)
  })

  it('opens values sealed under an older secret, and refuses them once that secret is removed', async () => {
    const o = options()
    const token = await seal('v', o)
    expect(await unseal(token, { ...o, secrets: [SECRET_B, SECRET_A] })).toMatchObject({ ok: true, value: 'v' })
    expect(await unseal(token, { ...o, secrets: SECRET_B })).toEqual({ ok: false, reason: 'unknown-key' })
  })

  it('refuses tampered, truncated, malformed and oversized tokens without throwing', async () => {
    const o = options()
    const token = await seal({ role: 'user' }, o)
    for (const at of [0, 5, 20, 40, token.length - 2]) expect((await unseal(flip(token, at), o)).ok, `flip at ${at}`).toBe(false)
    expect((await unseal(token.slice(0, 40), o)).ok).toBe(false)
    expect(await unseal('', o)).toEqual({ ok: false, reason: 'malformed' })
    expect(await unseal('not base64url!', o)).toEqual({ ok: false, reason: 'malformed' })
    expect(await unseal(`${token}=`, o)).toEqual({ ok: false, reason: 'malformed' })
    expect(await unseal('A'.repeat(64 * 1024 + 1), o)).toEqual({ ok: false, reason: 'malformed' })
    expect(await unseal(42 as unknown as string, o)).toEqual({ ok: false, reason: 'malformed' })
  })

  it('refuses to seal what is not JSON, and options that cannot work', async () => {
    await expect(seal(undefined as unknown as Json, options())).rejects.toThrow(TypeError)
    await expect(seal(1, options({ purpose: '' }))).rejects.toThrow(ConfigurationError)
    await expect(seal(1, { secrets: SECRET_A, purpose: 'p' } as SealOptions)).rejects.toThrow(ConfigurationError)
    await expect(seal(1, options({ ttl: 0 }))).rejects.toThrow(ConfigurationError)
    await expect(seal(1, options({ ttl: 400 * 86_400 + 1 }))).rejects.toThrow(/400 days/)
    await expect(seal(1, options({ secrets: 'too short' }))).rejects.toThrow(ConfigurationError)
    await expect(unseal('x', options({ purpose: '' }))).rejects.toThrow(ConfigurationError)
  })
})

describe('seal() refuses exactly what createSessions() refuses', () => {
  /** The error createSessions() throws for these settings, or undefined. */
  function sessionsError(settings: { epochSeconds?: number; clockSkew?: number }): Error | undefined {
    try {
      // seal()'s flat settings are createSessions()'s `format: v1({ epochSeconds })` and `clock: { skew }`.
      createSessions({ secrets: SECRET_A, format: v1({ epochSeconds: settings.epochSeconds }), clock: { skew: settings.clockSkew } })
      return undefined
    } catch (error) {
      return error as Error
    }
  }

  const cases: { epochSeconds?: number; clockSkew?: number }[] = [
    { epochSeconds: 4294 },
    { epochSeconds: 4295 },
    { epochSeconds: 86_400 },
    { epochSeconds: 60 },
    { epochSeconds: 59 },
    { epochSeconds: 600.5 },
    { clockSkew: 300 },
    { clockSkew: 301 },
    { clockSkew: 0 },
    { clockSkew: -1 },
    { clockSkew: 1.5 },
  ]
  for (const settings of cases) {
    it(JSON.stringify(settings), async () => {
      const expected = sessionsError(settings)
      const sealing = seal('v', { secrets: SECRET_A, purpose: 'p', ttl: 60, ...settings })
      if (expected === undefined) {
        await expect(sealing).resolves.toBeTypeOf('string')
      } else {
        expect(expected).toBeInstanceOf(ConfigurationError)
        await expect(sealing).rejects.toThrow(expected.message.replace('clock.skew', 'clockSkew'))
        await expect(sealing).rejects.toBeInstanceOf(ConfigurationError)
      }
    })
  }

  it('the bounds themselves: epochSeconds 60–4294, clockSkew 0–300', () => {
    expect(sessionsError({ epochSeconds: 4294 })).toBeUndefined()
    expect(sessionsError({ epochSeconds: 4295 })?.message).toMatch(/2\^32/)
    expect(sessionsError({ clockSkew: 300 })).toBeUndefined()
    expect(sessionsError({ clockSkew: 301 })?.message).toMatch(/300/)
  })
})
