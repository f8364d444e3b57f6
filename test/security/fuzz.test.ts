import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createSessions } from 'sealed-session'
import { resolveCookie } from '../../src/cookie/options.js'
import { readCookies } from '../../src/cookie/parse.js'
import { decodeBase64url, encodeBase64url } from '../../src/format/base64url.js'
import { SECRET_A, tokenOf } from '../support/index.js'

const SEED = 424242
const RUNS = 100_000

describe('100,000 generated inputs (fast-check, fixed seed)', () => {
  it('zero exceptions and zero acceptances', async () => {
    const sessions = createSessions({ secrets: SECRET_A })
    const s = await sessions.load('')
    await s.login('victim')
    const token = tokenOf(await sessions.commit(s))
    const bytes = decodeBase64url(token)!
    const cookieOptions = resolveCookie()

    // Inputs that reach every stage: raw header text, text after our name, random bytes
    // behind a valid version and key id (reaching decryption), and mutated real tokens.
    const header = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ maxLength: 300 }).map((v) => `__Host-session=${v}`),
      fc.uint8Array({ minLength: 0, maxLength: 200 }).map((random) => `__Host-session=${encodeBase64url(new Uint8Array([...bytes.subarray(0, 10), ...random]))}`),
      fc.array(fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }).map((edits) => {
        const copy = bytes.slice()
        for (const [at, xor] of edits) copy[at]! ^= xor
        return `__Host-session=${encodeBase64url(copy)}`
      }),
      fc.tuple(fc.nat({ max: token.length }), fc.nat({ max: 4 }), fc.string({ maxLength: 4 })).map(
        ([at, cut, insert]) => `__Host-session=${token.slice(0, at)}${insert}${token.slice(at + cut)}`,
      ),
    )
    let exceptions = 0
    let acceptances = 0
    let runs = 0
    // The first offending inputs, so a failure says what to reproduce (the token is random per run).
    const offenders: string[] = []
    await fc.assert(
      fc.asyncProperty(header, async (cookie) => {
        runs++
        // A header that still carries the intact token (e.g. "…=TOKEN; g", our cookie then
        // another) is a legitimate request, not a forgery: only a different token must fail.
        if (readCookies(cookie, cookieOptions).token === token) return
        try {
          const loaded = await sessions.load(cookie)
          if (!loaded.isNew) {
            acceptances++
            if (offenders.length < 5) offenders.push(`accepted: ${JSON.stringify(cookie)} (token ${JSON.stringify(token)})`)
          }
          await sessions.commit(loaded)
        } catch (error) {
          exceptions++
          if (offenders.length < 5) offenders.push(`threw ${String(error)}: ${JSON.stringify(cookie)}`)
        }
      }),
      { seed: SEED, numRuns: RUNS },
    )
    expect(runs).toBe(RUNS)
    expect(exceptions, offenders.join('\n')).toBe(0)
    expect(acceptances, offenders.join('\n')).toBe(0)
  }, 300_000)
})
