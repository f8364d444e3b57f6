/**
 * The contenders, each used the way its own users use it. Every contender offers three
 * operations on a prepared payload:
 *
 * - seal:   JSON value → cookie-safe string
 * - unseal: that string → JSON value
 * - cycle:  one request: read the cookie from a Cookie header, open it, change one
 *           field, seal it again and produce the Set-Cookie value.
 *
 * Only Web Platform APIs and the libraries themselves: this file runs unchanged on Node,
 * Bun, Deno and workerd (bundled by esbuild there).
 */
import { EncryptJWT, jwtDecrypt } from 'jose'
import * as Iron from 'iron-webcrypto'
import { decode as authDecode, encode as authEncode } from '@auth/core/jwt'
import { createSessions, generateSecret, seal, unseal, v1 } from '../dist/index.js'
import { nextVisits } from './payloads.mjs'

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const HOUR = 3600

/** Cookies a real browser sends beside the session, so every parser has something to skip. */
const BEFORE = 'theme=dark; consent=analytics%3D0'
const AFTER = '_ga=GA1.2.1234567890.1700000000'

export function cookieHeader(name, value) {
  return `${BEFORE}; ${name}=${value}; ${AFTER}`
}

/** The linear `name=value` scan most cookie helpers do; used by every contender but sealed-session (which has its own). */
function readCookie(header, name) {
  const key = `${name}=`
  let start = 0
  while (start < header.length) {
    let end = header.indexOf(';', start)
    if (end === -1) end = header.length
    while (header.charCodeAt(start) === 32) start++
    if (header.startsWith(key, start)) return header.slice(start + key.length, end)
    start = end + 1
  }
  return undefined
}

function setCookie(name, value, maxAge) {
  return `${name}=${value}; Max-Age=${maxAge}; Path=/; Secure; HttpOnly; SameSite=Lax`
}

/**
 * Base64url for the raw baseline: the fastest the runtime has, because the baseline is
 * the floor. Native `Uint8Array.prototype.toBase64` (TC39 proposal, shipped in V8 ≥ 14,
 * JavaScriptCore, workerd), else Node's Buffer, else btoa.
 */
export const base64 = (() => {
  if (typeof Uint8Array.prototype.toBase64 === 'function' && typeof Uint8Array.fromBase64 === 'function') {
    return {
      impl: 'native Uint8Array.toBase64',
      encode: (bytes) => bytes.toBase64({ alphabet: 'base64url', omitPadding: true }),
      decode: (text) => Uint8Array.fromBase64(text, { alphabet: 'base64url' }),
    }
  }
  const NodeBuffer = globalThis.Buffer
  if (typeof NodeBuffer === 'function') {
    return {
      impl: 'Buffer',
      encode: (bytes) => NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url'),
      decode: (text) => NodeBuffer.from(text, 'base64url'),
    }
  }
  return {
    impl: 'btoa/atob',
    encode: (bytes) => {
      let binary = ''
      for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i])
      return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
    },
    decode: (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)),
  }
})()

/**
 * The runtime's synchronous `node:crypto`, reached as sealed-session reaches it
 * (`process.getBuiltinModule`), for the second floor: the bare native cipher. Present on
 * Node ≥ 20.16, Bun, Deno and workerd; where it is missing the row is left out.
 */
const NATIVE = (() => {
  try {
    const nc = globalThis.process?.getBuiltinModule?.('node:crypto')
    return typeof nc?.createCipheriv === 'function' && typeof nc.createSecretKey === 'function' ? nc : undefined
  } catch {
    return undefined
  }
})()

function randomKeyBytes() {
  return crypto.getRandomValues(new Uint8Array(32))
}

/** sealed-session: `seal()`/`unseal()` for values, `createSessions()` for the request cycle. */
async function sealedSession(secret, cipher) {
  const options = { secrets: secret, purpose: 'bench', ttl: HOUR, ...(cipher ? { cipher } : {}) }
  // First-time opens: the cache of opened tokens off, as for a token never seen before.
  const firstOptions = { ...options, tokenCache: false }
  const sessions = createSessions({ secrets: secret, format: v1(cipher ? { cipher } : {}) })
  const firstSessions = createSessions({ secrets: secret, format: v1({ tokenCache: false, ...(cipher ? { cipher } : {}) }) })
  return {
    async prepare(payload) {
      const token = await seal(payload, options)
      // The session as a browser would hold it: created by an earlier response.
      const fresh = await sessions.load('')
      for (const [key, value] of Object.entries(payload)) fresh.set(key, value)
      const first = await sessions.commit(fresh)
      const sessionToken = cookieValue(first.setCookie[0], sessions.cookieName)
      const header = cookieHeader(sessions.cookieName, sessionToken)
      return {
        token,
        sessionToken,
        seal: () => seal(payload, options),
        unseal: async () => {
          const opened = await unseal(token, firstOptions)
          if (!opened.ok) throw new Error(`sealed-session unseal failed: ${opened.reason}`)
          return opened.value
        },
        'unseal-seen': async () => {
          const opened = await unseal(token, options)
          if (!opened.ok) throw new Error(`sealed-session unseal failed: ${opened.reason}`)
          return opened.value
        },
        // A session that changes on every request brings a new cookie every time: first-time opens.
        cycle: async () => {
          const session = await firstSessions.load(header)
          session.set('visits', nextVisits(session.get('visits')))
          const commit = await firstSessions.commit(session)
          return commit.setCookie[0]
        },
        // Issue 20: load() alone of a cookie seen before (the cache on), as a read-only route does.
        'load-seen': async () => {
          const session = await sessions.load(header)
          if (session.isNew) throw new Error('sealed-session load-seen lost its session')
          return session.get('visits')
        },
        'cycle-unchanged': async () => {
          const session = await sessions.load(header)
          if (session.isNew) throw new Error('sealed-session cycle-unchanged lost its session')
          const commit = await sessions.commit(session)
          if (commit.setCookie.length !== 0) throw new Error('sealed-session cycle-unchanged wrote a cookie')
          return session.get('visits')
        },
        readBack: async (line) => {
          const session = await sessions.load(cookieHeader(sessions.cookieName, cookieValue(line, sessions.cookieName)))
          return session.isNew ? undefined : { ...session.data }
        },
        cookieName: sessions.cookieName,
      }
    },
  }
}

/** One crypto.subtle AES-256-GCM call with a cached CryptoKey, JSON and base64url: the floor. */
async function raw() {
  const key = await crypto.subtle.importKey('raw', randomKeyBytes(), 'AES-GCM', false, ['encrypt', 'decrypt'])
  const sealRaw = async (value) => {
    const plaintext = encoder.encode(JSON.stringify(value))
    const out = new Uint8Array(12 + plaintext.length + 16)
    const iv = crypto.getRandomValues(out.subarray(0, 12))
    out.set(new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, plaintext)), 12)
    return base64.encode(out)
  }
  const unsealRaw = async (token) => {
    const bytes = base64.decode(token)
    const plaintext = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.subarray(0, 12) }, key, bytes.subarray(12))
    return JSON.parse(decoder.decode(plaintext))
  }
  return simple('session', HOUR, sealRaw, unsealRaw)
}

/** The same floor through the bare native cipher: one synchronous createCipheriv/createDecipheriv with a KeyObject made once. */
async function rawNative() {
  const key = NATIVE.createSecretKey(randomKeyBytes())
  const sealRaw = (value) => {
    const plaintext = encoder.encode(JSON.stringify(value))
    const out = new Uint8Array(12 + plaintext.length + 16)
    const iv = crypto.getRandomValues(out.subarray(0, 12))
    const cipher = NATIVE.createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 })
    out.set(cipher.update(plaintext), 12)
    cipher.final()
    out.set(cipher.getAuthTag(), 12 + plaintext.length)
    return base64.encode(out)
  }
  const unsealRaw = (token) => {
    const bytes = base64.decode(token)
    const decipher = NATIVE.createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12), { authTagLength: 16 })
    decipher.setAuthTag(bytes.subarray(bytes.length - 16))
    const plaintext = decipher.update(bytes.subarray(12, bytes.length - 16))
    decipher.final()
    return JSON.parse(decoder.decode(plaintext))
  }
  return simple('session', HOUR, sealRaw, unsealRaw)
}

/**
 * jose compact JWE, `dir` + `A256GCM`, with iat/exp claims: what @hono/session does. The
 * key is imported once as a CryptoKey (@hono/session passes the HKDF output as a
 * Uint8Array, which makes jose import it again on every call: one more subtle call).
 */
async function joseJwe() {
  const key = await crypto.subtle.importKey('raw', randomKeyBytes(), 'AES-GCM', false, ['encrypt', 'decrypt'])
  const sealJwe = (value) => {
    const now = Math.floor(Date.now() / 1000)
    return new EncryptJWT(value)
      .setIssuedAt(value.iat ?? now)
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setExpirationTime(now + HOUR)
      .encrypt(key)
  }
  const unsealJwe = async (token) => (await jwtDecrypt(token, key)).payload
  return simple('sid', HOUR, sealJwe, unsealJwe)
}

/** iron-webcrypto 2 the way iron-session 8 calls it: password id "1", ttl in ms, a "~2" version suffix. */
async function iron(secret) {
  const ttl = 14 * 24 * HOUR // iron-session's default
  const ironOptions = { ...Iron.defaults, ttl: ttl * 1000 }
  const sealIron = async (value) => `${await Iron.seal(value, { id: '1', secret }, ironOptions)}~2`
  const unsealIron = async (token) => {
    const [sealWithoutVersion] = token.split('~')
    return (await Iron.unseal(sealWithoutVersion, { 1: secret }, ironOptions)) ?? {}
  }
  return simple('iron-session', ttl, sealIron, unsealIron)
}

/** Auth.js: `encode`/`decode` from @auth/core/jwt with the cookie name as salt, as Auth.js does. */
async function authJs(secret) {
  const name = '__Secure-authjs.session-token'
  const maxAge = 30 * 24 * HOUR // Auth.js's default
  const sealAuth = (value) => authEncode({ token: value, secret, salt: name, maxAge })
  const unsealAuth = (token) => authDecode({ token, secret, salt: name })
  return simple(name, maxAge, sealAuth, unsealAuth)
}

/** Wraps a seal/unseal pair into the three operations, with the shared cookie helpers. */
function simple(cookieName, maxAge, sealValue, unsealValue) {
  return {
    async prepare(payload) {
      const token = await sealValue(payload)
      const header = cookieHeader(cookieName, token)
      return {
        token,
        seal: () => sealValue(payload),
        unseal: () => unsealValue(token),
        // No cache: a token seen before costs what a new one does.
        'unseal-seen': () => unsealValue(token),
        cycle: async () => {
          const data = await unsealValue(readCookie(header, cookieName))
          data.visits = nextVisits(data.visits)
          return setCookie(cookieName, await sealValue(data), maxAge)
        },
        // Without a cache a load is the cookie read and a first-time unseal; so is an unchanged cycle.
        'load-seen': async () => (await unsealValue(readCookie(header, cookieName))).visits,
        'cycle-unchanged': async () => (await unsealValue(readCookie(header, cookieName))).visits,
        readBack: (line) => unsealValue(cookieValue(line, cookieName)),
        cookieName,
      }
    },
  }
}

/** The value of a Set-Cookie line (`name=value; attributes`). */
export function cookieValue(line, name) {
  const end = line.indexOf(';')
  return line.slice(name.length + 1, end === -1 ? line.length : end)
}

/** Contender ids in table order; 'sealed-session' is the reference for ratios. */
export const CONTENDERS = [
  { id: 'sealed-session', label: 'sealed-session' },
  { id: 'raw', label: 'raw AES-GCM (floor)' },
  ...(NATIVE ? [{ id: 'native', label: 'bare native cipher (floor)' }] : []),
  { id: 'jose', label: 'jose JWE dir+A256GCM' },
  { id: 'iron', label: 'iron-webcrypto (iron-session)' },
  { id: 'authjs', label: 'Auth.js encode/decode' },
]
export const OPERATIONS = ['seal', 'unseal', 'unseal-seen', 'load-seen', 'cycle', 'cycle-unchanged']
/** The operations of the first benchmark, run by every contender (and by the no-cipher pass). */
export const CORE_OPERATIONS = ['seal', 'unseal', 'cycle']
/** Issue 15's and 20's reuse operations: only sealed-session has a cache, so only the floors run beside it. */
const FLOOR_IDS = ['sealed-session', 'raw', 'native']

/** The contenders timed for one operation. */
export function contendersFor(op) {
  return CORE_OPERATIONS.includes(op) ? CONTENDERS : CONTENDERS.filter((c) => FLOOR_IDS.includes(c.id))
}

/**
 * Builds every contender with fresh secrets. Call inside a request on workerd (no crypto at
 * global scope). `cipher` is passed to sealed-session ('webcrypto' for the no-cipher pass,
 * whose stub replaces only Web Crypto).
 */
export async function makeContenders({ cipher } = {}) {
  const secret = generateSecret()
  return {
    'sealed-session': await sealedSession(secret, cipher),
    raw: await raw(),
    ...(NATIVE ? { native: await rawNative() } : {}),
    jose: await joseJwe(),
    iron: await iron(secret),
    authjs: await authJs(secret),
  }
}

/** Proves a prepared contender round-trips the payload before anything is timed. */
export async function verifyPrepared(id, prepared, payload) {
  const same = (value, what) => {
    if (value === undefined || value === null || value.note !== payload.note || JSON.stringify(value.cart) !== JSON.stringify(payload.cart)) {
      throw new Error(`${id}: ${what} did not round-trip the payload`)
    }
  }
  same(await prepared.unseal(), 'unseal')
  const line = await prepared.cycle()
  const back = await prepared.readBack(line)
  same(back, 'cycle')
  if (back.visits !== nextVisits(payload.visits)) throw new Error(`${id}: cycle did not change visits`)
  return line
}

