import { describe, expect, it } from 'vitest'
import { ConfigurationError, createSessions, sealedSize } from '../../src/index.js'
import { SECRET_A } from '../support/index.js'

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
