import { describe, expect, it, vi } from 'vitest'
import { withBase64Path } from '../support/native-base64.mjs'

type Codec = typeof import('../../src/format/base64url.js')

/**
 * On Node 20 and 24 (no TC39 Uint8Array base64), src/format/base64url.ts uses Node's
 * Buffer, reached through process.getBuiltinModule, and keeps a decode only if it encodes
 * back to the same text. This file loads that copy and the pure-JavaScript one (with
 * getBuiltinModule hidden) and checks they agree on everything, hostile input included.
 * Where the runtime has no getBuiltinModule (workerd, the edge sandbox) both copies are the
 * JavaScript one and the checks still hold.
 */
async function load(withBuffer: boolean): Promise<Codec> {
  return withBase64Path('fallback', async () => {
    const proc = (globalThis as { process?: Record<string, unknown> }).process
    const saved = proc === undefined ? undefined : Object.getOwnPropertyDescriptor(proc, 'getBuiltinModule')
    if (!withBuffer && proc !== undefined) Object.defineProperty(proc, 'getBuiltinModule', { value: undefined, configurable: true, writable: true })
    try {
      vi.resetModules()
      return await import('../../src/format/base64url.js')
    } finally {
      if (!withBuffer && proc !== undefined) {
        if (saved !== undefined) Object.defineProperty(proc, 'getBuiltinModule', saved)
        else delete proc.getBuiltinModule
      }
    }
  })
}

const buffer = await load(true)
const loops = await load(false)

const REFUSED = [
  'Zg==', 'Zm8=', 'Zg=', 'Zm9v=', '=Zm9v', 'Zm=9v', 'ab+c', 'ab/c', 'ab c', ' Zm9v', 'Zm9v ', 'Zm9v\n', 'Zm\t9v',
  'abc\u00e9', 'ab%3D', 'A', 'AAAAA', 'Zh', 'Zm9', 'Zm9vYh', 'Zm9vYmF', '\u0100AAA', 'Zm9v\u0000', 'Zm9v.', 'Zm9v!Zm9v',
]

describe("base64url through Node's Buffer (where there is no TC39 base64)", () => {
  it('encodes and decodes like the JavaScript loops for every length from 0 to 300', () => {
    for (let n = 0; n <= 300; n++) {
      const bytes = crypto.getRandomValues(new Uint8Array(n))
      const text = loops.encodeBase64url(bytes)
      expect(buffer.encodeBase64url(bytes)).toBe(text)
      // Views into a larger buffer encode only their own bytes.
      const padded = new Uint8Array(n + 7)
      padded.set(bytes, 3)
      expect(buffer.encodeBase64url(padded.subarray(3, 3 + n))).toBe(text)
      const decoded = buffer.decodeBase64url(text)!
      expect(decoded).toEqual(bytes)
      // Its own buffer, not a view into a shared pool.
      expect(decoded.byteOffset).toBe(0)
      expect(decoded.buffer.byteLength).toBe(n)
    }
  })

  it('refuses whatever the JavaScript decoder refuses: padding, whitespace, the other alphabet, stray bits', () => {
    for (const bad of REFUSED) {
      expect(buffer.decodeBase64url(bad), JSON.stringify(bad)).toBeUndefined()
      expect(loops.decodeBase64url(bad), JSON.stringify(bad)).toBeUndefined()
    }
    for (const c of 'BChijklmnopqrstuv') expect(buffer.decodeBase64url(`Z${c}`)).toBeUndefined()
    for (const c of '9+-_BCD') expect(buffer.decodeBase64url(`Zm${c}`)).toBeUndefined()
  })
})
