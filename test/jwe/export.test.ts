import { CompactEncrypt, compactDecrypt, type JWK } from 'jose'
import { describe, expect, it } from 'vitest'
import { ConfigurationError } from '../../src/errors.js'
import { exportJwk, jweFormat } from '../../src/jwe/index.js'
import { normalizeSecrets } from '../../src/keys/secrets.js'
import { cookieHeader, harness, SECRET_A, SECRET_B, tokenOf } from '../support/index.js'
import { claims } from './forge.js'

/** The key derivation as docs/JWE.md states it, in plain Web Crypto: no code from src/. */
async function keyFromSpec(secret: string, purpose: string): Promise<string> {
  const info = new Uint8Array([...new TextEncoder().encode('sealed-session/jwe\u0000'), ...new TextEncoder().encode(purpose)])
  const ikm = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), 'HKDF', false, ['deriveBits'])
  const bits = new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info }, ikm, 256))
  return btoa(String.fromCharCode(...bits)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

describe('exportJwk()', () => {
  it('gives one oct JWK per secret, newest first, with the kid of each token header', async () => {
    const keys = await exportJwk({ secrets: [SECRET_A, SECRET_B] })
    const ids = normalizeSecrets([SECRET_A, SECRET_B]).map((s) => String(s.id))
    expect(keys.map((k) => k.kid)).toEqual(ids)
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'k', 'kid', 'kty', 'use'])
      expect(key).toMatchObject({ kty: 'oct', alg: 'A256GCM', use: 'enc' })
      expect(key.k).toMatch(/^[A-Za-z0-9_-]{43}$/)
    }
    expect((await exportJwk({ secrets: [{ id: 7, secret: SECRET_A }] }))[0]!.kid).toBe('7')
  })

  it('derives the key exactly as docs/JWE.md says, bound to the cookie name', async () => {
    const [key] = await exportJwk({ secrets: SECRET_A, purpose: 'app-session' })
    expect(key!.k).toBe(await keyFromSpec(SECRET_A, 'app-session'))
    const [other] = await exportJwk({ secrets: SECRET_A })
    expect(other!.k).toBe(await keyFromSpec(SECRET_A, '__Host-session'))
    expect(other!.k).not.toBe(key!.k)
  })

  it('lets jose read a real session cookie, picking the key by kid and checking exp', async () => {
    const { sessions, clock } = harness({ format: jweFormat(), secrets: [SECRET_A, SECRET_B] })
    const s = await sessions.load(null)
    s.set('cart', ['apple'])
    await s.login('user-1')
    const token = tokenOf(await sessions.commit(s))
    const keys: JWK[] = await exportJwk({ secrets: [SECRET_A, SECRET_B] })
    const { plaintext, protectedHeader } = await compactDecrypt(token, (header) => keys.find((k) => k.kid === header.kid)!, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    })
    expect(protectedHeader.kid).toBe(keys[0]!.kid)
    const read = JSON.parse(new TextDecoder().decode(plaintext))
    expect(read).toMatchObject({ sub: 'user-1', jti: s.id, ss: { d: { cart: ['apple'] } } })
    expect(read.exp).toBeGreaterThan(clock.seconds)
  })

  it('lets another service write a session that sealed-session opens', async () => {
    const { sessions, clock } = harness({ format: jweFormat() })
    const [jwk] = await exportJwk({ secrets: SECRET_A })
    const token = await new CompactEncrypt(claims(clock.seconds))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: jwk!.kid })
      .encrypt(jwk!)
    const session = await sessions.load(`__Host-session=${token}`)
    expect(session.isNew).toBe(false)
    expect(session.subject).toBe('user-1')
    expect(session.get('cart')).toEqual(['apple'])
    // And commits it back in the same format.
    session.set('cart', [])
    expect(cookieHeader(await sessions.commit(session))).toMatch(/^__Host-session=eyJ/)
  })

  it('refuses short secrets and an empty purpose at call time', async () => {
    await expect(exportJwk({ secrets: 'short' })).rejects.toBeInstanceOf(ConfigurationError)
    await expect(exportJwk({ secrets: SECRET_A, purpose: '' })).rejects.toBeInstanceOf(ConfigurationError)
  })
})
