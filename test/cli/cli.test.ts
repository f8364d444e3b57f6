import { describe, expect, it } from 'vitest'
import { CompactEncrypt } from 'jose'
import { createSessions, seal, sealedSize, v1, type Json, type Secrets } from '../../src/index.js'
import { jweFormat } from '../../src/jwe/index.js'
import { normalizeSecrets } from '../../src/keys/secrets.js'
import { Clock, SECRET_A, SECRET_B, tokenOf } from '../support/index.js'
import { claims, rawKey } from '../jwe/forge.js'
import { cli } from './run.js'

const clock = new Clock()
const NOW = clock.seconds
const AT = ['--at', String(NOW)]
const ID_A = normalizeSecrets(SECRET_A)[0]!.id
const ENV = { SESSION_SECRETS: SECRET_A }

/** A session cookie token sealed at the test clock's time, in v1 or JWE. */
async function sessionToken(format?: ReturnType<typeof jweFormat>, secrets: Secrets = SECRET_A): Promise<string> {
  const sessions = createSessions({ secrets, clock: { now: clock.now }, lifetime: { idleTimeout: 3600 }, ...(format && { format }) })
  const s = await sessions.load(null)
  s.set('cart', ['apple'])
  await s.login('user-1')
  return tokenOf(await sessions.commit(s))
}

function noSecretIn(...texts: string[]): void {
  for (const text of texts) {
    expect(text).not.toContain(SECRET_A)
    expect(text).not.toContain(SECRET_B)
  }
}

describe('sealed-session secret', () => {
  it('prints a new 43-character base64url secret each time', async () => {
    const [a, b] = await Promise.all([cli(['secret']), cli(['secret'])])
    expect(a.code).toBe(0)
    expect(a.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/)
    expect(a.stdout).not.toBe(b.stdout)
    const json = await cli(['secret', '--json'])
    expect(JSON.parse(json.stdout).secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })
})

describe('usage', () => {
  it('prints help with exit 0, and usage with exit 2 when no command is given', async () => {
    const help = await cli(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: sealed-session <command>')
    const none = await cli([])
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('Usage: sealed-session <command>')
  })

  it('exits 2 for an unknown command, an unknown option or a bad number', async () => {
    for (const args of [['frobnicate'], ['inspect', 'x', '--bogus'], ['open', 'x', '--secret-env', 'SESSION_SECRETS', '--max-age-limit', '1h'], ['open', 'x', '--secret-env', 'SESSION_SECRETS', '--max-age', '60'], ['inspect', 'a', 'b']]) {
      const ran = await cli(args, { env: ENV })
      expect(ran.code, args.join(' ')).toBe(2)
      expect(ran.stderr).toMatch(/^sealed-session: /)
    }
  })

  it('names the new flag for 0.1\'s --max-age (one name per concept: maxAgeLimit)', async () => {
    const ran = await cli(['open', 'x', '--secret-env', 'SESSION_SECRETS', '--max-age', '60'], { env: ENV })
    expect([ran.code, ran.stderr]).toEqual([2, expect.stringContaining('--max-age is now --max-age-limit')])
  })

  it('refuses a secret on the command line without echoing it', async () => {
    const ran = await cli(['open', 'x', `--secret=${SECRET_A}`])
    expect(ran.code).toBe(2)
    expect(ran.stderr).toContain('--secret-env NAME')
    noSecretIn(ran.stdout, ran.stderr)
  })
})

describe('sealed-session inspect', () => {
  it('prints a v1 header without a secret: version, key id, epoch, expiry, size', async () => {
    const token = await sessionToken()
    const ran = await cli(['inspect', token, ...AT])
    expect(ran.code).toBe(0)
    expect(ran.stdout).toContain(`key id   ${ID_A}\n`)
    expect(ran.stdout).toContain(`epoch    ${Math.floor(NOW / 3600)} (sealed 2026-11-22T12:00:00Z to 2026-11-22T13:00:00Z`)
    expect(ran.stdout).toContain('expires  2026-11-22T13:00:00Z (in 1 h 0 min)\n')
    expect(ran.stdout).toContain(`size     ${token.length} characters`)
    const json = JSON.parse((await cli(['inspect', token, '--json', ...AT])).stdout)
    expect(json).toMatchObject({ format: 'v1', version: 1, keyId: ID_A, epoch: Math.floor(NOW / 3600), expiresAt: NOW + 3600, expired: false, length: token.length })
  })

  it('reads a pasted cookie, and standard input for -', async () => {
    const token = await sessionToken()
    const pasted = await cli(['inspect', `__Host-session=${token}; Path=/`, '--json', ...AT])
    expect(JSON.parse(pasted.stdout).length).toBe(token.length)
    const piped = await cli(['inspect', '-', '--json', ...AT], { input: `${token}\n` })
    expect(JSON.parse(piped.stdout).keyId).toBe(ID_A)
  })

  it('reads the token from standard input when no token argument is given', async () => {
    const token = await sessionToken()
    const piped = await cli(['inspect', '--json', ...AT], { input: `${token}\n` })
    expect(piped.code).toBe(0)
    expect(JSON.parse(piped.stdout)).toMatchObject({ keyId: ID_A, length: token.length })
    const crlf = await cli(['inspect', '-', '--json', ...AT], { input: `${token}\r\n` })
    expect(JSON.parse(crlf.stdout).length).toBe(token.length)
  })

  it('trims one trailing newline from standard input, and refuses more than one line', async () => {
    const token = await sessionToken()
    const ran = await cli(['inspect', '-', ...AT], { input: `${token}\n${token}\n` })
    expect(ran.code).toBe(2)
    expect(ran.stderr).toContain('standard input holds more than one line')
    expect(ran.stderr).not.toContain(token)
    const blank = await cli(['inspect', '-', ...AT], { input: `${token}\n\n` })
    expect(blank.code).toBe(2)
  })

  it('refuses standard input over 64 KiB with a clear error, without reading it all', async () => {
    const ran = await cli(['inspect', '-'], { input: 'A'.repeat(64 * 1024 + 1) })
    expect(ran.code).toBe(2)
    expect(ran.stderr).toContain('standard input is larger than 64 KiB')
    const huge = await cli(['inspect'], { input: 'A'.repeat(8 * 1024 * 1024) })
    expect(huge.code).toBe(2)
    expect(huge.stderr).toContain('larger than 64 KiB')
    const empty = await cli(['inspect', '-'], { input: '' })
    expect(empty.code).toBe(2)
    expect(empty.stderr).toContain('the token is empty')
  })

  it('says when a v1 token has expired', async () => {
    const token = await sessionToken()
    const json = JSON.parse((await cli(['inspect', token, '--json', '--at', String(NOW + 7200)])).stdout)
    expect(json.expired).toBe(true)
  })

  it('prints the protected header of a JWE', async () => {
    const token = await sessionToken(jweFormat())
    const ran = await cli(['inspect', token])
    expect(ran.code).toBe(0)
    expect(ran.stdout).toContain(`header   {"alg":"dir","enc":"A256GCM","kid":"${ID_A}"}`)
    expect(JSON.parse((await cli(['inspect', token, '--json'])).stdout)).toMatchObject({ format: 'jwe', keyId: ID_A, length: token.length })
  })

  it('exits 1 for a JWE header sealed-session refuses, naming the member', async () => {
    const token = await new CompactEncrypt(claims(NOW))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: String(ID_A), jku: 'https://attacker.example/keys' })
      .encrypt(await rawKey(SECRET_A))
    const ran = await cli(['inspect', token])
    expect(ran.code).toBe(1)
    expect(ran.stderr).toBe('refused (version): header member "jku" is not accepted (only alg, enc and kid are)\n')
    const json = JSON.parse((await cli(['inspect', token, '--json'])).stdout)
    expect(json).toMatchObject({ format: 'jwe', header: { jku: 'https://attacker.example/keys' }, refused: { reason: 'version' } })
  })

  it('exits 1 for something that is not a token', async () => {
    for (const junk of ['AAAA', 'not base64!', 'AgAA' + 'A'.repeat(60), 'a.b.c']) {
      const ran = await cli(['inspect', junk])
      expect(ran.code, junk).toBe(1)
      expect(ran.stderr).toMatch(/^refused \((malformed|version)\): /)
    }
  })
})

describe('sealed-session open', () => {
  it('decrypts a v1 session with the secret from the environment, and prints its expiry', async () => {
    const token = await sessionToken()
    const ran = await cli(['open', token, '--secret-env', 'SESSION_SECRETS', ...AT], { env: ENV })
    expect(ran.code).toBe(0)
    expect(ran.stdout).toContain('expires  2026-11-22T13:00:00Z (in 1 h 0 min)\n')
    expect(ran.stdout).toContain('"cart": [')
    noSecretIn(ran.stdout, ran.stderr)
    const json = JSON.parse((await cli(['open', '-', '--secret-env', 'SESSION_SECRETS', '--json', ...AT], { env: ENV, input: token })).stdout)
    expect(json).toMatchObject({ format: 'v1', keyId: ID_A, expiresAt: NOW + 3600, payload: { s: 'user-1', d: { cart: ['apple'] } } })
  })

  it('decrypts a JWE session to its claims', async () => {
    const token = await sessionToken(jweFormat())
    const ran = await cli(['open', token, '--secret-env', 'SESSION_SECRETS', '--json', ...AT], { env: ENV })
    expect(ran.code).toBe(0)
    expect(JSON.parse(ran.stdout)).toMatchObject({ format: 'jwe', keyId: ID_A, expiresAt: NOW + 3600, payload: { sub: 'user-1', exp: NOW + 3600, ss: { d: { cart: ['apple'] } } } })
  })

  it('opens a seal() value with --purpose', async () => {
    const value: Json = { email: 'ada@example.com' }
    const token = await seal(value, { secrets: SECRET_A, purpose: 'sign-in-link', ttl: 900, now: clock.now })
    const ran = await cli(['open', token, '--secret-env', 'SESSION_SECRETS', '--purpose', 'sign-in-link', '--json', ...AT], { env: ENV })
    expect(JSON.parse(ran.stdout)).toMatchObject({ format: 'v1', payload: value, expiresAt: NOW + 900 })
    const asSession = await cli(['open', token, '--secret-env', 'SESSION_SECRETS', ...AT], { env: ENV })
    expect(asSession.code).toBe(1)
    expect(asSession.stderr).toMatch(/^refused \(decrypt\): /)
  })

  it('reads secrets as a JSON list with explicit ids', async () => {
    const explicit = await sessionToken(undefined, [{ id: 9, secret: SECRET_A }])
    const json = JSON.stringify([{ id: 9, secret: SECRET_A }, { id: 8, secret: SECRET_B }])
    const ran = await cli(['open', explicit, '--secret-env', 'S', '--json', ...AT], { env: { S: json } })
    expect(JSON.parse(ran.stdout).keyId).toBe(9)
  })

  it('applies the library rule to the variable: "new old" and "new,old" both open a token sealed with the old secret', async () => {
    // The CLI passes the string to the library unchanged (issue 16 item 2: one rule everywhere).
    const old = await sessionToken(undefined, SECRET_B)
    for (const S of [`${SECRET_A} ${SECRET_B}`, `${SECRET_A},${SECRET_B}`]) {
      const ran = await cli(['open', '-', '--secret-env', 'S', '--json', ...AT], { env: { S }, input: old })
      expect(ran.code, JSON.stringify(S.replaceAll(SECRET_A, 'A').replaceAll(SECRET_B, 'B'))).toBe(0)
      expect(JSON.parse(ran.stdout)).toMatchObject({ payload: { s: 'user-1' } })
      noSecretIn(ran.stdout, ran.stderr)
    }
    const listInList = await cli(['open', '-', '--secret-env', 'S', ...AT], { env: { S: JSON.stringify([`${SECRET_A},${SECRET_B}`]) }, input: old })
    expect(listInList.code).toBe(2)
    expect(listInList.stderr).toMatch(/^sealed-session: S: /)
    noSecretIn(listInList.stdout, listInList.stderr)
  })

  it('exits 2 with a clear message when the environment variable is missing, empty or not a secret', async () => {
    const token = await sessionToken()
    for (const env of [{}, { SESSION_SECRETS: '' }, { SESSION_SECRETS: '  ' }] as Record<string, string>[]) {
      const ran = await cli(['open', token, '--secret-env', 'SESSION_SECRETS'], { env })
      expect(ran.code).toBe(2)
      expect(ran.stderr).toContain('the environment variable SESSION_SECRETS is not set or is empty')
    }
    const short = await cli(['open', token, '--secret-env', 'S'], { env: { S: 'hunter2-too-short' } })
    expect(short.code).toBe(2)
    expect(short.stderr).toContain('at least 32 characters')
    expect(short.stderr).not.toContain('hunter2')
    expect((await cli(['open', token])).stderr).toContain('open needs --secret-env NAME')
  })

  it('opens a pasted development cookie (session=TOKEN) for the name it was pasted with', async () => {
    const sessions = createSessions({ secrets: SECRET_A, clock: { now: clock.now }, lifetime: { idleTimeout: 3600 }, cookie: { name: 'session', secure: false } })
    const s = await sessions.load(null)
    await s.login('dev-user')
    const setCookie = (await sessions.commit(s)).setCookie[0]!
    expect(setCookie).toMatch(/^session=/)
    for (const pasted of [setCookie.split(';')[0]!, setCookie]) {
      const opened = await cli(['open', '--secret-env', 'SESSION_SECRETS', '--json', ...AT], { env: ENV, input: `${pasted}\n` })
      expect(opened.code).toBe(0)
      expect(JSON.parse(opened.stdout).payload).toMatchObject({ s: 'dev-user' })
    }
    // The bare token still opens as __Host-session (refused here), or as --cookie says.
    const bare = setCookie.slice('session='.length).split(';')[0]!
    expect((await cli(['open', bare, '--secret-env', 'SESSION_SECRETS', ...AT], { env: ENV })).stderr).toMatch(/^refused \(decrypt\): /)
    expect((await cli(['open', bare, '--secret-env', 'SESSION_SECRETS', '--cookie', 'session', ...AT], { env: ENV })).code).toBe(0)
    // A pasted name and a different --cookie contradict each other: a usage error, not a guess.
    const both = await cli(['open', '--secret-env', 'SESSION_SECRETS', '--cookie', '__Host-session', ...AT], { env: ENV, input: setCookie })
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('the pasted cookie is named session, but --cookie says __Host-session')
  })

  it('exits 1 for a token sealed under another secret, for another cookie, or expired', async () => {
    const token = await sessionToken()
    const other = await cli(['open', token, '--secret-env', 'S', ...AT], { env: { S: SECRET_B } })
    expect(other.code).toBe(1)
    expect(other.stderr).toMatch(/^refused \(unknown-key\): /)
    noSecretIn(other.stdout, other.stderr)
    const cookie = await cli(['open', token, '--secret-env', 'SESSION_SECRETS', '--cookie', 'sid', ...AT], { env: ENV })
    expect(cookie.stderr).toMatch(/^refused \(decrypt\): /)
    const late = await cli(['open', token, '--secret-env', 'SESSION_SECRETS', '--at', String(NOW + 3600 + 30)], { env: ENV })
    expect(late.code).toBe(1)
    expect(late.stderr).toMatch(/^refused \(expired\): .*--at/)
    const json = await cli(['open', token, '--secret-env', 'S', '--json', ...AT], { env: { S: SECRET_B } })
    expect(JSON.parse(json.stdout)).toMatchObject({ refused: { reason: 'unknown-key' } })
  })
})

describe('sealed-session size', () => {
  /** The data that exactly fills the anonymous budget docs/SIZE.md states for one __Host-session cookie: 2,943 bytes of JSON. */
  const full = (extra = 0) => JSON.stringify({ v: 'a'.repeat(2943 - 8 + extra) })

  it('prints the sealed size of a JSON file, the limit and the room left, needing no secret', async () => {
    const ran = await cli(['size', '-', '--json'], { input: JSON.stringify({ cart: ['apple', 'pear'], theme: 'dark' }) })
    expect(ran.code).toBe(0)
    const out = JSON.parse(ran.stdout)
    expect(out).toMatchObject({ cookie: '__Host-session', maxChunks: 1, compress: false, samples: 1, dataBytes: 40, limit: 4096, fits: true, roomFor: 'any data', cookies: 1 })
    // The page's budget: the data and the room add up to 2,943 bytes of data JSON.
    expect(out.dataBytes + out.room).toBe(2943)
    expect(out.size).toBeGreaterThan(200)
  })

  it('agrees with commit(): data at the budget fits with no room, one byte more does not (exit 1)', async () => {
    const atBudget = await cli(['size', '--json'], { input: full() })
    expect([atBudget.code, JSON.parse(atBudget.stdout)]).toEqual([0, expect.objectContaining({ fits: true, room: 0, size: expect.any(Number) })])
    const over = await cli(['size'], { input: full(1) })
    expect(over.code).toBe(1)
    expect(over.stdout).toMatch(/^over +1 bytes too large: commit\(\) would throw SessionTooLargeError$/m)
  })

  it('reads a file, and follows --cookie and --max-chunks', async () => {
    const file = decodeURIComponent(new URL('./session-data.json', import.meta.url).pathname)
    const fromFile = await cli(['size', file, '--cookie', 'session', '--max-chunks', '2'])
    expect(fromFile.code).toBe(0)
    expect(fromFile.stdout).toContain('cookie  session (maxChunks 2)\n')
    expect(fromFile.stdout).toContain('data    40 bytes of JSON\n')
    expect(fromFile.stdout).toContain('limit   8192 bytes')
    const chunked = await cli(['size', '-', '--cookie', 'session', '--max-chunks', '2'], { input: full(10) })
    expect(chunked.stdout).toMatch(/^sealed +\d+ bytes in 2 cookies/m)
  })

  /** 3,900 bytes of cart JSON: past one cookie uncompressed. */
  const cart = { cart: Array.from({ length: 400 }, (_, i) => `sku-${i}`) }

  it('--compress seals as v1({ compress: true }): a cart too large uncompressed fits, measured as the largest of 8 seals', async () => {
    const plain = await cli(['size', '--json'], { input: JSON.stringify(cart) })
    expect([plain.code, JSON.parse(plain.stdout)]).toEqual([1, expect.objectContaining({ compress: false, fits: false, dataBytes: 3900 })])
    const ran = await cli(['size', '--compress', '--json'], { input: JSON.stringify(cart) })
    expect(ran.code).toBe(0)
    const out = JSON.parse(ran.stdout)
    expect(out).toMatchObject({ compress: true, samples: 8, dataBytes: 3900, fits: true, cookies: 1, roomFor: 'random base64url text' })
    expect(out.size).toBeLessThan(1400)
    // The library agrees within the spread the random session id makes (docs/SIZE.md).
    expect(Math.abs(out.size - (await sealedSize(cart, { format: v1({ compress: true }) })).size)).toBeLessThan(30)
    const text = await cli(['size', '--compress'], { input: JSON.stringify(cart) })
    expect(text.stdout).toMatch(/^format +v1\(\{ compress: true \}\): the size depends on what the data holds$/m)
    expect(text.stdout).toMatch(/^sealed +\d+ bytes in 1 cookie \(name and value, as browsers count; the largest of 8 seals\)$/m)
    expect(text.stdout).toMatch(/^room +\d+ more bytes of data JSON fit as random base64url text \(ids, tokens\); repetitive data fits more$/m)
  })

  it('--compress measures the room: random text of that many bytes fits, 3% more does not, and it is not the uncompressed room', async () => {
    const data = { cart: ['apple', 'pear'], theme: 'dark' }
    const plain = JSON.parse((await cli(['size', '--json'], { input: JSON.stringify(data) })).stdout)
    const ran = JSON.parse((await cli(['size', '--compress', '--json'], { input: JSON.stringify(data) })).stdout)
    // Random base64url text of our own (not the CLI's filler), `bytes` more bytes of data JSON: `,"_":"…"`.
    const random = crypto.getRandomValues(new Uint8Array(ran.room))
    const text = Array.from(random, (byte) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[byte % 64]).join('')
    const withMore = (bytes: number) => ({ ...data, _: text.slice(0, bytes - 7) })
    const compressed = { format: v1({ compress: true }) }
    expect((await sealedSize(withMore(Math.floor(ran.room * 0.97)), compressed)).fits).toBe(true)
    expect((await sealedSize(withMore(Math.ceil(ran.room * 1.03)), compressed)).fits).toBe(false)
    // Random text compresses to 6 bits a character: about a third more fits than uncompressed.
    expect(ran.room).toBeGreaterThan(plain.room * 1.2)
  })

  it('exits 2 for data that is not a JSON object, a missing file or a bad --max-chunks, and for --compress with another command', async () => {
    for (const [args, input] of [[['size'], '[1]'], [['size'], 'not json'], [['size', '/nonexistent/session.json'], ''], [['size', '--max-chunks', '5'], '{}'], [['inspect', '--compress'], 'x']] as const) {
      const ran = await cli(args, { input })
      expect(ran.code, args.join(' ')).toBe(2)
      expect(ran.stderr).toMatch(/^sealed-session: /)
    }
  })
})
