import { afterEach, describe, expect, it, vi } from 'vitest'
import file from '../vectors/v1.json' with { type: 'json' }
import { ConfigurationError, createSessions, seal, unseal, v1 } from '../../src/index.js'
import { decodeBase64url, encodeBase64url } from '../../src/format/base64url.js'
import { KNOWN_ANSWER, nativeCrypto } from '../../src/format/cipher.js'
import { HEADER_LENGTH, IV_LENGTH, openTokenNative, parseToken, sealToken, sealTokenNative } from '../../src/format/token.js'
import { makeCodec, openString, sealString, type Codec } from '../../src/keys/codec.js'
import { epochKey, nativeEpochKey } from '../../src/keys/ring.js'
import { subtleCalls } from '../support/subtle.js'
import { normalizeSecrets } from '../../src/keys/secrets.js'
import { SECRET_A, SECRET_B } from '../support/index.js'

/**
 * The two AES-256-GCM paths of the v1 token (src/format/cipher.ts): the native
 * `node:crypto` cipher where the runtime offers it, Web Crypto everywhere else or when
 * forced. Every test runs in every runtime the core suite runs in (Node, workerd, the edge
 * runtime); where there is no native path, 'auto' is Web Crypto and the cross checks
 * compare Web Crypto with itself.
 */
const NOW = 1_795_000_000
const plaintext = new TextEncoder().encode('{"user":"ada","cart":["apple","pear"],"n":42}')
const native = nativeCrypto()

function codec(cipher: 'auto' | 'webcrypto', secrets: string | string[] = SECRET_A, purpose = '__Host-session'): Codec {
  return makeCodec(normalizeSecrets(secrets), purpose, 3600, 86_400, 30, cipher)
}

const paths = (): Codec[] => [codec('webcrypto'), codec('auto')]

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('cipher paths', () => {
  it('uses the native cipher exactly where the runtime offers getBuiltinModule (and not on workerd)', () => {
    const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: unknown } }).process?.getBuiltinModule
    const workerd = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === 'Cloudflare-Workers'
    const expected = typeof getBuiltinModule === 'function' && !workerd ? 'native' : 'webcrypto'
    expect(codec('auto').cipher).toBe(expected)
    expect(codec('webcrypto').cipher).toBe('webcrypto')
    expect(codec('webcrypto').native).toBeUndefined()
  })

  it("the native path's known answer is what Web Crypto computes", async () => {
    const key = await crypto.subtle.importKey('raw', KNOWN_ANSWER.key, 'AES-GCM', false, ['encrypt'])
    const sealed = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: KNOWN_ANSWER.iv, additionalData: KNOWN_ANSWER.aad, tagLength: 128 },
      key,
      new TextEncoder().encode(KNOWN_ANSWER.plaintext),
    )
    expect(hex(new Uint8Array(sealed))).toBe(KNOWN_ANSWER.sealed)
  })

  it('a token sealed by either path opens with the other', async () => {
    for (const sealer of paths()) {
      for (const opener of paths()) {
        const token = await sealString(sealer, plaintext, NOW + 3600, NOW)
        const opened = await openString(opener, token, NOW)
        expect(opened.ok && new TextDecoder().decode(opened.plaintext), `${sealer.cipher} → ${opener.cipher}`).toBe(new TextDecoder().decode(plaintext))
      }
    }
  })

  it('gives the same bytes on both paths for the same key and IV', async () => {
    if (native === undefined) return
    const secret = normalizeSecrets(SECRET_A)[0]!
    const epoch = Math.floor(NOW / 3600)
    const webKey = await epochKey(secret, '__Host-session', 3600, epoch)
    const nativeKey = await nativeEpochKey(native, secret, '__Host-session', 3600, epoch)
    const header = { keyId: secret.id, epoch, expiresAt: NOW + 3600 }
    const fixedIv = (array: Uint8Array) => {
      array.fill(7)
      return array
    }
    vi.spyOn(crypto, 'getRandomValues').mockImplementation(fixedIv as typeof crypto.getRandomValues)
    const viaWeb = await sealToken(webKey, header, plaintext)
    const viaNative = sealTokenNative(native, nativeKey, header, plaintext)
    vi.restoreAllMocks()
    expect(hex(viaNative)).toBe(hex(viaWeb))
    expect(viaNative.subarray(HEADER_LENGTH, HEADER_LENGTH + IV_LENGTH).every((b) => b === 7)).toBe(true)
  })

  it('opens every v1 vector the same way on both paths', async () => {
    for (const v of file.vectors) {
      for (const cipher of ['webcrypto', 'auto'] as const) {
        const opened = await openString(makeCodec(v.secrets, v.purpose, v.epochSeconds, v.window, v.clockSkew, cipher), v.token, v.now)
        if (v.expect === 'ok') expect(opened.ok && new TextDecoder().decode(opened.plaintext), `${cipher}: ${v.description}`).toBe(v.plaintext)
        else expect(opened, `${cipher}: ${v.description}`).toEqual({ ok: false, reason: v.expect })
      }
    }
  })

  it('refuses every changed bit on both paths, with no detail past the header checks', async () => {
    for (const c of paths()) {
      const token = await sealString(c, plaintext, NOW + 3600, NOW)
      const bytes = decodeBase64url(token)!
      for (let i = 0; i < bytes.length; i++) {
        const flipped = bytes.slice()
        flipped[i]! ^= 1 << (i % 8)
        const opened = await openString(c, encodeBase64url(flipped), NOW)
        expect(opened.ok, `${c.cipher} byte ${i}`).toBe(false)
        // Past the cleartext header (IV, ciphertext, tag) the only reason is 'decrypt'.
        if (i >= HEADER_LENGTH) expect(opened, `${c.cipher} byte ${i}`).toEqual({ ok: false, reason: 'decrypt' })
      }
      // A token for another cookie name (another key) fails the same way.
      expect(await openString(codec(c.cipher === 'native' ? 'auto' : 'webcrypto', SECRET_A, '__Host-other'), token, NOW)).toEqual({ ok: false, reason: 'decrypt' })
    }
  })

  it('the native open returns nothing for a wrong tag and never throws', () => {
    if (native === undefined) return
    const key = native.createSecretKey(crypto.getRandomValues(new Uint8Array(32)))
    const header = { keyId: 1, epoch: 1, expiresAt: 2 }
    const token = sealTokenNative(native, key, header, plaintext)
    const other = native.createSecretKey(crypto.getRandomValues(new Uint8Array(32)))
    const parsed = parseToken(token)
    if (!parsed.ok) throw new Error(parsed.reason)
    expect(new TextDecoder().decode(openTokenNative(native, key, parsed))).toBe(new TextDecoder().decode(plaintext))
    expect(openTokenNative(native, other, parsed)).toBeUndefined()
  })

  it('draws a fresh IV from crypto.getRandomValues for every native seal', async () => {
    const c = codec('auto')
    const spy = vi.spyOn(crypto, 'getRandomValues')
    const ivs = new Set<string>()
    for (let i = 0; i < 500; i++) ivs.add(hex(decodeBase64url(await sealString(c, plaintext, NOW + 3600, NOW))!.subarray(HEADER_LENGTH, HEADER_LENGTH + IV_LENGTH)))
    expect(ivs.size).toBe(500)
    expect(spy.mock.calls.filter(([a]) => a instanceof Uint8Array && a.length === IV_LENGTH).length).toBeGreaterThanOrEqual(500)
  })

  it('derives one key per epoch on each path, and none for a refused epoch', async () => {
    for (const cipher of ['webcrypto', 'auto'] as const) {
      const c = codec(cipher, SECRET_B, `__Host-derive-${cipher}`)
      await sealString(c, plaintext, NOW + 60, NOW)
      const derivations = await subtleCalls(['deriveKey', 'deriveBits'], async () => {
        for (let i = 0; i < 20; i++) await openString(c, await sealString(c, plaintext, NOW + 60, NOW), NOW)
        const token = await sealString(c, plaintext, NOW + 60, NOW)
        const future = decodeBase64url(token)!
        new DataView(future.buffer).setUint32(2, Math.floor(NOW / 3600) + 1000)
        expect(await openString(c, encodeBase64url(future), NOW)).toEqual({ ok: false, reason: 'stale-epoch' })
      })
      expect(derivations).toBe(0)
    }
  })
})

describe('the cipher option', () => {
  it("createSessions({ cipher: 'webcrypto' }) and the default open each other's cookies", async () => {
    const at = (ms: number) => () => ms
    const base = { secrets: SECRET_A, clock: { now: at(NOW * 1000) } }
    const forced = createSessions({ ...base, format: v1({ cipher: 'webcrypto' }) })
    const auto = createSessions(base)
    for (const [from, to] of [
      [forced, auto],
      [auto, forced],
    ] as const) {
      const session = await from.load('')
      session.set('cart', ['apple'])
      const commit = await from.commit(session)
      const cookie = commit.setCookie[0]!.split(';')[0]!
      const loaded = await to.load(cookie)
      expect(loaded.isNew).toBe(false)
      expect(loaded.get('cart')).toEqual(['apple'])
    }
  })

  it("seal()/unseal() with cipher: 'webcrypto' interoperate with the default", async () => {
    const options = { secrets: SECRET_A, purpose: 'sign-in-link', ttl: 900 }
    const forced = { ...options, cipher: 'webcrypto' as const }
    const opened = await unseal(await seal({ email: 'ada@example.com' }, forced), options)
    expect(opened.ok && opened.value).toEqual({ email: 'ada@example.com' })
    const back = await unseal(await seal({ n: 1 }, options), forced)
    expect(back.ok && back.value).toEqual({ n: 1 })
  })

  it('refuses an unknown cipher at configuration time', async () => {
    expect(() => createSessions({ secrets: SECRET_A, format: v1({ cipher: 'native' as never }) })).toThrow(ConfigurationError)
    await expect(seal(1, { secrets: SECRET_A, purpose: 'x', ttl: 60, cipher: 'aes' as never })).rejects.toThrow(ConfigurationError)
  })
})
