import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeBase64url, encodeBase64url } from '../../src/format/base64url.js'
import { cookieHeader, harness, tokenOf } from '../support/index.js'

const SEED = 20261122

describe('properties (fast-check, fixed seed)', () => {
  it('load() never throws on arbitrary Cookie headers', async () => {
    const { sessions } = harness()
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string().map((s) => `__Host-session=${s}`)), async (header) => {
        const session = await sessions.load(header)
        expect(session.isNew).toBe(true)
        await sessions.commit(session)
      }),
      { seed: SEED, numRuns: 2000 },
    )
    // 2000 runs take ~4 s in the edge-runtime sandbox on a busy 2-core machine: the bound is
    // for a hung run, not a speed target (speed lives in the benchmarks).
  }, 60_000)

  it('never accepts a mutated token', async () => {
    const { sessions } = harness()
    const s = await sessions.load('')
    s.set('user', 'ada')
    const token = tokenOf(await sessions.commit(s))
    const bytes = decodeBase64url(token)!
    expect((await sessions.load(`__Host-session=${token}`)).get('user')).toBe('ada')

    const byteEdits = fc.array(fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }).map((edits) => {
      const copy = bytes.slice()
      for (const [at, xor] of edits) copy[at]! ^= xor
      return encodeBase64url(copy)
    })
    const textEdits = fc.tuple(fc.nat({ max: token.length }), fc.nat({ max: 8 }), fc.string({ maxLength: 8 })).map(
      ([at, remove, insert]) => token.slice(0, at) + insert + token.slice(at + remove),
    )
    await fc.assert(
      fc.asyncProperty(fc.oneof(byteEdits, textEdits), async (mutated) => {
        fc.pre(mutated !== token)
        const loaded = await sessions.load(`__Host-session=${mutated}`)
        expect(loaded.isNew).toBe(true)
        expect(loaded.get('user')).toBeUndefined()
      }),
      { seed: SEED, numRuns: 2000 },
    )
  })
})
