import { describe, expect, it, vi } from 'vitest'
import { nativeCalls, RUNTIME_HAS_NATIVE_BASE64, withBase64Path } from '../support/native-base64.mjs'

type Codec = typeof import('../../src/format/base64url.js')

/**
 * src/format/base64url.ts has two paths, chosen once when the module is evaluated: the
 * platform's Uint8Array base64 (Deno, Bun, workerd, newer V8) and its own loops. Each
 * runtime that runs this file (Node, workerd, the edge sandbox) checks both: a fresh copy
 * of the module with the natives hidden, and one with them present (the runtime's own, or
 * test/support/native-base64.mjs where it has none).
 */
async function load(path: 'native' | 'fallback'): Promise<Codec> {
  return withBase64Path(path, async () => {
    vi.resetModules()
    return import('../../src/format/base64url.js')
  })
}

const paths = {
  native: await load('native'),
  fallback: await load('fallback'),
}

function reference(bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** Strings either decoder could get wrong: whitespace, padding, the other alphabet, stray bits. */
const REFUSED = [
  'Zg==', 'Zm8=', 'Zg=', 'Zm9v=', '=Zm9v', 'Zm=9v', 'ab+c', 'ab/c', 'ab c', ' Zm9v', 'Zm9v ', 'Zm9v\n', 'Zm\t9v',
  'abc\u00e9', 'ab%3D', 'A', 'AAAAA', 'Zh', 'Zm9', 'Zm9vYh', 'Zm9vYmF', '\u0100AAA',
]

for (const [name, codec] of Object.entries(paths)) {
  const { decodeBase64url, encodeBase64url } = codec
  const native = name === 'native' ? (RUNTIME_HAS_NATIVE_BASE64 ? " (the runtime's own)" : ' (TC39 reference, installed)') : ''
  describe(`base64url, ${name} path${native}`, () => {
    it('matches the RFC 4648 alphabet for every length from 0 to 64', () => {
      for (let n = 0; n <= 64; n++) {
        const bytes = crypto.getRandomValues(new Uint8Array(n))
        const text = encodeBase64url(bytes)
        expect(text).toBe(reference(bytes))
        expect(decodeBase64url(text)).toEqual(bytes)
      }
    })

    it('decodes the RFC 4648 §10 test vectors (url alphabet, no padding)', () => {
      const vectors: [string, string][] = [['', ''], ['f', 'Zg'], ['fo', 'Zm8'], ['foo', 'Zm9v'], ['foob', 'Zm9vYg'], ['fooba', 'Zm9vYmE'], ['foobar', 'Zm9vYmFy']]
      for (const [plain, encoded] of vectors) {
        expect(encodeBase64url(new TextEncoder().encode(plain))).toBe(encoded)
        expect(new TextDecoder().decode(decodeBase64url(encoded))).toBe(plain)
      }
      expect(encodeBase64url(Uint8Array.of(0xfb, 0xff, 0xbf))).toBe('-_-_')
      expect(decodeBase64url('-_-_')).toEqual(Uint8Array.of(0xfb, 0xff, 0xbf))
    })

    it('refuses padding, whitespace, the standard alphabet, non-ASCII and stray trailing bits', () => {
      for (const bad of REFUSED) expect(decodeBase64url(bad), JSON.stringify(bad)).toBeUndefined()
    })

    it('has one spelling per byte string: the canonical trailing bits only', () => {
      expect(decodeBase64url('Zg')).toEqual(Uint8Array.of(0x66))
      for (const c of 'BChijklmnopqrstuv') expect(decodeBase64url(`Z${c}`)).toBeUndefined()
      expect(decodeBase64url('Zm8')).toBeDefined()
      for (const c of '9+-_BCD') expect(decodeBase64url(`Zm${c}`)).toBeUndefined()
    })
  })
}

describe('base64url: both paths agree', () => {
  it('are two different copies: only the native one calls the platform', () => {
    const before = { ...nativeCalls }
    paths.fallback.decodeBase64url(paths.fallback.encodeBase64url(Uint8Array.of(1, 2, 3)))
    expect(nativeCalls).toEqual(before)
    paths.native.decodeBase64url(paths.native.encodeBase64url(Uint8Array.of(1, 2, 3)))
    expect(nativeCalls).toEqual({ toBase64: before.toBase64 + 1, fromBase64: before.fromBase64 + 1 })
  })


  it('on every encoding, and on every answer to hostile input', () => {
    const { native, fallback } = paths
    for (let n = 0; n < 200; n++) {
      const bytes = crypto.getRandomValues(new Uint8Array(n % 70))
      const text = fallback.encodeBase64url(bytes)
      expect(native.encodeBase64url(bytes)).toBe(text)
      expect(native.decodeBase64url(text)).toEqual(fallback.decodeBase64url(text))
    }
    for (const bad of REFUSED) expect(native.decodeBase64url(bad)).toEqual(fallback.decodeBase64url(bad))
  })
})
