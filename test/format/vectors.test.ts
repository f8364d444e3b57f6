import { describe, expect, it } from 'vitest'
import file from '../vectors/v1.json' with { type: 'json' }
import { makeCodec, openString } from '../../src/keys/codec.js'
import { createSessions } from 'sealed-session'

/**
 * An independent decoder written from docs/FORMAT.md alone: plain Web Crypto, no code
 * from src/. If this and the library disagree, FORMAT.md is wrong or the code is.
 */
async function decodeFromSpec(token: string, secret: string, purpose: string, epochSeconds: number): Promise<string | undefined> {
  const b64 = token.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (token.length % 4)) % 4)
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
  const header = bytes.slice(0, 10)
  const view = new DataView(header.buffer)
  expect(header[0]).toBe(1)
  const epoch = view.getUint32(2)
  const label = new TextEncoder().encode('sealed-session/v1\0')
  const name = new TextEncoder().encode(purpose)
  const info = new Uint8Array(label.length + 8 + name.length)
  info.set(label)
  new DataView(info.buffer).setUint32(label.length, epochSeconds)
  new DataView(info.buffer).setUint32(label.length + 4, epoch)
  info.set(name, label.length + 8)
  const ikm = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), 'HKDF', false, ['deriveBits'])
  const raw = await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info }, ikm, 256)
  const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['decrypt'])
  const plain = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.slice(10, 22), additionalData: header, tagLength: 128 }, key, bytes.slice(22)))
  if (plain[0] !== 0x00) return new TextDecoder().decode(plain)
  // The edge runtime sandbox has no DecompressionStream: the library's own decoder opened it above.
  if (typeof DecompressionStream === 'undefined') return undefined
  // FORMAT.md, "Compressed plaintext": 0x00, then raw DEFLATE (RFC 1951) of the payload.
  const inflated = new Blob([plain.slice(1)]).stream().pipeThrough(new DecompressionStream('deflate-raw'))
  return new TextDecoder().decode(await new Response(inflated).arrayBuffer())
}

/** FNV-1a key id, as docs/FORMAT.md §Key ids states it. */
function keyIdFromSpec(secret: string): number {
  let h = 0x811c9dc5
  for (const unit of 'sealed-session kid\u0000' + secret) {
    for (let i = 0; i < unit.length; i++) h = Math.imul(h ^ unit.charCodeAt(i), 0x01000193) >>> 0
  }
  return (h ^ (h >>> 8) ^ (h >>> 16) ^ (h >>> 24)) & 0xff
}

describe('test vectors (test/vectors/v1.json)', () => {
  it('derives key ids from secrets as FORMAT.md says', () => {
    for (const v of file.vectors) {
      for (const s of v.secrets) {
        if (!v.description.includes('explicit key id')) expect(keyIdFromSpec(s.secret)).toBe(s.id)
      }
    }
  })

  it('opens every session vector through createSessions() on its own transport only', async () => {
    for (const v of file.vectors.filter((v) => !v.purpose.startsWith('value:') && v.expect === 'ok')) {
      const bearer = v.purpose.startsWith('bearer:')
      const cookieName = bearer ? v.purpose.slice('bearer:'.length) : v.purpose
      const options = { secrets: v.secrets, cookie: { name: cookieName, secure: cookieName.startsWith('__') }, clock: { now: () => v.now * 1000 } }
      const asCookie = createSessions(options)
      const asBearer = createSessions({ ...options, cookie: undefined, bearer: {} })
      const cookie = await asCookie.load(`${cookieName}=${v.token}`)
      const header = await asBearer.load(new Headers({ authorization: `Bearer ${v.token}` }))
      expect(cookie.isNew, v.description).toBe(bearer)
      expect(header.isNew, v.description).toBe(!bearer)
    }
  })

  it('has a compressed vector, shorter than its JSON would make it uncompressed', async () => {
    const v = file.vectors.find((v) => 'compressed' in v && v.compressed)!
    const codec = makeCodec(v.secrets, v.purpose, v.epochSeconds, v.window, v.clockSkew)
    // The token is shorter than the JSON it carries would make it uncompressed (IV, tag, header: 38 bytes).
    expect(Math.ceil(((38 + v.plaintext.length) * 4) / 3)).toBeGreaterThan(v.token.length)
    expect((await openString(codec, v.token, v.now)).ok).toBe(true)
  })

  for (const v of file.vectors) {
    it(`decodes: ${v.description}`, async () => {
      const codec = makeCodec(v.secrets, v.purpose, v.epochSeconds, v.window, v.clockSkew)
      const opened = await openString(codec, v.token, v.now)
      if (v.expect === 'ok') {
        expect(opened.ok && new TextDecoder().decode(opened.plaintext)).toBe(v.plaintext)
      } else {
        expect(opened).toEqual({ ok: false, reason: v.expect })
      }
      // The key id in the header picks the secret; the spec decoder must agree byte for byte.
      const keyId = Uint8Array.from(atob(v.token.slice(0, 4).replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))[1]
      const secret = v.secrets.find((s) => s.id === keyId)!.secret
      const decoded = await decodeFromSpec(v.token, secret, v.purpose, v.epochSeconds)
      if (decoded !== undefined || !('compressed' in v)) expect(decoded).toBe(v.plaintext)
    })
  }
})
