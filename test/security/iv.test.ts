import { afterEach, describe, expect, it, vi } from 'vitest'
import { createSessions, seal, unseal, type SealOptions, v1 } from 'sealed-session'
import { SECRET_A, tokenOf } from '../support/index.ts'

// docs/FORMAT.md: header (10 bytes) | IV (12) | ciphertext | tag (16).
const IV_START = 10
const IV_END = 22
const ivOf = (token: string): string => Buffer.from(token, 'base64url').subarray(IV_START, IV_END).toString('hex')

/**
 * Replaces the platform RNG with a counter: the n-th 12-byte request is filled with
 * bytes n, n+1, … so every IV a seal draws is known. Other sizes (session ids) keep the
 * real generator.
 */
function deterministicIvs(): string[] {
  const real = crypto.getRandomValues.bind(crypto)
  const drawn: string[] = []
  vi.spyOn(crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
    if (array instanceof Uint8Array && array.length === IV_END - IV_START) {
      const n = drawn.length + 1
      for (let i = 0; i < array.length; i++) array[i] = (n * 17 + i) & 255
      drawn.push(Buffer.from(array).toString('hex'))
      return array
    }
    return real(array as never) as T
  })
  return drawn
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('IVs: a fresh one from crypto.getRandomValues in every token', () => {
  for (const cipher of ['auto', 'webcrypto'] as const) {
    it(`seal() writes each drawn IV into bytes 10-21 and encrypts under it (cipher: ${cipher})`, async () => {
      const options: SealOptions = { secrets: SECRET_A, purpose: 'iv-test', ttl: 600, cipher }
      const drawn = deterministicIvs()
      const tokens = [await seal({ n: 1 }, options), await seal({ n: 1 }, options), await seal({ n: 1 }, options)]
      expect(drawn).toHaveLength(3)
      expect(tokens.map(ivOf)).toEqual(drawn)
      vi.restoreAllMocks()
      // The IV in the token is the one the cipher used: each token opens.
      for (const token of tokens) expect(await unseal(token, options)).toMatchObject({ ok: true, value: { n: 1 } })
    })

    it(`a session cookie carries the IV drawn for it, new on every commit (cipher: ${cipher})`, async () => {
      const sessions = createSessions({ secrets: SECRET_A, lifetime: { refreshAfter: 0 }, format: v1({ cipher }) })
      const drawn = deterministicIvs()
      const session = await sessions.load(null)
      session.set('n', 1)
      const first = tokenOf(await sessions.commit(session))
      const second = tokenOf(await sessions.commit(await sessions.load(`__Host-session=${first}`)))
      expect(drawn).toHaveLength(2)
      expect([ivOf(first), ivOf(second)]).toEqual(drawn)
      vi.restoreAllMocks()
      expect((await sessions.load(`__Host-session=${second}`)).get('n')).toBe(1)
    })
  }

  it('never reuses an IV: the same value sealed 20,000 times with the real generator', async () => {
    const options: SealOptions = { secrets: SECRET_A, purpose: 'iv-test', ttl: 600 }
    const seen = new Set<string>()
    for (let batch = 0; batch < 20; batch++) {
      const tokens = await Promise.all(Array.from({ length: 1000 }, () => seal('same', options)))
      for (const token of tokens) seen.add(ivOf(token))
    }
    expect(seen.size).toBe(20_000)
    expect(seen.has('00'.repeat(12))).toBe(false)
  })
})

describe('seals per key stay under NIST SP 800-38D §8.3 (2^32)', () => {
  it('moves to a new epoch key every epochSeconds: the token header names the epoch', async () => {
    let ms = Date.UTC(2026, 10, 22, 12, 0, 0)
    const options: SealOptions = { secrets: SECRET_A, purpose: 'iv-test', ttl: 600, epochSeconds: 600, now: () => ms }
    const epochOf = (token: string): number => Buffer.from(token, 'base64url').readUInt32BE(2)
    const first = epochOf(await seal(1, options))
    expect(first).toBe(Math.floor(ms / 1000 / 600))
    ms += 599_000 - (ms % 600_000)
    expect(epochOf(await seal(1, options))).toBe(first)
    ms += 1000
    expect(epochOf(await seal(1, options))).toBe(first + 1)
  })

  it('accepts epochs up to 4294 s (2^32 seals at 10^6 per second) and refuses longer ones', async () => {
    expect(() => createSessions({ secrets: SECRET_A, format: v1({ epochSeconds: 4294 }) })).not.toThrow()
    expect(() => createSessions({ secrets: SECRET_A, format: v1({ epochSeconds: 4295 }) })).toThrow(/2\^32/)
    await expect(seal(1, { secrets: SECRET_A, purpose: 'p', ttl: 60, epochSeconds: 4294 })).resolves.toBeTypeOf('string')
    await expect(seal(1, { secrets: SECRET_A, purpose: 'p', ttl: 60, epochSeconds: 4295 })).rejects.toThrow(/2\^32/)
  })
})
