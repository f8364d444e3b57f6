import { describe, expect, it } from 'vitest'
import { createSessions, type SessionEvent } from 'sealed-session'
import { decodeBase64url, encodeBase64url } from '../../src/format/base64url.js'
import { subtleCalls } from '../support/subtle.js'
import { Clock, cookieHeader, SECRET_A, SECRET_B, tokenOf } from '../support/index.js'
import { withOptions, type OptionsPatch } from '../support/options.js'

/** An engine, a clock, and real tokens of several sizes to attack. */
async function setup(options: OptionsPatch = {}) {
  const clock = new Clock()
  const events: SessionEvent[] = []
  const sessions = createSessions(withOptions({ secrets: SECRET_A, clock: { now: clock.now }, onEvent: (e) => events.push(e) }, options))
  const tokens: string[] = []
  for (const size of [0, 100, 1000]) {
    const s = await sessions.load('')
    await s.login('victim')
    s.set('blob', 'z'.repeat(size))
    tokens.push(tokenOf(await sessions.commit(s)))
  }
  const opens = async (token: string): Promise<boolean> => !(await sessions.load(`__Host-session=${token}`)).isNew
  return { sessions, clock, events, tokens, opens }
}

const edit = (token: string, change: (bytes: Uint8Array) => void): string => {
  const bytes = decodeBase64url(token)!
  change(bytes)
  return encodeBase64url(bytes)
}

describe('attacks on the token', () => {
  it('accepts the untouched tokens (the attacks below are meaningful)', async () => {
    const { tokens, opens } = await setup()
    for (const token of tokens) expect(await opens(token)).toBe(true)
  })

  it('refuses every single-bit flip of real session tokens', async () => {
    const { tokens, opens } = await setup()
    let tried = 0
    for (const token of tokens.slice(0, 2)) {
      const bits = decodeBase64url(token)!.length * 8
      for (let bit = 0; bit < bits; bit++) {
        expect(await opens(edit(token, (b) => void (b[bit >> 3]! ^= 1 << (bit & 7))))).toBe(false)
        tried++
      }
    }
    expect(tried).toBeGreaterThan(2000)
  })

  it('refuses every byte truncation and every character truncation', async () => {
    const { tokens, opens } = await setup()
    const token = tokens[1]!
    const bytes = decodeBase64url(token)!
    for (let n = 0; n < bytes.length; n++) expect(await opens(encodeBase64url(bytes.subarray(0, n)))).toBe(false)
    for (let n = 0; n < token.length; n++) expect(await opens(token.slice(0, n))).toBe(false)
  })

  it('refuses every header field altered, each to several values', async () => {
    const { tokens, opens } = await setup()
    const token = tokens[1]!
    for (let offset = 0; offset < 10; offset++) {
      for (const value of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
        const changed = edit(token, (b) => void (b[offset] = value))
        if (changed === token) continue
        expect(await opens(changed), `header byte ${offset} = ${value}`).toBe(false)
      }
    }
    const view = (change: (v: DataView) => void) => edit(token, (b) => change(new DataView(b.buffer)))
    expect(await opens(view((v) => v.setUint32(2, v.getUint32(2) - 1)))).toBe(false) // previous epoch
    expect(await opens(view((v) => v.setUint32(6, v.getUint32(6) + 3600)))).toBe(false) // later expiry
    expect(await opens(view((v) => v.setUint32(6, v.getUint32(6) - 1)))).toBe(false) // earlier expiry
  })

  it('refuses a wrong IV length and a wrong tag length', async () => {
    const { tokens, opens } = await setup()
    const bytes = decodeBase64url(tokens[1]!)!
    const withoutByte = (at: number) => encodeBase64url(new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(at + 1)]))
    expect(await opens(withoutByte(15))).toBe(false) // 11-byte IV
    expect(await opens(encodeBase64url(new Uint8Array([...bytes.subarray(0, 15), 0, ...bytes.subarray(15)])))).toBe(false) // 13-byte IV
    expect(await opens(encodeBase64url(bytes.subarray(0, bytes.length - 4)))).toBe(false) // 12-byte tag
    expect(await opens(encodeBase64url(new Uint8Array([...bytes, 0])))).toBe(false) // 17-byte tag
  })

  it('refuses base64 with padding, the standard alphabet, or illegal characters', async () => {
    const { tokens, opens, events } = await setup()
    const token = tokens[1]!
    const variants = [`${token}=`, `${token}==`, token.replace(/-/g, '+').replace(/_/g, '/'), `${token.slice(0, 10)}.${token.slice(11)}`, ` ${token}x`, `${token.slice(0, 20)}%41${token.slice(21)}`, `${token.slice(0, 20)}é${token.slice(21)}`]
    for (const variant of variants) {
      if (variant === token) continue
      events.length = 0
      expect(await opens(variant), variant.slice(0, 30)).toBe(false)
      expect(events[0]).toMatchObject({ type: 'invalid' })
    }
  })

  it('refuses a token sealed for another cookie name, and one from another app’s secret with the same key id', async () => {
    const other = createSessions({ secrets: [{ id: 9, secret: SECRET_B }], cookie: { name: '__Host-other' } })
    const s = await other.load('')
    s.set('a', 1)
    const foreign = tokenOf(await other.commit(s))
    const mine = createSessions({ secrets: [{ id: 9, secret: SECRET_B }] })
    expect((await mine.load(`__Host-session=${foreign}`)).isNew).toBe(true)
    const sameIdOtherSecret = createSessions({ secrets: [{ id: 9, secret: SECRET_A }], cookie: { name: '__Host-other' } })
    expect((await sameIdOtherSecret.load(`__Host-other=${foreign}`)).isNew).toBe(true)
    expect((await createSessions({ secrets: [{ id: 9, secret: SECRET_B }], cookie: { name: '__Host-other' } }).load(`__Host-other=${foreign}`)).get('a')).toBe(1)
  })

  it('refuses epochs just outside the window and far in the future without deriving a key', async () => {
    const { tokens, opens, events } = await setup({ secrets: SECRET_A, lifetime: { idleTimeout: 3600, maxAge: 3600 } })
    const token = tokens[1]!
    const epoch = new DataView(decodeBase64url(token)!.buffer).getUint32(2)
    const at = (e: number, expiry?: number) =>
      edit(token, (b) => {
        const v = new DataView(b.buffer)
        v.setUint32(2, e)
        if (expiry !== undefined) v.setUint32(6, expiry)
      })
    events.length = 0
    const derivations = await subtleCalls(['deriveKey', 'deriveBits'], async () => {
      // Window = maxAgeLimit 3600 s: an epoch two hours back cannot carry a live expiry.
      expect(await opens(at(epoch - 2))).toBe(false)
      expect(await opens(at(epoch + 1))).toBe(false)
      expect(await opens(at(epoch + 10_000))).toBe(false)
      expect(await opens(at(0xffffffff, 0xffffffff))).toBe(false)
    })
    expect(derivations).toBe(0)
    expect(events.map((e) => (e.type === 'invalid' ? e.reason : e.type))).toEqual(['stale-epoch', 'stale-epoch', 'stale-epoch', 'stale-epoch'])
  })

  it('refuses a token once its secret is removed, and never tries another key', async () => {
    const { tokens } = await setup({ secrets: [SECRET_B] })
    const events: SessionEvent[] = []
    const rotated = createSessions({ secrets: [SECRET_A], onEvent: (e) => events.push(e) })
    expect((await rotated.load(`__Host-session=${tokens[0]}`)).isNew).toBe(true)
    expect(events).toEqual([{ type: 'invalid', reason: 'unknown-key' }])
  })

  it('a replayed token after logout() is refused with a revocation store', async () => {
    const { memoryRevocations } = await import('../../src/memory.js')
    const clock = new Clock()
    const sessions = createSessions({ secrets: SECRET_A, clock: { now: clock.now }, revocation: { store: memoryRevocations({ now: clock.now }), revalidateAfter: 0 } })
    const s = await sessions.load('')
    await s.login('victim')
    const header = cookieHeader(await sessions.commit(s))
    const again = await sessions.load(header)
    await again.logout()
    await sessions.commit(again)
    expect((await sessions.load(header)).isNew).toBe(true)
  })
})
