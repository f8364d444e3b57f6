import { describe, expect, it } from 'vitest'
import { decodeBase64url, encodeBase64url } from '../../src/format/base64url.js'
import { HEADER_LENGTH, IV_LENGTH, TAG_LENGTH } from '../../src/format/token.js'
import { makeCodec, openString, sealString, type Codec } from '../../src/keys/codec.js'
import { subtleCalls } from '../support/subtle.js'
import { normalizeSecrets } from '../../src/keys/secrets.js'
import { SECRET_A, SECRET_B, SECRET_C } from '../support/index.js'

const NOW = 1_795_000_000
const plaintext = new TextEncoder().encode('{"hello":"world","n":42}')

function codec(secrets: string | string[] = SECRET_A, purpose = '__Host-session', window = 86_400): Codec {
  return makeCodec(normalizeSecrets(secrets), purpose, 3600, window, 30)
}

async function realToken(c = codec()): Promise<string> {
  return sealString(c, plaintext, NOW + 3600, NOW)
}

function mutate(token: string, edit: (bytes: Uint8Array) => void): string {
  const bytes = decodeBase64url(token)!
  edit(bytes)
  return encodeBase64url(bytes)
}

describe('v1 token', () => {
  it('round-trips and lays out header, IV, ciphertext and tag', async () => {
    const token = await realToken()
    const bytes = decodeBase64url(token)!
    expect(bytes.length).toBe(HEADER_LENGTH + IV_LENGTH + plaintext.length + TAG_LENGTH)
    expect(bytes[0]).toBe(1)
    const opened = await openString(codec(), token, NOW)
    expect(opened.ok && new TextDecoder().decode(opened.plaintext)).toBe('{"hello":"world","n":42}')
    expect(opened.ok && opened.header).toEqual({ keyId: normalizeSecrets(SECRET_A)[0]!.id, epoch: Math.floor(NOW / 3600), expiresAt: NOW + 3600 })
  })

  it('uses a fresh IV for every seal', async () => {
    const a = decodeBase64url(await realToken())!
    const b = decodeBase64url(await realToken())!
    expect(a.subarray(10, 22)).not.toEqual(b.subarray(10, 22))
  })

  it('rejects every single-bit flip of a real token', async () => {
    const token = await realToken()
    const length = decodeBase64url(token)!.length
    let accepted = 0
    for (let bit = 0; bit < length * 8; bit++) {
      const flipped = mutate(token, (b) => {
        b[bit >> 3]! ^= 1 << (bit & 7)
      })
      if ((await openString(codec(), flipped, NOW)).ok) accepted++
    }
    expect(accepted).toBe(0)
  })

  it('rejects every truncation, in bytes and in characters', async () => {
    const token = await realToken()
    const bytes = decodeBase64url(token)!
    for (let n = 0; n < bytes.length; n++) {
      expect((await openString(codec(), encodeBase64url(bytes.subarray(0, n)), NOW)).ok).toBe(false)
    }
    for (let n = 0; n < token.length; n++) {
      expect((await openString(codec(), token.slice(0, n), NOW)).ok).toBe(false)
    }
  })

  it('rejects a token moved to another cookie name', async () => {
    const token = await realToken(codec(SECRET_A, '__Host-session'))
    const opened = await openString(codec(SECRET_A, '__Host-other'), token, NOW)
    expect(opened).toEqual({ ok: false, reason: 'decrypt' })
  })

  it('rejects a token sealed under a removed secret, by its key id and without decrypting', async () => {
    const token = await realToken(codec(SECRET_B))
    expect(await openString(codec(SECRET_A), token, NOW)).toEqual({ ok: false, reason: 'unknown-key' })
  })

  it('opens a token sealed under an older secret that is still listed', async () => {
    const old = await realToken(codec([SECRET_B]))
    const opened = await openString(codec([SECRET_A, SECRET_B]), old, NOW)
    expect(opened.ok).toBe(true)
  })

  it('rejects an unknown version byte', async () => {
    const token = mutate(await realToken(), (b) => {
      b[0] = 2
    })
    expect(await openString(codec(), token, NOW)).toEqual({ ok: false, reason: 'version' })
  })

  it('refuses epochs outside the window before deriving any key', async () => {
    const c = codec(SECRET_C, '__Host-epochs', 86_400)
    const token = await sealString(c, plaintext, NOW + 3600, NOW)
    const epoch = Math.floor(NOW / 3600)
    const setEpoch = (value: number) =>
      mutate(token, (b) => new DataView(b.buffer).setUint32(2, value))
    const derivations = await subtleCalls(['deriveKey', 'deriveBits'], async () => {
      // far future, just in the future, far past (with a matching claimed expiry), the maximum value
      expect(await openString(c, setEpoch(epoch + 1000), NOW)).toEqual({ ok: false, reason: 'stale-epoch' })
      expect(await openString(c, setEpoch(epoch + 1), NOW)).toEqual({ ok: false, reason: 'stale-epoch' })
      expect(await openString(c, setEpoch(epoch - 30), NOW)).toEqual({ ok: false, reason: 'stale-epoch' })
      expect(await openString(c, setEpoch(0xffffffff), NOW)).toEqual({ ok: false, reason: 'stale-epoch' })
    })
    expect(derivations).toBe(0)
  })

  it('refuses a header expiry beyond what the window allows, before deriving', async () => {
    const c = codec(SECRET_C, '__Host-expiry', 86_400)
    const token = mutate(await sealString(c, plaintext, NOW + 3600, NOW), (b) => new DataView(b.buffer).setUint32(6, NOW + 10 * 86_400))
    const derivations = await subtleCalls(['deriveKey', 'deriveBits'], async () => {
      expect(await openString(c, token, NOW)).toEqual({ ok: false, reason: 'stale-epoch' })
    })
    expect(derivations).toBe(0)
  })

  it('reports an expired header without decrypting, and honours the clock skew', async () => {
    const c = codec()
    const token = await sealString(c, plaintext, NOW + 100, NOW)
    expect((await openString(c, token, NOW + 129)).ok).toBe(true)
    expect(await openString(c, token, NOW + 130)).toEqual({ ok: false, reason: 'expired' })
  })

  it('derives each epoch key once per isolate', async () => {
    const c = codec(SECRET_C, '__Host-cache')
    await sealString(c, plaintext, NOW + 60, NOW)
    const cached = await subtleCalls(['deriveKey', 'deriveBits'], async () => {
      for (let i = 0; i < 20; i++) await sealString(c, plaintext, NOW + 60, NOW)
    })
    expect(cached).toBe(0)
    const next = await subtleCalls(['deriveKey', 'deriveBits'], async () => {
      await sealString(c, plaintext, NOW + 3600 + 60, NOW + 3600)
    })
    expect(next).toBe(1)
  })

  for (const cipher of ['webcrypto', 'auto'] as const) {
    it(`makes one crypto.subtle call per seal and per open once keys are cached (none on the native path; cipher: '${cipher}')`, async () => {
      const c = makeCodec(normalizeSecrets(SECRET_C), `__Host-count-${cipher}`, 3600, 86_400, 30, cipher)
      const perCall = c.cipher === 'native' ? 0 : 1
      const token = await sealString(c, plaintext, NOW + 60, NOW)
      await openString(c, token, NOW)
      const subtle = crypto.subtle
      let calls = 0
      const counting = new Proxy(subtle, {
        get(target, prop) {
          const value = Reflect.get(target, prop, target)
          return typeof value === 'function'
            ? (...args: unknown[]) => {
                calls++
                return Reflect.apply(value, target, args)
              }
            : value
        },
      })
      Object.defineProperty(crypto, 'subtle', { value: counting, configurable: true })
      try {
        const again = await sealString(c, plaintext, NOW + 60, NOW)
        expect(calls).toBe(perCall)
        const opened = await openString(c, again, NOW)
        expect(opened.ok).toBe(true)
        expect(calls).toBe(2 * perCall)
      } finally {
        Object.defineProperty(crypto, 'subtle', { value: subtle, configurable: true })
      }
    })
  }
})
