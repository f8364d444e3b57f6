import { subtleCalls } from '../support/subtle.js'
import { compactDecrypt } from 'jose'
import { describe, expect, it } from 'vitest'
import type { InvalidReason } from '../../src/errors.js'
import { openJwe } from '../../src/jwe/format.js'
import { readCompact } from '../../src/jwe/compact.js'
import { normalizeSecrets } from '../../src/keys/secrets.js'
import type { FormatContext } from '../../src/session/format.js'
import { SECRET_A } from '../support/index.js'
import { b64, b64json, claims, forge, rawKey, utf8 } from './forge.js'

const NOW = 1_795_000_000
const KID = String(normalizeSecrets(SECRET_A)[0]!.id)
const GOOD = { alg: 'dir', enc: 'A256GCM', kid: KID }
const ctx: FormatContext = { secrets: normalizeSecrets(SECRET_A), purpose: '__Host-session', maxAgeLimit: 86_400, clockSkew: 30 }

/** Opens `token` and checks it is refused for `reason` without any decryption attempt. */
async function refusedBeforeDecrypting(token: string, reason: InvalidReason): Promise<void> {
  const decryptions = await subtleCalls(['decrypt'], async () => {
    expect(await openJwe(ctx, token, NOW)).toEqual({ ok: false, reason })
  })
  expect(decryptions).toBe(0)
}

async function deflateRaw(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate-raw'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

describe('JWE header refusals (RFC 8725 §3.1, CVE-2024-28176)', () => {
  it('opens the same forged token when its header is exactly alg, enc and kid', async () => {
    const opened = await openJwe(ctx, await forge(GOOD, claims(NOW), await rawKey(SECRET_A)), NOW)
    expect(opened.ok).toBe(true)
  })

  it('refuses zip: "DEF" before decrypting, although jose alone would inflate it', async () => {
    const key = await rawKey(SECRET_A)
    const token = await forge({ ...GOOD, zip: 'DEF' }, await deflateRaw(claims(NOW)), key)
    // jose 6 inflates compressed JWEs by default: the reason our own header check exists.
    const inflated = await compactDecrypt(token, key)
    expect(JSON.parse(new TextDecoder().decode(inflated.plaintext)).sub).toBe('user-1')
    await refusedBeforeDecrypting(token, 'version')
  })

  const forbidden: Record<string, unknown> = {
    zip: 'DEF',
    jku: 'https://attacker.example/jwks.json',
    jwk: { kty: 'oct', k: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    x5u: 'https://attacker.example/cert.pem',
    x5c: ['MIIB'],
    x5t: 'AAAA',
    'x5t#S256': 'AAAA',
    crit: ['exp'],
    typ: 'JWT',
    cty: 'JWT',
    epk: { kty: 'EC' },
    apu: 'AAAA',
    apv: 'AAAA',
    p2s: 'AAAA',
    p2c: 1_000_000,
    iv: 'AAAAAAAAAAAAAAAA',
    tag: 'AAAAAAAAAAAAAAAAAAAAAA',
    b64: false,
    exp: NOW + 3600,
    '': 1,
  }
  for (const [member, value] of Object.entries(forbidden)) {
    it(`refuses a header with ${JSON.stringify(member)}, before decrypting`, async () => {
      const token = await forge({ ...GOOD, [member]: value }, claims(NOW), await rawKey(SECRET_A))
      await refusedBeforeDecrypting(token, 'version')
    })
  }

  it('refuses a "__proto__" member in the header text', async () => {
    const header = b64(utf8(`{"alg":"dir","enc":"A256GCM","kid":"${KID}","__proto__":{"zip":"DEF"}}`))
    await refusedBeforeDecrypting(await forge(header, claims(NOW), await rawKey(SECRET_A)), 'version')
  })

  const algs = [
    'RSA1_5', 'RSA-OAEP', 'RSA-OAEP-256', 'RSA-OAEP-384', 'RSA-OAEP-512', 'A128KW', 'A192KW', 'A256KW',
    'ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A192KW', 'ECDH-ES+A256KW', 'A128GCMKW', 'A192GCMKW', 'A256GCMKW',
    'PBES2-HS256+A128KW', 'PBES2-HS384+A192KW', 'PBES2-HS512+A256KW', 'none', 'DIR', 'dir ', '', null, 1, ['dir'],
  ]
  for (const alg of algs) {
    it(`refuses alg ${JSON.stringify(alg)}, before decrypting`, async () => {
      await refusedBeforeDecrypting(await forge({ ...GOOD, alg }, claims(NOW), await rawKey(SECRET_A)), 'version')
    })
  }

  const encs = ['A128CBC-HS256', 'A192CBC-HS384', 'A256CBC-HS512', 'A128GCM', 'A192GCM', 'a256gcm', 'A256GCM ', '', null, 256]
  for (const enc of encs) {
    it(`refuses enc ${JSON.stringify(enc)}, before decrypting`, async () => {
      await refusedBeforeDecrypting(await forge({ ...GOOD, enc }, claims(NOW), await rawKey(SECRET_A)), 'version')
    })
  }

  it('refuses a header without alg or without enc', async () => {
    const key = await rawKey(SECRET_A)
    await refusedBeforeDecrypting(await forge({ enc: 'A256GCM', kid: KID }, claims(NOW), key), 'version')
    await refusedBeforeDecrypting(await forge({ alg: 'dir', kid: KID }, claims(NOW), key), 'version')
  })
})

describe('JWE kid and structure refusals', () => {
  it('refuses a kid that names no configured secret, without trying the others', async () => {
    const key = await rawKey(SECRET_A)
    const other = String((Number(KID) + 1) % 256)
    for (const kid of [other, '256', '007', '+1', '1.0', ' 1', '1e1', '-0', '0x1', '']) {
      await refusedBeforeDecrypting(await forge({ ...GOOD, kid }, claims(NOW), key), 'unknown-key')
    }
    await refusedBeforeDecrypting(await forge({ alg: 'dir', enc: 'A256GCM' }, claims(NOW), key), 'unknown-key')
    await refusedBeforeDecrypting(await forge({ ...GOOD, kid: Number(KID) }, claims(NOW), key), 'malformed')
  })

  it('refuses the wrong number of segments', async () => {
    const token = await forge(GOOD, claims(NOW), await rawKey(SECRET_A))
    const parts = token.split('.')
    for (const count of [1, 2, 3, 4, 6, 7]) {
      const shaped = count <= 5 ? parts.slice(0, count) : [...parts, ...Array<string>(count - 5).fill(parts[4]!)]
      await refusedBeforeDecrypting(shaped.join('.'), 'malformed')
    }
  })

  it('refuses anything but strict base64url in every segment', async () => {
    const token = await forge(GOOD, claims(NOW), await rawKey(SECRET_A))
    for (const index of [0, 2, 3, 4]) {
      for (const damage of [(s: string) => s + '=', (s: string) => '+' + s.slice(1), (s: string) => '/' + s.slice(1), (s: string) => ' ' + s, (s: string) => s + 'é']) {
        const parts = token.split('.')
        parts[index] = damage(parts[index]!)
        await refusedBeforeDecrypting(parts.join('.'), 'malformed')
      }
    }
  })

  it('refuses non-canonical trailing bits (RFC 4648 §3.5), so each token has one spelling', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const header = b64json(GOOD)
    expect(header.length % 4).not.toBe(0)
    // The unused low bits of the last character are zero; the next letter of the alphabet sets one.
    const respelled = header.slice(0, -1) + alphabet[alphabet.indexOf(header.at(-1)!) + 1]!
    expect(readCompact(`${respelled}..${'A'.repeat(16)}.AAAA.${'A'.repeat(22)}`)).toMatchObject({ ok: false, reason: 'malformed' })
    expect(readCompact(`${header}..${'A'.repeat(16)}.AAAA.${'A'.repeat(22)}`)).toMatchObject({ ok: true })
  })

  it('refuses a header that is not a JSON object', async () => {
    const key = await rawKey(SECRET_A)
    for (const header of [b64(utf8('[]')), b64(utf8('"dir"')), b64(utf8('null')), b64(utf8('{')), b64(new Uint8Array([0xff])), '']) {
      await refusedBeforeDecrypting(await forge(header, claims(NOW), key), 'malformed')
    }
  })

  it('refuses an encrypted key segment, a 16-byte IV and a short tag', async () => {
    const key = await rawKey(SECRET_A)
    await refusedBeforeDecrypting(await forge(GOOD, claims(NOW), key, { encryptedKey: b64json('key') }), 'malformed')
    await refusedBeforeDecrypting(await forge(GOOD, claims(NOW), key, { ivLength: 16 }), 'malformed')
    const parts = (await forge(GOOD, claims(NOW), key)).split('.')
    parts[4] = parts[4]!.slice(0, 16)
    await refusedBeforeDecrypting(parts.join('.'), 'malformed')
  })

  it('refuses a token longer than 64 KiB as too long', async () => {
    await refusedBeforeDecrypting(`${b64json(GOOD)}..${'A'.repeat(16)}.${'A'.repeat(66_000)}.${'A'.repeat(22)}`, 'too-long')
  })
})
