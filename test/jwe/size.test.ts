import { CompactEncrypt } from 'jose'
import { describe, expect, it } from 'vitest'
import { jweFormat } from '../../src/jwe/index.js'
import { normalizeSecrets } from '../../src/keys/secrets.js'
import { encodeEnvelope, type SessionRecord } from '../../src/session/envelope.js'
import { factoryOf, v1, type FormatContext } from '../../src/session/format.js'
import { SECRET_A } from '../support/index.js'
import { rawKey } from './forge.js'

const NOW = 1_795_000_000
// A two-digit key id, as most derived ids are; each digit more or less moves the header by about one character.
const ctx: FormatContext = { secrets: normalizeSecrets([{ id: 12, secret: SECRET_A }]), purpose: '__Host-session', maxAgeLimit: 86_400, clockSkew: 30 }

describe('JWE token size (docs/JWE.md §Size)', () => {
  it('puts a 100-byte plaintext in 230 characters, against 184 for v1', async () => {
    const plaintext = new TextEncoder().encode(JSON.stringify({ v: 'x'.repeat(92) }))
    expect(plaintext.length).toBe(100)
    const jwe = await new CompactEncrypt(plaintext).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: '12' }).encrypt(await rawKey(SECRET_A))
    // 54 (header) + 2 + 16 (IV) + 1 + 134 (ciphertext) + 1 + 22 (tag)
    expect(jwe.length).toBe(230)
  })

  it('seals a session whose v1 payload is 100 bytes in 267 characters, against 184 for v1', async () => {
    const base: SessionRecord = { id: 'AAAAAAAAAAAAAAAAAAAAAA', createdAt: NOW, absoluteExpiry: NOW + 604_800, lastSealed: NOW, data: {} }
    const filler = 100 - encodeEnvelope({ ...base, data: { n: '' } }).length
    const envelope: SessionRecord = { ...base, data: { n: 'x'.repeat(filler) } }
    expect(encodeEnvelope(envelope).length).toBe(100)
    const v1Token = await factoryOf(v1())!(ctx).seal(envelope, NOW + 86_400, NOW)
    const jwe = await factoryOf(jweFormat())!(ctx).seal(envelope, NOW + 86_400, NOW)
    expect(v1Token.length).toBe(184)
    expect(jwe.length).toBe(267)
  })
})
