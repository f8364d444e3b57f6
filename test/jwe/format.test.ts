import { subtleCalls } from '../support/subtle.js'
import { compactDecrypt, decodeProtectedHeader } from 'jose'
import { describe, expect, it } from 'vitest'
import { normalizeSecrets } from '../../src/keys/secrets.js'
import type { SessionRecord } from '../../src/session/envelope.js'
import { factoryOf, v1, type FormatContext } from '../../src/session/format.js'
import { jweFormat } from '../../src/jwe/index.js'
import { openJwe } from '../../src/jwe/format.js'
import { cookieHeader, harness, SECRET_A, SECRET_B, tokenOf } from '../support/index.js'
import { claims, forge, rawKey } from './forge.js'

const NOW = 1_795_000_000

function context(secrets: string | string[] = SECRET_A, purpose = '__Host-session', window = 86_400): FormatContext {
  return { secrets: normalizeSecrets(secrets), purpose, maxAgeLimit: window, clockSkew: 30 }
}

const idOf = (secret: string): string => String(normalizeSecrets(secret)[0]!.id)

describe('jweFormat() with createSessions', () => {
  it('round-trips data and the subject through a standard compact JWE', async () => {
    const { sessions } = harness<{ cart: string[] }>({ format: jweFormat() })
    const first = await sessions.load(null)
    first.set('cart', ['äpfel', '🍐'])
    await first.login('user-1')
    const commit = await sessions.commit(first)
    const token = tokenOf(commit)
    expect(token.split('.')).toHaveLength(5)
    expect(token.split('.')[1]).toBe('')
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'dir', enc: 'A256GCM', kid: idOf(SECRET_A) })
    const second = await sessions.load(cookieHeader(commit))
    expect(second.isNew).toBe(false)
    expect(second.id).toBe(first.id)
    expect(second.subject).toBe('user-1')
    expect(second.get('cart')).toEqual(['äpfel', '🍐'])
  })

  it('seals iat, exp, jti and sub as JWT claims, with the rest of the envelope under ss', async () => {
    const { sessions, clock } = harness({ format: jweFormat(), lifetime: { idleTimeout: 3600, maxAge: 86_400 } })
    const s = await sessions.load(null)
    s.set('n', 1)
    await s.login('user-1')
    const token = tokenOf(await sessions.commit(s))
    const { plaintext } = await compactDecrypt(token, await rawKey(SECRET_A))
    const now = clock.seconds
    expect(JSON.parse(new TextDecoder().decode(plaintext))).toEqual({
      iat: now,
      exp: now + 3600,
      jti: s.id,
      sub: 'user-1',
      ss: { c: now, x: now + 86_400, r: now, d: { n: 1 } },
    })
  })

  it('omits sub for an anonymous session', async () => {
    const { sessions } = harness({ format: jweFormat() })
    const s = await sessions.load(null)
    s.set('n', 1)
    const { plaintext } = await compactDecrypt(tokenOf(await sessions.commit(s)), await rawKey(SECRET_A))
    expect(JSON.parse(new TextDecoder().decode(plaintext))).not.toHaveProperty('sub')
  })

  it('opens a session sealed under an older listed secret and re-seals it under the newest', async () => {
    const old = harness({ format: jweFormat(), secrets: [SECRET_B] })
    const s = await old.sessions.load(null)
    s.set('n', 1)
    const header = cookieHeader(await old.sessions.commit(s))
    const rotated = harness({ format: jweFormat(), secrets: [SECRET_A, SECRET_B] })
    const loaded = await rotated.sessions.load(header)
    expect(loaded.get('n')).toBe(1)
    const again = await rotated.sessions.commit(loaded)
    expect(decodeProtectedHeader(tokenOf(again)).kid).toBe(idOf(SECRET_A))
    expect(rotated.events.map((e) => e.type)).toContain('rotated')
  })

  it('ends the session at exp, with the clock skew', async () => {
    const { sessions, clock, events } = harness({ format: jweFormat(), lifetime: { idleTimeout: 3600 } })
    const s = await sessions.load(null)
    s.set('n', 1)
    const header = cookieHeader(await sessions.commit(s))
    clock.advance(3600 + 29)
    expect((await sessions.load(header)).isNew).toBe(false)
    clock.advance(1)
    expect((await sessions.load(header)).isNew).toBe(true)
    expect(events.at(-1)).toEqual({ type: 'expired', reason: 'header' })
  })
})

describe('openJwe', () => {
  async function realToken(ctx = context(), now = NOW): Promise<string> {
    const format = factoryOf(jweFormat())!(ctx)
    return format.seal({ id: 'AAAAAAAAAAAAAAAAAAAAAA', createdAt: now, absoluteExpiry: now + 86_400, lastSealed: now, data: { hello: 'world' } }, now + 3600, now)
  }

  it('carries every session field exactly as v1 does', async () => {
    const record: SessionRecord = {
      id: 'AAAAAAAAAAAAAAAAAAAAAA', createdAt: NOW - 60, absoluteExpiry: NOW + 86_400, lastSealed: NOW, idleTimeout: 7200, subject: 'user-1', checkedAt: NOW - 5,
      data: { cart: ['apple'], nested: { deep: [1, null, true] } }, flashes: { notice: 'saved' }, binding: 'binding', csrfSecret: 'BBBBBBBBBBBBBBBBBBBBBB',
    }
    const v1Token = factoryOf(v1())!(context())
    const jwe = factoryOf(jweFormat())!(context())
    const viaV1 = await v1Token.open(await v1Token.seal(record, NOW + 3600, NOW), NOW)
    const viaJwe = await jwe.open(await jwe.seal(record, NOW + 3600, NOW), NOW)
    expect(viaV1.ok && viaV1.record).toEqual(record)
    expect(viaJwe).toEqual(viaV1)
  })

  it('refuses a token sealed under a removed secret by its kid, without decrypting', async () => {
    const token = await realToken(context(SECRET_B))
    const decryptions = await subtleCalls(['decrypt'], async () => {
      expect(await openJwe(context(SECRET_A), token, NOW)).toEqual({ ok: false, reason: 'unknown-key' })
    })
    expect(decryptions).toBe(0)
  })

  it('refuses a token moved to another cookie name', async () => {
    const token = await realToken(context(SECRET_A, '__Host-session'))
    expect(await openJwe(context(SECRET_A, '__Host-other'), token, NOW)).toEqual({ ok: false, reason: 'decrypt' })
  })

  it('refuses every single-character change of a real token', async () => {
    const token = await realToken()
    let accepted = 0
    for (let i = 0; i < token.length; i++) {
      if (token[i] === '.') continue
      const changed = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1)
      if ((await openJwe(context(), changed, NOW)).ok) accepted++
    }
    expect(accepted).toBe(0)
  })

  it('refuses every truncation', async () => {
    const token = await realToken()
    for (let n = 0; n < token.length; n++) expect((await openJwe(context(), token.slice(0, n), NOW)).ok).toBe(false)
  })

  it('never throws, whatever it is given', async () => {
    for (const junk of ['', '.', '....', '.....', 'a.b.c.d.e', '{}', '\u0000....', 'é.é.é.é.é', 'x'.repeat(70_000), 42, null, undefined, {}]) {
      const opened = await openJwe(context(), junk as string, NOW)
      expect(opened.ok).toBe(false)
    }
  })

  it('refuses a claims set that is not a session, after decrypting it', async () => {
    const key = await rawKey(SECRET_A)
    const kid = idOf(SECRET_A)
    const header = { alg: 'dir', enc: 'A256GCM', kid }
    for (const bad of [
      claims(NOW, { jti: 'short' }),
      claims(NOW, { exp: 'soon' }),
      claims(NOW, { exp: NOW + 0.5 }),
      claims(NOW, { sub: null }),
      claims(NOW, { ss: null }),
      claims(NOW, { ss: { c: NOW, x: NOW + 60 } }),
      claims(NOW, { iat: -1 }),
      new TextEncoder().encode('[]'),
      new TextEncoder().encode('not json'),
      new Uint8Array([0xff, 0xfe]),
    ]) {
      expect(await openJwe(context(), await forge(header, bad, key), NOW)).toEqual({ ok: false, reason: 'payload' })
    }
    expect((await openJwe(context(), await forge(header, claims(NOW, { extra: 1 }), key), NOW)).ok).toBe(true)
  })

  it('enforces exp with the skew, and the lifetime window as v1 does', async () => {
    const key = await rawKey(SECRET_A)
    const header = { alg: 'dir', enc: 'A256GCM', kid: idOf(SECRET_A) }
    const at = async (payload: Uint8Array<ArrayBuffer>, now: number) => openJwe(context(), await forge(header, payload, key), now)
    expect((await at(claims(NOW), NOW + 3600 + 29)).ok).toBe(true)
    expect(await at(claims(NOW), NOW + 3600 + 30)).toEqual({ ok: false, reason: 'expired' })
    // Sealed in the future (beyond the skew), or meant to outlive the configured window.
    expect((await at(claims(NOW + 30), NOW)).ok).toBe(true)
    expect(await at(claims(NOW + 31), NOW)).toEqual({ ok: false, reason: 'stale-epoch' })
    expect((await at(claims(NOW, { exp: NOW + 86_400 }), NOW)).ok).toBe(true)
    expect(await at(claims(NOW, { exp: NOW + 86_401 }), NOW)).toEqual({ ok: false, reason: 'stale-epoch' })
  })
})
