import { describe, expect, it } from 'vitest'
import { decodeBase64url, encodeBase64url } from '../../src/format/base64url.js'

function reference(bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

describe('base64url', () => {
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
  })

  it('refuses padding, the standard alphabet, spaces and non-ASCII', () => {
    for (const bad of ['Zg==', 'Zm8=', 'ab+c', 'ab/c', 'ab c', 'abc\u00e9', 'ab%3D', 'A']) {
      expect(decodeBase64url(bad), bad).toBeUndefined()
    }
  })

  it('refuses non-canonical trailing bits so each byte string has one spelling', () => {
    expect(decodeBase64url('Zg')).toBeDefined()
    expect(decodeBase64url('Zh')).toBeUndefined()
    expect(decodeBase64url('Zm8')).toBeDefined()
    expect(decodeBase64url('Zm9')).toBeUndefined()
  })
})
