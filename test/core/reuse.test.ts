import { describe, expect, it } from 'vitest'
import { ConfigurationError, createSessions, seal, unseal, type SessionOptions } from '../../src/index.js'
import { memoryRevocations } from '../../src/memory.js'
import { makeCodec, openString, sealString, tokenDecryptions } from '../../src/keys/codec.js'
import { DEFAULT_TOKEN_CACHE_BYTES, ENTRY_OVERHEAD_BYTES, tokenCacheStats } from '../../src/keys/reuse.js'
import { normalizeSecrets } from '../../src/keys/secrets.js'
import { Clock, cookieHeader, SECRET_A, SECRET_B } from '../support/index.js'

/**
 * Verified-token reuse (src/keys/reuse.ts): the same cookie seen again skips the
 * decryption, and nothing that is policy changes. Runs on every runtime of the core suite.
 */
const ua = (agent: string, cookie = '') => new Headers({ 'user-agent': agent, cookie })

async function signIn(options: SessionOptions, headers: Headers | string = ''): Promise<string> {
  const sessions = createSessions(options)
  const session = await sessions.load(headers)
  await session.login('ada')
  session.set('cart', ['apple'])
  return cookieHeader(await sessions.commit(session))
}

describe('verified-token reuse', () => {
  it('opens a cookie seen before without decrypting it, also through a new engine per request', async () => {
    const clock = new Clock()
    // As the Hono adapter's function form does: a new options object and engine per request.
    const options = (): SessionOptions => ({ secrets: SECRET_A, now: clock.now })
    const cookie = await signIn(options())
    const first = await createSessions(options()).load(cookie)
    expect(first.subject).toBe('ada')
    const before = tokenDecryptions()
    for (let i = 0; i < 5; i++) {
      clock.advance(1)
      const again = await createSessions(options()).load(cookie)
      expect(again.subject).toBe('ada')
      expect(again.get('cart')).toEqual(['apple'])
    }
    expect(tokenDecryptions()).toBe(before)
  })

  it('decrypts every time with tokenCache: false', async () => {
    const clock = new Clock()
    const options: SessionOptions = { secrets: SECRET_A, now: clock.now, tokenCache: false }
    const cookie = await signIn(options)
    const sessions = createSessions(options)
    const before = tokenDecryptions()
    for (let i = 0; i < 3; i++) expect((await sessions.load(cookie)).subject).toBe('ada')
    expect(tokenDecryptions()).toBe(before + 3)
  })

  it('refuses an expired token with the cache warm', async () => {
    const clock = new Clock()
    const options: SessionOptions = { secrets: SECRET_A, now: clock.now, maxAge: 3600, idleTimeout: 600 }
    const cookie = await signIn(options)
    const sessions = createSessions(options)
    expect((await sessions.load(cookie)).subject).toBe('ada')
    clock.advance(601 + 30)
    expect((await sessions.load(cookie)).isNew).toBe(true)
    // And the token's own expiry (the header), past the skew.
    const codec = makeCodec(normalizeSecrets(SECRET_A), '__Host-x', 3600, 86_400, 30)
    const token = await sealString(codec, new TextEncoder().encode('{}'), clock.seconds + 60, clock.seconds)
    expect((await openString(codec, token, clock.seconds)).ok).toBe(true)
    expect(await openString(codec, token, clock.seconds + 90)).toEqual({ ok: false, reason: 'expired' })
  })

  it('refuses a revoked token with the cache warm', async () => {
    const clock = new Clock()
    const revocations = memoryRevocations({ now: clock.now })
    const options: SessionOptions = { secrets: SECRET_A, now: clock.now, revocations, revalidateAfter: 0 }
    const cookie = await signIn(options)
    const sessions = createSessions(options)
    expect((await sessions.load(cookie)).subject).toBe('ada')
    expect((await sessions.load(cookie)).subject).toBe('ada')
    clock.advance(1)
    await sessions.revokeSubject('ada')
    clock.advance(1)
    expect((await sessions.load(cookie)).isNew).toBe(true)
  })

  it('refuses a rebound token (another client) with the cache warm', async () => {
    const clock = new Clock()
    const options: SessionOptions = { secrets: SECRET_A, now: clock.now, binding: (h) => h.get('user-agent') ?? undefined }
    const cookie = await signIn(options, ua('Firefox/140'))
    const sessions = createSessions(options)
    expect((await sessions.load(ua('Firefox/140', cookie))).subject).toBe('ada')
    expect((await sessions.load(ua('curl/8', cookie))).isNew).toBe(true)
    expect((await sessions.load(ua('Firefox/140', cookie))).subject).toBe('ada')
  })

  it('refuses a token whose secret was removed, or replaced under the same key id, with the cache warm', async () => {
    const clock = new Clock()
    const old: SessionOptions = { secrets: [SECRET_B], now: clock.now }
    const cookie = await signIn(old)
    const rotated = createSessions({ secrets: [SECRET_A, SECRET_B], now: clock.now })
    expect((await rotated.load(cookie)).subject).toBe('ada')
    const removed = createSessions({ secrets: [SECRET_A], now: clock.now })
    expect((await removed.load(cookie)).isNew).toBe(true)
    // Another secret given the old one's key id: the cached entry is not used, and the token does not open.
    const id = normalizeSecrets(SECRET_B)[0]!.id
    const impostor = createSessions({ secrets: [{ id, secret: SECRET_A }], now: clock.now })
    expect((await impostor.load(cookie)).isNew).toBe(true)
    // The same secret still opens it.
    expect((await rotated.load(cookie)).subject).toBe('ada')
  })

  it('is used only for the purpose (cookie name) and format that opened it', async () => {
    const codec = makeCodec(normalizeSecrets(SECRET_A), '__Host-a', 3600, 86_400, 30)
    const other = makeCodec(normalizeSecrets(SECRET_A), '__Host-b', 3600, 86_400, 30)
    const shorter = makeCodec(normalizeSecrets(SECRET_A), '__Host-a', 1800, 86_400, 30)
    const now = 1_795_000_000
    const token = await sealString(codec, new TextEncoder().encode('{"n":1}'), now + 3600, now)
    expect((await openString(codec, token, now)).ok).toBe(true)
    expect(await openString(other, token, now)).toEqual({ ok: false, reason: 'decrypt' })
    expect((await openString(shorter, token, now)).ok).toBe(false)
    // seal()/unseal() values have their own purposes ('value:…'): a session token never opens there.
    const options = { secrets: SECRET_A, purpose: 'x', ttl: 600 }
    const value = await seal({ n: 1 }, options)
    expect((await unseal(value, options)).ok).toBe(true)
    expect((await unseal(value, { ...options, purpose: 'y' })).ok).toBe(false)
  })

  it('cannot grow past its budget under a flood of distinct valid tokens', async () => {
    const codec = makeCodec(normalizeSecrets(SECRET_A), '__Host-flood', 3600, 86_400, 30)
    const now = 1_795_000_000
    const plaintext = new TextEncoder().encode(JSON.stringify({ filler: 'x'.repeat(2000) }))
    const { budget } = tokenCacheStats()
    expect(budget).toBeGreaterThanOrEqual(DEFAULT_TOKEN_CACHE_BYTES)
    const perEntry = plaintext.length + ENTRY_OVERHEAD_BYTES + 2800
    const count = Math.ceil((1.5 * budget) / perEntry)
    for (let i = 0; i < count; i++) {
      const token = await sealString(codec, plaintext, now + 3600, now)
      expect((await openString(codec, token, now)).ok).toBe(true)
      const stats = tokenCacheStats()
      expect(stats.bytes).toBeLessThanOrEqual(stats.budget)
    }
    expect(tokenCacheStats().entries).toBeLessThan(count)
  })

  it('refuses a budget that is not a number of bytes', () => {
    expect(() => createSessions({ secrets: SECRET_A, tokenCache: -1 })).toThrow(ConfigurationError)
    expect(() => createSessions({ secrets: SECRET_A, tokenCache: '1MB' as never })).toThrow(ConfigurationError)
  })
})
