import { afterEach, describe, expect, it, vi } from 'vitest'
import { memorySessionData } from 'sealed-session/memory'
import {
  ConfigurationError,
  createSessions,
  MAX_STORED_CHARS,
  OverflowTooLargeError,
  sealedSize,
  SessionTooLargeError,
  v1,
  type SessionDataStore,
  type SessionOptions,
} from '../../src/index.js'
import { nativeZlib } from '../../src/format/deflate.js'
import { SECRET_A } from '../support/index.js'
import { bigData } from '../stores/overflow-conformance.js'

type Data = Record<string, string | string[]>

/** What commit() sends for `data` as a new anonymous session: each cookie's name plus value. */
async function committed(options: SessionOptions, data: Data): Promise<{ size: number; id: string }> {
  const sessions = createSessions(options)
  const session = await sessions.load(null)
  for (const [key, value] of Object.entries(data)) session.set(key, value)
  session.touch()
  const commit = await sessions.commit(session)
  return { size: commit.cookies.reduce((sum, cookie) => sum + cookie.name.length + cookie.value.length, 0), id: session.id }
}

/** crypto.getRandomValues from a seeded generator (mulberry32): the same session ids and IVs again for the same seed. */
function seededRandom(seed: number): void {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
  vi.spyOn(crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
    if (array !== null) {
      const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength)
      for (let i = 0; i < bytes.length; i++) bytes[i] = next() & 0xff
    }
    return array
  })
}

/** A memory store that records every call made to it. */
function watched(maxBlob?: number): { store: SessionDataStore; calls: string[]; memory: SessionDataStore } {
  const memory = memorySessionData()
  const calls: string[] = []
  const store: SessionDataStore = {
    ...(maxBlob === undefined ? {} : { maxBlob }),
    get: (id) => (calls.push('get'), memory.get(id)),
    put: (id, copy, write) => (calls.push('put'), memory.put(id, copy, write)),
    delete: (id, options) => (calls.push('delete'), memory.delete(id, options)),
  }
  return { store, calls, memory }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('sealedSize(), the test helper', () => {
  it('measures what commit() sends, without a secret', async () => {
    const data = { cart: ['apple', 'pear'], theme: 'dark' }
    const sessions = createSessions({ secrets: SECRET_A })
    const session = await sessions.load(null)
    session.set('cart', data.cart)
    session.set('theme', data.theme)
    const [line] = (await sessions.commit(session)).setCookie
    expect(await sealedSize(data)).toEqual({ size: line!.indexOf(';') - 1, limit: 4096, fits: true })
  })

  it('says when data no longer fits, with the size commit() would have needed, and follows maxChunks and bearer', async () => {
    const big = { v: 'a'.repeat(2944 - 8) } // one byte past the anonymous budget of docs/SIZE.md
    expect(await sealedSize({ v: 'a'.repeat(2943 - 8) })).toEqual({ size: 4096, limit: 4096, fits: true })
    expect(await sealedSize(big)).toEqual({ size: 4097, limit: 4096, fits: false })
    expect(await sealedSize(big, { cookie: { maxChunks: 2 } })).toMatchObject({ limit: 8192, fits: true })
    expect(await sealedSize(big, { bearer: {  } })).toMatchObject({ limit: 8192, fits: true })
  })

  it('measures an empty session, and refuses options createSessions() refuses', async () => {
    expect((await sealedSize({})).size).toBeGreaterThan(100)
    await expect(sealedSize({}, { maxAgee: 1 } as never)).rejects.toThrow(ConfigurationError)
  })
})

const canDeflate = nativeZlib() !== undefined || typeof CompressionStream === 'function'

describe('sealedSize() with v1({ compress: true })', () => {
  /** 3,900 bytes of cart JSON: past one cookie uncompressed, about a third of it deflated. */
  const cart = { cart: Array.from({ length: 400 }, (_, i) => `sku-${i}`) }
  const compressed = { secrets: SECRET_A, format: v1({ compress: true }) }

  it.skipIf(!canDeflate)('measures the compressed cookie: data too large uncompressed fits', async () => {
    expect(JSON.stringify(cart).length).toBe(3900)
    expect(await sealedSize(cart, { secrets: SECRET_A })).toMatchObject({ limit: 4096, fits: false })
    const measured = await sealedSize(cart, compressed)
    expect(measured.fits).toBe(true)
    expect(measured.size).toBeLessThan(1400)
  })

  // Where the runtime cannot deflate (the edge runtime sandbox), commit() seals uncompressed: so does sealedSize().
  it('reports the largest of 8 seals, as commit() sends them with the same session ids', async () => {
    const half = { cart: cart.cart.slice(0, 200) }
    seededRandom(23)
    const measured = await sealedSize(half, compressed)
    // The same random values again: the same 8 session ids, committed for real.
    seededRandom(23)
    const sizes: number[] = []
    for (let i = 0; i < 8; i++) sizes.push((await committed(compressed, half)).size)
    if (canDeflate) expect(new Set(sizes).size).toBeGreaterThan(1) // the size does vary with the id
    expect(measured).toEqual({ size: Math.max(...sizes), limit: 4096, fits: true })
  })
})

describe('sealedSize() with overflow', () => {
  it('below the budget: the cookie commit() sends, stored false, and the store is never called', async () => {
    const { store, calls } = watched()
    const data = { cart: ['apple', 'pear'] }
    const plain = await sealedSize(data, { secrets: SECRET_A })
    expect(await sealedSize(data, { secrets: SECRET_A, overflow: { store } })).toEqual({
      ...plain,
      overflow: { stored: false, inCookie: plain.size, budget: 4096, storedSize: 0, storedLimit: MAX_STORED_CHARS },
    })
    expect(calls).toEqual([])
  })

  it('past the budget: the reference cookie and the copy commit() would store, without calling the store', async () => {
    const { store, calls } = watched()
    const data = bigData()
    const measured = await sealedSize(data, { secrets: SECRET_A, overflow: { store } })
    expect(calls).toEqual([])
    // Without the store commit() refuses it: inCookie is the size it names.
    const refused = await committed({ secrets: SECRET_A }, data).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(SessionTooLargeError)
    // With a real store: the reference cookie and the stored copy.
    const real = watched()
    const { size, id } = await committed({ secrets: SECRET_A, overflow: { store: real.store } }, data)
    const copy = await real.memory.get(id)
    expect(measured).toEqual({
      size,
      limit: 4096,
      fits: true,
      overflow: { stored: true, inCookie: (refused as SessionTooLargeError).size, budget: 4096, storedSize: copy!.blob.length, storedLimit: MAX_STORED_CHARS },
    })
    expect(size).toBeLessThan(400)
  })

  it('follows overflow.budget and the store maxBlob: past it, fits is false with the size OverflowTooLargeError names', async () => {
    const small = { notes: 'x'.repeat(1000) }
    expect((await sealedSize(small, { secrets: SECRET_A, overflow: { store: watched().store, budget: 1024 } })).overflow).toMatchObject({ stored: true, budget: 1024 })
    expect((await sealedSize(small, { secrets: SECRET_A, overflow: { store: watched().store } })).overflow).toMatchObject({ stored: false, budget: 4096 })
    const { store, calls } = watched(2000)
    const large = { notes: 'x'.repeat(4000) }
    const measured = await sealedSize(large, { secrets: SECRET_A, overflow: { store } })
    expect(calls).toEqual([])
    const error = await committed({ secrets: SECRET_A, overflow: { store } }, large).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OverflowTooLargeError)
    expect(measured).toEqual({
      size: measured.overflow!.inCookie,
      limit: 4096,
      fits: false,
      overflow: { stored: true, inCookie: expect.any(Number), budget: 4096, storedSize: (error as OverflowTooLargeError).size, storedLimit: 2000 },
    })
    expect(measured.size).toBeGreaterThan(4096)
  })
})
