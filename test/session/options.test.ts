import { describe, expect, it } from 'vitest'
import { ConfigurationError, createSessions, generateSecret } from 'sealed-session'
import { deriveKeyId, normalizeSecrets } from '../../src/keys/secrets.js'
import { cookieHeader, SECRET_A, SECRET_B } from '../support/index.js'

function refuses(options: Parameters<typeof createSessions>[0], message: RegExp): void {
  expect(() => createSessions(options)).toThrowError(ConfigurationError)
  expect(() => createSessions(options)).toThrowError(message)
}

describe('secrets', () => {
  it('generateSecret() makes 43 base64url characters, different each time', () => {
    const a = generateSecret()
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(generateSecret()).not.toBe(a)
  })

  it('refuses a secret shorter than 32 characters, naming the fix', () => {
    refuses({ secrets: 'x'.repeat(31) }, /at least 32 characters.*generateSecret/)
    refuses({ secrets: [SECRET_A, 'short'] }, /secrets\[1\] has 5 characters/)
    refuses({ secrets: [] }, /non-empty list/)
    refuses({ secrets: ' , ' }, /non-empty list|separated by spaces or commas/)
  })

  it('reads a string as secrets separated by whitespace or commas, newest first: rotation works from an env var', async () => {
    const old = createSessions({ secrets: SECRET_B })
    const before = await old.load('')
    before.set('n', 1)
    const cookie = cookieHeader(await old.commit(before))
    for (const secrets of [`${SECRET_A} ${SECRET_B}`, `${SECRET_A},${SECRET_B}`, `\n${SECRET_A}, \t${SECRET_B}\n`]) {
      const rotated = createSessions({ secrets })
      const session = await rotated.load(cookie)
      expect(session.isNew, JSON.stringify(secrets.length)).toBe(false)
      expect(session.get('n')).toBe(1)
      // The newest (first) secret seals: the re-sealed cookie opens with it alone.
      const resealed = cookieHeader(await rotated.commit(session), cookie)
      expect((await createSessions({ secrets: SECRET_A }).load(resealed)).isNew).toBe(false)
    }
  })

  it('refuses a list entry that looks like a list instead of making it one wrong secret', () => {
    refuses({ secrets: [`${SECRET_A} ${SECRET_B}`] }, /secrets\[0\] contains whitespace or a comma/)
    refuses({ secrets: [SECRET_A, `${SECRET_B},${SECRET_A}`] }, /secrets\[1\] contains whitespace or a comma/)
    refuses({ secrets: [{ id: 1, secret: `${SECRET_A} ` }] }, /looks like several secrets/)
  })

  it('refuses explicit ids outside 0-255 and duplicate ids', () => {
    refuses({ secrets: [{ id: 256, secret: SECRET_A }] }, /0 to 255/)
    refuses({ secrets: [{ id: 1, secret: SECRET_A }, { id: 1, secret: SECRET_B }] }, /both have key id 1/)
  })

  it('derives a key id from the secret itself, so it survives rotation', () => {
    const [a] = normalizeSecrets([SECRET_A])
    const [, a2] = normalizeSecrets([SECRET_B, SECRET_A])
    expect(a!.id).toBe(deriveKeyId(SECRET_A))
    expect(a2!.id).toBe(a!.id)
  })
})

describe('configuration refusals', () => {
  const secrets = SECRET_A
  it('refuses __Host- with a Domain or a Path other than /, or without Secure', () => {
    refuses({ secrets, cookie: { domain: 'example.com' } }, /__Host- prefix requires/)
    refuses({ secrets, cookie: { path: '/app' } }, /__Host- prefix requires/)
    refuses({ secrets, cookie: { secure: false } }, /__Host- prefix requires/)
  })

  it('refuses __Secure- without Secure, and SameSite=None without Secure', () => {
    refuses({ secrets, cookie: { name: '__Secure-s', secure: false } }, /__Secure- prefix requires secure/)
    refuses({ secrets, cookie: { name: 'sid', secure: false, sameSite: 'None' } }, /sameSite 'None' requires secure/)
  })

  it('accepts a plain name without Secure for local http development', () => {
    expect(createSessions({ secrets, cookie: { name: 'sid', secure: false } }).cookieName).toBe('sid')
  })

  it('refuses a lifetime over 400 days', () => {
    refuses({ secrets, lifetime: { maxAge: 401 * 86_400 } }, /400 days/)
    refuses({ secrets, lifetime: { maxAgeLimit: 401 * 86_400 } }, /400 days/)
    expect(() => createSessions({ secrets, lifetime: { maxAge: 400 * 86_400 } })).not.toThrow()
  })

  it('refuses invalid names, paths, chunk counts and durations', () => {
    refuses({ secrets, cookie: { name: 'a b' } }, /not a valid cookie name/)
    refuses({ secrets, cookie: { name: 'a;b' } }, /not a valid cookie name/)
    refuses({ secrets, cookie: { name: 'sid', path: 'app' } }, /must start with/)
    refuses({ secrets, cookie: { maxChunks: 5 } }, /1 to 4/)
    refuses({ secrets, lifetime: { maxAge: 1.5 } }, /whole number/)
    refuses({ secrets, lifetime: { idleTimeout: 0 } }, /at least 1/)
    refuses({ secrets, lifetime: { refreshAfter: 86_400 } }, /shorter than lifetime.idleTimeout/)
    refuses({ secrets, lifetime: { maxAge: 100, maxAgeLimit: 50 } }, /must not exceed lifetime.maxAgeLimit/)
  })
})
