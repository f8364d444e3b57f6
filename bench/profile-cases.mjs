/**
 * Where sealed-session's time goes: each step of seal(), unseal() and a request cycle,
 * timed alone, beside the platform primitives the raw baseline uses. Imports the built
 * library's internal modules (dist/…); diagnostic only, not part of the public API, so
 * these imports follow whatever src/ is at the time.
 */
import { createSessions, generateSecret, seal, unseal } from '../dist/index.js'
import { decodeBase64url, encodeBase64url } from '../dist/format/base64url.js'
import { epochKey } from '../dist/keys/ring.js'
import { makeCodec } from '../dist/keys/codec.js'
import { normalizeSecrets } from '../dist/keys/secrets.js'
import { decodeEnvelope, freezeRecord, thawRecord } from '../dist/session/envelope.js'
import { factoryOf, v1 } from '../dist/session/format.js'
import { headersOf } from '../dist/engine/request.js'
import { readCookies } from '../dist/cookie/parse.js'
import { resolveCookie } from '../dist/cookie/options.js'
import { cookieHeader, cookieValue } from './contenders.mjs'
import { makePayload, nextVisits } from './payloads.mjs'

const encoder = new TextEncoder()
const fatalDecoder = new TextDecoder('utf-8', { fatal: true })
const asciiDecoder = new TextDecoder()
const ALPHABET = encoder.encode('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')

/**
 * A candidate replacement, for comparison only: the same base64url written as ASCII
 * bytes into a Uint8Array and turned into a string by one TextDecoder call, instead of
 * ~n/3 string concatenations.
 */
export function encodeBase64urlViaBytes(bytes) {
  const n = bytes.length
  const full = n - (n % 3)
  const out = new Uint8Array(Math.ceil((n * 4) / 3))
  let o = 0
  for (let i = 0; i < full; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2]
    out[o++] = ALPHABET[v >> 18]
    out[o++] = ALPHABET[(v >> 12) & 63]
    out[o++] = ALPHABET[(v >> 6) & 63]
    out[o++] = ALPHABET[v & 63]
  }
  if (n - full === 1) {
    const v = bytes[full]
    out[o++] = ALPHABET[v >> 2]
    out[o++] = ALPHABET[(v & 3) << 4]
  } else if (n - full === 2) {
    const v = (bytes[full] << 8) | bytes[full + 1]
    out[o++] = ALPHABET[v >> 10]
    out[o++] = ALPHABET[(v >> 4) & 63]
    out[o++] = ALPHABET[(v & 15) << 2]
  }
  return asciiDecoder.decode(out)
}

async function noop() {}

/** Each case: [id, what it is (file/function), fn]. Cases the runtime lacks are left out. */
export async function profileCases(bytes) {
  const secret = generateSecret()
  const options = { secrets: secret, purpose: 'bench', ttl: 3600 }
  const payload = makePayload(bytes)
  const json = JSON.stringify(payload)
  const plaintext = encoder.encode(json)
  const token = await seal(payload, options)
  const tokenBytes = decodeBase64url(token)
  if (encodeBase64urlViaBytes(tokenBytes) !== token) throw new Error('profile: encodeBase64urlViaBytes disagrees with encodeBase64url')
  const key = await crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(32)), 'AES-GCM', false, ['encrypt', 'decrypt'])
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, plaintext)
  const normalized = normalizeSecrets(secret)
  const epoch = Math.floor(Date.now() / 1000 / 3600)
  await epochKey(normalized[0], 'value:bench', 3600, epoch)

  const sessions = createSessions({ secrets: secret })
  const fresh = await sessions.load('')
  for (const [k, v] of Object.entries(payload)) fresh.set(k, v)
  const sessionToken = cookieValue((await sessions.commit(fresh)).setCookie[0], sessions.cookieName)
  const header = cookieHeader(sessions.cookieName, sessionToken)
  const resolvedCookie = resolveCookie({})
  const opened = await unseal(token, options)
  if (!opened.ok) throw new Error('profile: unseal failed')
  // The session plaintext, to time decodeEnvelope alone.
  const sessionPlain = encoder.encode(JSON.stringify({ i: 'AAAAAAAAAAAAAAAAAAAAAA', c: 1, x: 2, a: 1, d: payload }))
  // The unchanged cycle's parts: a session loaded from the cache, committed with nothing to write.
  const loaded = await sessions.load(header)
  if (loaded.isNew) throw new Error('profile: the session did not load')
  const format = factoryOf(v1())({ secrets: normalized, purpose: sessions.cookieName, maxAgeLimit: 400 * 86400, clockSkew: 30 })
  const nowS = Math.floor(Date.now() / 1000)
  for (let i = 0; i < 3; i++) if (!(await format.open(sessionToken, nowS)).ok) throw new Error('profile: the format did not open the token')
  const frozen = decodeEnvelope(sessionPlain)
  freezeRecord(frozen)
  const request = new Request('https://example.com/', { headers: { cookie: header } })

  const hasNative = typeof Uint8Array.prototype.toBase64 === 'function'
  const NodeBuffer = typeof globalThis.Buffer === 'function' ? globalThis.Buffer : undefined

  const cases = [
    ['seal()', 'src/seal.ts seal: everything', () => seal(payload, options)],
    ['  AES-GCM encrypt', 'one crypto.subtle.encrypt, cached key', () => crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, plaintext)],
    ['  JSON.stringify + encode', 'JSON.stringify + TextEncoder.encode', () => encoder.encode(JSON.stringify(payload))],
    ['  codecOf', 'src/seal.ts codecOf: normalizeSecrets + makeCodec, per call', () => makeCodec(normalizeSecrets(options.secrets), 'value:bench', 3600, 3600, 30)],
    ['  epochKey (cached)', 'src/keys/ring.ts epochKey, cache hit', () => epochKey(normalized[0], 'value:bench', 3600, epoch)],
    ['  encodeBase64url', 'src/format/base64url.ts encodeBase64url', () => encodeBase64url(tokenBytes)],
    ['  alt: via bytes + TextDecoder', 'candidate: base64url into a Uint8Array, one TextDecoder call', () => encodeBase64urlViaBytes(tokenBytes)],
    hasNative && ['  native toBase64', 'Uint8Array.prototype.toBase64 (what raw uses here)', () => tokenBytes.toBase64({ alphabet: 'base64url', omitPadding: true })],
    !hasNative && NodeBuffer && ['  Buffer base64url', "Buffer#toString('base64url') (what raw uses here)", () => NodeBuffer.from(tokenBytes.buffer, tokenBytes.byteOffset, tokenBytes.length).toString('base64url')],
    ['unseal()', 'src/seal.ts unseal: everything', () => unseal(token, options)],
    ['  AES-GCM decrypt', 'one crypto.subtle.decrypt, cached key', () => crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, ciphertext)],
    ['  decodeBase64url', 'src/format/base64url.ts decodeBase64url', () => decodeBase64url(token)],
    hasNative && ['  native fromBase64', 'Uint8Array.fromBase64 (what raw uses here)', () => Uint8Array.fromBase64(token, { alphabet: 'base64url' })],
    !hasNative && NodeBuffer && ['  Buffer from base64url', "Buffer.from(s, 'base64url') (what raw uses here)", () => NodeBuffer.from(token, 'base64url')],
    ['  decode + JSON.parse', 'TextDecoder(fatal).decode + JSON.parse', () => JSON.parse(fatalDecoder.decode(plaintext))],
    ['cycle', 'load → set → commit', async () => {
      const s = await sessions.load(header)
      s.set('visits', nextVisits(s.get('visits')))
      return sessions.commit(s)
    }],
    ['  load', 'src/engine/engine.ts load, a cookie seen before (token cache on)', () => sessions.load(header)],
    ['  readCookies', 'src/cookie/parse.ts readCookies', () => readCookies(header, resolvedCookie)],
    ['  decodeEnvelope', 'src/session/envelope.ts decodeEnvelope (decode + parse + checks)', () => decodeEnvelope(sessionPlain)],
    ['cycle, unchanged', 'load → commit with nothing to write (token cache on)', async () => sessions.commit(await sessions.load(header))],
    ['  load(Request)', 'load from a Request (its Headers) instead of the header text', () => sessions.load(request)],
    ['  commit, nothing to write', 'src/engine/engine.ts commit of a session loaded before', () => sessions.commit(loaded)],
    ['  format.open (cached)', 'src/session/format.ts v1 open: cache hit, header checks, thawRecord', () => format.open(sessionToken, nowS)],
    ['  thawRecord', 'src/session/envelope.ts thawRecord: the session\'s copy of a cached record', () => thawRecord(frozen)],
    ['  headersOf + get', 'src/engine/request.ts headersOf, then the cookie header read through it', () => headersOf(request).get('cookie')],
    ['  await (resolved)', 'one await of an async function that returns at once', async () => { await noop() }],
  ].filter(Boolean)
  return cases.map(([id, what, fn]) => ({ id, what, fn }))
}
