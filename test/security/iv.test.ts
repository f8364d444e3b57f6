import { describe, expect, it } from 'vitest'
import { IV_LENGTH, HEADER_LENGTH, sealToken } from '../../src/format/token.js'
import { resolveOptions } from '../../src/session/options.js'
import { MAX_EPOCH_SECONDS } from '../../src/limits.js'
import { SECRET_A } from '../helpers.js'

describe('IVs and the per-key seal bound', () => {
  it('never repeats an IV over 1,000,000 seals under one key', async () => {
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt'])
    const seen = new Set<string>()
    const empty = new Uint8Array(0)
    let seals = 0
    for (let batch = 0; batch < 1000; batch++) {
      const tokens = await Promise.all(Array.from({ length: 1000 }, () => sealToken(key, { keyId: 1, epoch: 1, expiresAt: 2 }, empty)))
      for (const token of tokens) {
        const iv = token.subarray(HEADER_LENGTH, HEADER_LENGTH + IV_LENGTH)
        seen.add(String.fromCharCode(...iv))
        seals++
      }
    }
    expect(seals).toBe(1_000_000)
    expect(seen.size).toBe(1_000_000)
  }, 120_000)

  it('keeps seals per epoch key under 2^32 at 10^6 seals per second (NIST SP 800-38D §8.3)', () => {
    const bound = 2 ** 32
    const rate = 1_000_000
    // The written calculation: one hour is 3.6e9 seals at 1e6/s, below 2^32 ≈ 4.29e9.
    const defaultEpoch = 3600
    expect(defaultEpoch * rate).toBe(3.6e9)
    expect(defaultEpoch * rate).toBeLessThan(bound)
    // The default the engine really uses, and the largest epoch it accepts.
    const resolved = resolveOptions({ secrets: SECRET_A })
    expect(resolved.epochSeconds).toBe(defaultEpoch)
    expect(MAX_EPOCH_SECONDS * rate).toBeLessThan(bound)
    expect((MAX_EPOCH_SECONDS + 1) * rate).toBeGreaterThan(bound)
    expect(() => resolveOptions({ secrets: SECRET_A, epochSeconds: MAX_EPOCH_SECONDS + 1 })).toThrow(/2\^32/)
  })
})
