import { afterEach, describe, expect, it, vi } from 'vitest'
import { ConfigurationError, createSessions, seal, unseal, type SessionOptions, v1 } from '../../src/index.js'
import { memoryRevocations } from '../../src/memory.js'
import { makeCodec, openDecoded, openString, sealString, tokenDecryptions, type PayloadDecoder } from '../../src/keys/codec.js'
import { DEFAULT_TOKEN_CACHE_BYTES, ENTRY_OVERHEAD_BYTES, tokenCacheStats } from '../../src/keys/reuse.js'
import { decodeEnvelope, freezeRecord, thawRecord, type SessionRecord } from '../../src/session/envelope.js'
import { normalizeSecrets } from '../../src/keys/secrets.js'
import type { Json } from '../../src/json.js'
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
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('opens a cookie seen before without decrypting it, also through a new engine per request', async () => {
    const clock = new Clock()
    // As the Hono adapter's function form does: a new options object and engine per request.
    const options = (): SessionOptions => ({ secrets: SECRET_A, clock: { now: clock.now } })
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
    const options: SessionOptions = { secrets: SECRET_A, clock: { now: clock.now }, format: v1({ tokenCache: false }) }
    const cookie = await signIn(options)
    const sessions = createSessions(options)
    const before = tokenDecryptions()
    for (let i = 0; i < 3; i++) expect((await sessions.load(cookie)).subject).toBe('ada')
    expect(tokenDecryptions()).toBe(before + 3)
  })

  it('refuses an expired token with the cache warm', async () => {
    const clock = new Clock()
    const options: SessionOptions = { secrets: SECRET_A, clock: { now: clock.now }, lifetime: { maxAge: 3600, idleTimeout: 600 } }
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
    const options: SessionOptions = { secrets: SECRET_A, clock: { now: clock.now }, revocation: { store: revocations, revalidateAfter: 0 } }
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
    const options: SessionOptions = { secrets: SECRET_A, clock: { now: clock.now }, binding: { value: (h) => h.get('user-agent') ?? undefined } }
    const cookie = await signIn(options, ua('Firefox/140'))
    const sessions = createSessions(options)
    expect((await sessions.load(ua('Firefox/140', cookie))).subject).toBe('ada')
    expect((await sessions.load(ua('curl/8', cookie))).isNew).toBe(true)
    expect((await sessions.load(ua('Firefox/140', cookie))).subject).toBe('ada')
  })

  it('refuses a token whose secret was removed, or replaced under the same key id, with the cache warm', async () => {
    const clock = new Clock()
    const old: SessionOptions = { secrets: [SECRET_B], clock: { now: clock.now } }
    const cookie = await signIn(old)
    const rotated = createSessions({ secrets: [SECRET_A, SECRET_B], clock: { now: clock.now } })
    expect((await rotated.load(cookie)).subject).toBe('ada')
    const removed = createSessions({ secrets: [SECRET_A], clock: { now: clock.now } })
    expect((await removed.load(cookie)).isNew).toBe(true)
    // Another secret given the old one's key id: the cached entry is not used, and the token does not open.
    const id = normalizeSecrets(SECRET_B)[0]!.id
    const impostor = createSessions({ secrets: [{ id, secret: SECRET_A }], clock: { now: clock.now } })
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
    expect(() => createSessions({ secrets: SECRET_A, format: v1({ tokenCache: -1 }) })).toThrow(ConfigurationError)
    expect(() => createSessions({ secrets: SECRET_A, format: v1({ tokenCache: '1MB' as never }) })).toThrow(ConfigurationError)
  })

  it('from the third load of a cookie on, neither decrypts nor decodes it', async () => {
    const clock = new Clock()
    const options: SessionOptions = { secrets: SECRET_A, clock: { now: clock.now } }
    const cookie = await signIn(options)
    const sessions = createSessions(options)
    // The first sighting decrypts and decodes; the second decodes once more and keeps the record.
    for (let i = 0; i < 2; i++) expect((await sessions.load(cookie)).subject).toBe('ada')
    const parse = vi.spyOn(JSON, 'parse')
    const before = tokenDecryptions()
    for (let i = 0; i < 3; i++) {
      clock.advance(1)
      const session = await sessions.load(cookie)
      expect(session.subject).toBe('ada')
      expect(session.get('cart')).toEqual(['apple'])
    }
    expect(tokenDecryptions()).toBe(before)
    expect(parse).not.toHaveBeenCalled()
  })

  it('gives every load the original data, whatever an earlier session did to its copy', async () => {
    const clock = new Clock()
    const options: SessionOptions = { secrets: SECRET_A, clock: { now: clock.now } }
    const sessions = createSessions(options)
    const first = await sessions.load('')
    await first.login('ada')
    first.set('cart', ['apple'])
    first.set('profile', { name: 'Ada', tags: ['admin'] })
    first.flash('notice', { text: 'saved' })
    const cookie = cookieHeader(await sessions.commit(first))
    // Four loads: a first sighting, the one that keeps the decoded record, two served from it.
    for (let i = 0; i < 4; i++) {
      const session = await sessions.load(cookie)
      expect(session.get('cart')).toEqual(['apple'])
      expect(session.get('profile')).toEqual({ name: 'Ada', tags: ['admin'] })
      expect(session.data).toEqual({ cart: ['apple'], profile: { name: 'Ada', tags: ['admin'] } })
      // Values read from a session stay as changeable as JSON.parse made them, cache or not.
      ;(session.get('cart') as string[]).push('pear')
      const profile = session.get('profile') as { name: string; tags: string[] }
      profile.name = 'Eve'
      profile.tags.push('root')
      session.set('cart', ['plum'])
      session.delete('profile')
      expect(session.getFlash('notice')).toEqual({ text: 'saved' })
      expect(session.getFlash('notice')).toBeUndefined()
      expect(() => {
        ;(session.data as Record<string, unknown>).cart = []
      }).toThrow(TypeError)
    }
  })

  it('keeps a "__proto__" key of the data as data when the record comes from the cache', async () => {
    const clock = new Clock()
    const options: SessionOptions = { secrets: SECRET_A, clock: { now: clock.now } }
    const sessions = createSessions(options)
    const first = await sessions.load('')
    first.set('box', JSON.parse('{"__proto__":{"polluted":true},"a":1}'))
    const cookie = cookieHeader(await sessions.commit(first))
    for (let i = 0; i < 3; i++) {
      const box = (await sessions.load(cookie)).get('box') as Record<string, unknown>
      expect(Object.getPrototypeOf(box)).toBe(Object.prototype)
      expect(Object.hasOwn(box, '__proto__')).toBe(true)
      expect(box.a).toBe(1)
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    }
  })

  it('refuses an expired session served from the decoded record', async () => {
    const clock = new Clock()
    const options: SessionOptions = { secrets: SECRET_A, clock: { now: clock.now }, lifetime: { maxAge: 3600, idleTimeout: 600 } }
    const cookie = await signIn(options)
    const sessions = createSessions(options)
    for (let i = 0; i < 3; i++) expect((await sessions.load(cookie)).subject).toBe('ada')
    clock.advance(601 + 30)
    expect((await sessions.load(cookie)).isNew).toBe(true)
  })

  it('keeps a decoded value only for the decoder, purpose, epoch length and secret that opened it', async () => {
    const now = 1_795_000_000
    const codec = makeCodec(normalizeSecrets(SECRET_A), '__Host-decoded', 3600, 86_400, 30)
    const token = await sealString(codec, new TextEncoder().encode('{"n":1}'), now + 3600, now)
    const calls: string[] = []
    const decoder = (name: string): PayloadDecoder<{ n: number }> => ({
      decode: (plaintext) => {
        calls.push(name)
        return JSON.parse(new TextDecoder().decode(plaintext)) as { n: number }
      },
      freeze: (value) => (Object.freeze(value), 100),
    })
    const mine = decoder('mine')
    const theirs = decoder('theirs')
    const first = await openDecoded(codec, token, now, mine)
    const second = await openDecoded(codec, token, now, mine)
    const third = await openDecoded(codec, token, now, mine)
    expect([first.ok && first.shared, second.ok && second.shared, third.ok && third.shared]).toEqual([false, true, true])
    expect(third.ok && third.value).toBe(second.ok && second.value)
    expect(third.ok && Object.isFrozen(third.value)).toBe(true)
    expect(calls).toEqual(['mine', 'mine'])
    // Another decoder is never handed that value: it decrypts and decodes for itself.
    const decrypted = tokenDecryptions()
    expect(await openDecoded(codec, token, now, theirs)).toMatchObject({ ok: true, value: { n: 1 }, shared: false })
    expect(tokenDecryptions()).toBe(decrypted + 1)
    await openDecoded(codec, token, now, mine)
    await openDecoded(codec, token, now, mine)
    // Another purpose, epoch length or secret under the same key id: refused, as without a cache.
    const id = normalizeSecrets(SECRET_A)[0]!.id
    const others = [
      makeCodec(normalizeSecrets(SECRET_A), '__Host-other', 3600, 86_400, 30),
      makeCodec(normalizeSecrets(SECRET_A), '__Host-decoded', 1800, 86_400, 30),
      makeCodec([{ ...normalizeSecrets(SECRET_B)[0]!, id }], '__Host-decoded', 3600, 86_400, 30),
    ]
    for (const other of others) expect((await openDecoded(other, token, now, mine)).ok).toBe(false)
    expect(await openDecoded(codec, token, now + 7200, mine)).toEqual({ ok: false, reason: 'expired' })
  })

  it('counts a decoded value at what its decoder reports, in place of the plaintext', async () => {
    const now = 1_795_000_000
    const codec = makeCodec(normalizeSecrets(SECRET_A), '__Host-bytes', 3600, 86_400, 30)
    const plaintext = new TextEncoder().encode(JSON.stringify({ filler: 'x'.repeat(500) }))
    const reported = 20_000
    const decoder: PayloadDecoder<unknown> = { decode: (bytes) => JSON.parse(new TextDecoder().decode(bytes)), freeze: () => reported }
    const token = await sealString(codec, plaintext, now + 3600, now)
    const empty = tokenCacheStats()
    await openDecoded(codec, token, now, decoder)
    const opened = tokenCacheStats()
    expect(opened.bytes - empty.bytes).toBe(token.length + plaintext.length + ENTRY_OVERHEAD_BYTES)
    await openDecoded(codec, token, now, decoder)
    const decoded = tokenCacheStats()
    expect(decoded.entries).toBe(opened.entries)
    expect(decoded.bytes - opened.bytes).toBe(reported - plaintext.length)
    // A value larger than a quarter of the budget is not kept: the plaintext stays.
    const huge = await sealString(codec, plaintext, now + 3600, now)
    const tooLarge: PayloadDecoder<unknown> = { ...decoder, freeze: () => decoded.budget }
    await openDecoded(codec, huge, now, tooLarge)
    const before = tokenCacheStats().bytes
    expect(await openDecoded(codec, huge, now, tooLarge)).toMatchObject({ ok: true, shared: true })
    expect(tokenCacheStats().bytes).toBe(before)
  })

  it('freezes every object of a kept record and counts at least its strings', () => {
    const note = 'n'.repeat(3000)
    const plaintext = new TextEncoder().encode(JSON.stringify({ i: 'A'.repeat(22), c: 1, x: 2, a: 1, d: { cart: [{ sku: 'a' }], note }, f: { m: [1] } }))
    const record = decodeEnvelope(plaintext)!
    const bytes = freezeRecord(record)!
    expect(bytes).toBeGreaterThan(plaintext.length)
    expect(Object.isFrozen(record)).toBe(true)
    expect(Object.isFrozen(record.data)).toBe(true)
    expect(Object.isFrozen((record.data.cart as readonly Json[])[0])).toBe(true)
    expect(Object.isFrozen(record.flashes)).toBe(true)
    // What a session gets from it: equal, and changeable at every depth.
    const copy = thawRecord(record)
    expect(copy).toEqual(record)
    expect(Object.isFrozen(copy.data)).toBe(false)
    expect(Object.isFrozen((copy.data.cart as readonly Json[])[0])).toBe(false)
    expect(copy.data.cart).not.toBe(record.data.cart)
    expect(copy.flashes!.m).not.toBe(record.flashes!.m)
  })

  it('does not share a record nested deeper than it walks, and freezes none of it', () => {
    let deep: Json = 1
    for (let i = 0; i < 100; i++) deep = [deep]
    const record: SessionRecord = decodeEnvelope(new TextEncoder().encode(JSON.stringify({ i: 'A'.repeat(22), c: 1, x: 2, a: 1, d: { deep, flat: [1] } })))!
    expect(freezeRecord(record)).toBeUndefined()
    expect(Object.isFrozen(record)).toBe(false)
    expect(Object.isFrozen(record.data.flat)).toBe(false)
  })
})

