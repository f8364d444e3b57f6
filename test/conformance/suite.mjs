// The conformance suite: one plain ES module that Deno, Bun and Node run directly against
// the built package (dist/), as a user's code would import it. It checks the core
// behaviours with an injected clock, then serves the Hono middleware with the runtime's
// own HTTP server on 127.0.0.1 and drives it with fetch.
//
//   deno run --node-modules-dir=manual --no-lock --allow-net=127.0.0.1 --allow-read --allow-env test/conformance/suite.mjs
//   bun test/conformance/suite.mjs
//   node test/conformance/suite.mjs
//
// Prints one line per check and ends with `N passed, M failed`; exits 1 on any failure.
import { Hono } from 'hono'
import { applyCommit, createSessions, seal, SessionTooLargeError, unseal, v1 } from '../../dist/index.js'
import { session } from '../../dist/hono/index.js'
import { nativeCrypto } from '../../dist/format/cipher.js'
import { sealToken, sealTokenNative } from '../../dist/format/token.js'
import { makeCodec, openString, sealString, tokenDecryptions } from '../../dist/keys/codec.js'
import { epochKey, nativeEpochKey } from '../../dist/keys/ring.js'
import { normalizeSecrets } from '../../dist/keys/secrets.js'
import { cookieHeader, tokenOf } from '../support/jar.mjs'
import { RUNTIME_HAS_NATIVE_BASE64, nativeCalls, withBase64Path } from '../support/native-base64.mjs'
import { assert, createSuite, deepEqual, equal, finish } from '../support/runner.mjs'
import vectors from '../vectors/v1.json' with { type: 'json' }

const SECRET_A = 'k3Jz0q2p9QmV8uYc1tXwE4rB7nL5sH6dF0gA2iK9oPz'
const SECRET_B = 'Zq8wX1cV4bN7mL0kJ3hG6fD9sA2pO5iU8yT1rE4wQ7e'
const START = Date.UTC(2026, 10, 22, 12, 0, 0)
const HOUR = 3600

const runtime =
  typeof globalThis.Deno !== 'undefined'
    ? { name: 'deno', version: globalThis.Deno.version.deno, server: 'Deno.serve' }
    : typeof globalThis.Bun !== 'undefined'
      ? { name: 'bun', version: globalThis.Bun.version, server: 'Bun.serve' }
      : { name: 'node', version: globalThis.process.versions.node, server: 'node:http' }

// ---------------------------------------------------------------- the shared harness

const label = `[${runtime.name} ${runtime.version}]`
const suite = createSuite({ label, timeoutMs: 30_000 })
const check = suite.test

/** A clock the checks move by hand; sessions read it through the `now` option. */
function clock(start = START) {
  const c = { ms: start, now: () => c.ms, advance: (seconds) => void (c.ms += seconds * 1000) }
  return c
}

function engine({ clock: time = clock(), ...options } = {}) {
  const events = []
  const sessions = createSessions({ secrets: SECRET_A, clock: { now: time.now }, onEvent: (e) => events.push(e), ...options })
  return { sessions, clock: time, events }
}

/** The Cookie header a browser sends after applying `commit` (Max-Age=0 removes). */
const browserCookie = cookieHeader

async function signedIn(e, data = { cart: ['apple'] }) {
  const s = await e.sessions.load(null)
  for (const [k, v] of Object.entries(data)) s.set(k, v)
  await s.login('user-1')
  return { session: s, commit: await e.sessions.commit(s) }
}

// ---------------------------------------------------------------- core behaviour

check('round-trips data, unicode and the subject through the cookie', async () => {
  const e = engine()
  const { session: first, commit } = await signedIn(e, { cart: ['äpfel', '🍐', '梨'], note: '' })
  assert(/^__Host-session=[A-Za-z0-9_-]+; Max-Age=86400; Path=\/; Secure; HttpOnly; SameSite=Lax$/.test(commit.setCookie[0]), `Set-Cookie ${commit.setCookie[0]}`)
  deepEqual(commit.headers, [['Cache-Control', 'no-store'], ['Vary', 'Cookie']], 'commit headers')
  const second = await e.sessions.load(new Request('https://example.com/', { headers: { cookie: browserCookie(commit) } }))
  equal(second.isNew, false, 'isNew')
  equal(second.subject, 'user-1', 'subject')
  equal(second.id, first.id, 'id')
  deepEqual(second.data, { cart: ['äpfel', '🍐', '梨'], note: '' }, 'data')
})

check('sets no cookie for an unchanged session', async () => {
  const e = engine()
  const { commit } = await signedIn(e)
  const again = await e.sessions.load(browserCookie(commit))
  deepEqual(await e.sessions.commit(again), { cookies: [], setCookie: [], headers: [] }, 'commit')
})

check('applyCommit merges Set-Cookie, Cache-Control and Vary into a Response', async () => {
  const e = engine()
  const { commit } = await signedIn(e)
  const response = new Response('ok', { headers: { 'Cache-Control': 'private', Vary: 'Accept-Encoding', 'Set-Cookie': 'theme=dark' } })
  applyCommit(response.headers, commit)
  equal(response.headers.getSetCookie().length, 2, 'Set-Cookie count')
  equal(response.headers.get('cache-control'), 'private, no-store', 'Cache-Control')
  equal(response.headers.get('vary'), 'Accept-Encoding, Cookie', 'Vary')
})

check('refuses a token with one character changed, and says why only in an event', async () => {
  const e = engine()
  const { commit } = await signedIn(e)
  const token = tokenOf(commit)
  for (const at of [0, 12, Math.floor(token.length / 2), token.length - 1]) {
    const flipped = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1)
    e.events.length = 0
    const s = await e.sessions.load(`__Host-session=${flipped}`)
    equal(s.isNew, true, `isNew after changing character ${at}`)
    equal(s.subject, undefined, 'subject')
    assert(e.events.some((ev) => ev.type === 'invalid' || ev.type === 'expired'), `an invalid event for character ${at}`)
  }
})

check('refuses a truncated token and a token moved to another cookie name', async () => {
  const e = engine()
  const { commit } = await signedIn(e)
  const token = tokenOf(commit)
  equal((await e.sessions.load(`__Host-session=${token.slice(0, -1)}`)).isNew, true, 'truncated by one')
  equal((await e.sessions.load(`__Host-session=${token.slice(0, 40)}`)).isNew, true, 'truncated to 40')
  const other = createSessions({ secrets: SECRET_A, clock: { now: e.clock.now }, cookie: { name: '__Host-other' } })
  equal((await other.load(`__Host-other=${token}`)).isNew, true, 'moved to __Host-other')
})

check('refuses two cookies with our name (cookie tossing)', async () => {
  const e = engine()
  const { commit } = await signedIn(e)
  const token = tokenOf(commit)
  const s = await e.sessions.load(`__Host-session=${token}; __Host-session=${token}`)
  equal(s.isNew, true, 'isNew')
  assert(e.events.some((ev) => ev.type === 'invalid' && ev.reason === 'duplicate'), 'duplicate event')
})

check('rotation: a token sealed under an older secret opens and is re-sealed under the newest', async () => {
  const time = clock()
  const old = engine({ clock: time, secrets: SECRET_A })
  const { commit } = await signedIn(old)
  const rotated = engine({ clock: time, secrets: [SECRET_B, SECRET_A] })
  const s = await rotated.sessions.load(browserCookie(commit))
  equal(s.subject, 'user-1', 'opened under [B, A]')
  const resealed = await rotated.sessions.commit(s)
  equal(resealed.setCookie.length, 1, 're-sealed on the next response')
  assert(rotated.events.some((ev) => ev.type === 'rotated'), 'rotated event')
  const onlyB = createSessions({ secrets: SECRET_B, clock: { now: time.now } })
  equal((await onlyB.load(browserCookie(resealed))).subject, 'user-1', 'the new token opens under B alone')
  equal((await onlyB.load(browserCookie(commit))).isNew, true, 'removing secret A ends its sessions')
})

check('expiry with an injected clock: idle timeout, absolute lifetime, rolling refresh', async () => {
  const e = engine({ lifetime: { idleTimeout: 2 * HOUR, maxAge: 5 * HOUR } })
  let { commit } = await signedIn(e)
  let cookie = browserCookie(commit)

  e.clock.advance(31 * 60) // refreshAfter defaults to a quarter of the idle timeout: 30 min
  let s = await e.sessions.load(cookie)
  equal(s.subject, 'user-1', 'alive after 31 min')
  commit = await e.sessions.commit(s)
  equal(commit.setCookie.length, 1, 'refreshed once refreshAfter passed, without a change')
  cookie = browserCookie(commit, cookie)

  e.clock.advance(10 * 60)
  s = await e.sessions.load(cookie)
  deepEqual(await e.sessions.commit(s), { cookies: [], setCookie: [], headers: [] }, 'no refresh 10 min after the last one')

  e.clock.advance(2 * HOUR - 10 * 60 + 31) // the idle window (plus 30 s skew) since the refresh
  s = await e.sessions.load(cookie)
  equal(s.isNew, true, 'idle timeout ends the session')

  // Absolute: keep the session active every hour; it still ends 5 h after login.
  const a = engine({ lifetime: { idleTimeout: 2 * HOUR, maxAge: 5 * HOUR } })
  cookie = browserCookie((await signedIn(a)).commit)
  for (let hour = 1; hour <= 4; hour++) {
    a.clock.advance(HOUR)
    const alive = await a.sessions.load(cookie)
    equal(alive.subject, 'user-1', `active at hour ${hour}`)
    cookie = browserCookie(await a.sessions.commit(alive), cookie)
  }
  a.clock.advance(HOUR + 31)
  equal((await a.sessions.load(cookie)).isNew, true, 'absolute lifetime ends an active session')
})

check('throws SessionTooLargeError from commit before producing any header; chunking is opt-in', async () => {
  const e = engine()
  const s = await e.sessions.load(null)
  s.set('blob', 'x'.repeat(5000))
  let error
  try {
    await e.sessions.commit(s)
  } catch (caught) {
    error = caught
  }
  assert(error instanceof SessionTooLargeError, `SessionTooLargeError, got ${error}`)
  equal(error.code, 'ERR_SESSION_TOO_LARGE', 'code')
  assert(error.size > error.limit && error.limit === 4096, `size ${error.size} over limit ${error.limit}`)
  const chunked = engine({ cookie: { maxChunks: 2 } })
  const c = await chunked.sessions.load(null)
  c.set('blob', 'x'.repeat(5000))
  const commit = await chunked.sessions.commit(c)
  equal(commit.setCookie.length, 2, 'two chunks')
  equal((await chunked.sessions.load(browserCookie(commit))).get('blob').length, 5000, 'read back from chunks')
})

check('compress: a compressible session seals smaller, opens (also with compress off and from the cache), and a deflate bomb is refused', async () => {
  const time = clock()
  const cart = Array.from({ length: 40 }, (_, i) => ({ sku: `SKU-${1000 + i}`, name: `Organic apple juice ${i}`, quantity: 1 + (i % 3) }))
  const sizes = {}
  let packed
  for (const compress of [false, true]) {
    const e = engine({ clock: time, format: v1({ compress }), cookie: { maxChunks: 4 } })
    const s = await e.sessions.load(null)
    s.set('cart', cart)
    const cookie = browserCookie(await e.sessions.commit(s))
    sizes[compress] = cookie.length
    if (compress) packed = cookie
  }
  assert(sizes.true * 3 < sizes.false, `compressed ${sizes.true} vs ${sizes.false} characters`)
  const off = engine({ clock: time })
  deepEqual((await off.sessions.load(packed)).get('cart'), cart, 'opens with compress off')
  const before = tokenDecryptions()
  deepEqual((await off.sessions.load(packed)).get('cart'), cart, 'opens again from the cache')
  equal(tokenDecryptions(), before, 'no decryption (nor inflation) for a cookie seen before')
  // 0x00 || deflate-raw(2 MB), sealed with valid keys: refused without inflating it all.
  const big = new TextEncoder().encode(`{"d":{"x":"${'a'.repeat(2 * 1024 * 1024)}"}}`)
  const deflated = new Uint8Array(await new Response(new Blob([big]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer())
  const bomb = new Uint8Array(1 + deflated.length)
  bomb.set(deflated, 1)
  const now = Math.floor(time.now() / 1000)
  const token = await sealString(makeCodec(normalizeSecrets(SECRET_A), '__Host-session', HOUR, 7 * 24 * HOUR, 30, 'auto', false), bomb, now + HOUR, now)
  const refused = engine({ clock: time })
  equal((await refused.sessions.load(`__Host-session=${token}`)).isNew, true, 'bomb refused')
  deepEqual(refused.events, [{ type: 'invalid', reason: 'payload' }], 'a generic invalid token')
})

check('opens the fixed v1 vectors (test/vectors/v1.json) on both cipher paths', async () => {
  for (const cipher of ['auto', 'webcrypto']) for (const v of vectors.vectors) {
    const now = () => v.now * 1000
    const expected = JSON.parse(v.plaintext)
    if (v.purpose.startsWith('value:')) {
      const opened = await unseal(v.token, { secrets: v.secrets, purpose: v.purpose.slice(6), ttl: v.window, now, epochSeconds: v.epochSeconds, clockSkew: v.clockSkew, cipher })
      equal(opened.ok, v.expect === 'ok', `${cipher} ${v.description}: ok`)
      if (opened.ok) deepEqual(opened.value, expected, `${cipher} ${v.description}`)
      continue
    }
    const bearer = v.purpose.startsWith('bearer:')
    const name = bearer ? v.purpose.slice('bearer:'.length) : v.purpose
    const sessions = createSessions({ secrets: v.secrets, cookie: { name }, lifetime: { maxAge: v.window }, format: v1({ epochSeconds: v.epochSeconds, cipher }), clock: { skew: v.clockSkew, now }, ...(bearer ? { bearer: {}, cookie: undefined } : {}) })
    const s = await sessions.load(bearer ? new Headers({ authorization: `Bearer ${v.token}` }) : `${name}=${v.token}`)
    if (v.expect === 'ok') {
      equal(s.isNew, false, `${cipher} ${v.description}: opens`)
      equal(s.id, expected.i, `${cipher} ${v.description}: id`)
      deepEqual(s.data, expected.d, `${cipher} ${v.description}: data`)
    } else {
      equal(s.isNew, true, `${cipher} ${v.description}: refused`)
    }
  }
})

// ---------------------------------------------------------------- the two cipher paths (src/format/cipher.ts)

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
const CYCLE_NOW = 1_795_000_000

check('uses the native node:crypto cipher where process.getBuiltinModule offers it', async () => {
  const expected = typeof globalThis.process?.getBuiltinModule === 'function' ? 'native' : 'webcrypto'
  const secrets = normalizeSecrets(SECRET_A)
  equal(makeCodec(secrets, 'x', HOUR, HOUR, 30).cipher, expected, "cipher of 'auto'")
  equal(makeCodec(secrets, 'x', HOUR, HOUR, 30, 'webcrypto').cipher, 'webcrypto', "cipher of 'webcrypto'")
  console.log(`${label} cipher path: ${expected}`)
})

check('a token sealed by either path opens with the other (codec, seal(), sessions)', async () => {
  const secrets = normalizeSecrets([SECRET_A, SECRET_B])
  const plaintext = new TextEncoder().encode('{"cart":["apple","pear"],"é":"ü"}')
  const codecs = ['auto', 'webcrypto'].map((cipher) => makeCodec(secrets, '__Host-session', HOUR, 24 * HOUR, 30, cipher))
  for (const sealer of codecs) {
    for (const opener of codecs) {
      const token = await sealString(sealer, plaintext, CYCLE_NOW + HOUR, CYCLE_NOW)
      const opened = await openString(opener, token, CYCLE_NOW)
      equal(opened.ok && new TextDecoder().decode(opened.plaintext), new TextDecoder().decode(plaintext), `${sealer.cipher} → ${opener.cipher}`)
      const tampered = token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.at(-1)
      deepEqual(await openString(opener, tampered, CYCLE_NOW), { ok: false, reason: 'decrypt' }, `${sealer.cipher} → ${opener.cipher} tampered`)
    }
  }
  const options = { secrets: SECRET_A, purpose: 'sign-in-link', ttl: 900 }
  const forced = { ...options, cipher: 'webcrypto' }
  deepEqual((await unseal(await seal({ n: 1 }, forced), options)).value, { n: 1 }, 'seal() webcrypto → unseal() auto')
  deepEqual((await unseal(await seal({ n: 2 }, options), forced)).value, { n: 2 }, 'seal() auto → unseal() webcrypto')
  const time = clock()
  const auto = createSessions({ secrets: SECRET_A, clock: { now: time.now } })
  const web = createSessions({ secrets: SECRET_A, clock: { now: time.now }, format: v1({ cipher: 'webcrypto' }) })
  for (const [from, to, what] of [[auto, web, 'auto → webcrypto'], [web, auto, 'webcrypto → auto']]) {
    const s = await from.load('')
    s.set('cart', ['apple'])
    const loaded = await to.load(browserCookie(await from.commit(s)))
    deepEqual(loaded.get('cart'), ['apple'], `session ${what}`)
  }
})

check('a cookie seen before opens without a decryption; expiry and a removed secret still refuse it', async () => {
  const time = clock()
  const options = () => ({ secrets: [SECRET_A], clock: { now: time.now }, lifetime: { maxAge: 3600, idleTimeout: 600 } })
  const first = createSessions(options())
  const s = await first.load('')
  await s.login('ada')
  const cookie = browserCookie(await first.commit(s))
  equal((await createSessions(options()).load(cookie)).subject, 'ada', 'first open')
  const before = tokenDecryptions()
  equal((await createSessions(options()).load(cookie)).subject, 'ada', 'seen before, new engine')
  equal(tokenDecryptions(), before, 'no decryption for a token seen before')
  equal((await createSessions({ ...options(), secrets: [SECRET_B] }).load(cookie)).isNew, true, 'secret removed')
  time.advance(601 + 30)
  equal((await createSessions(options()).load(cookie)).isNew, true, 'idle timeout with the cache warm')
})

check('both paths give the same bytes for the same key and IV', async () => {
  const native = nativeCrypto()
  if (native === undefined) return
  const secret = normalizeSecrets(SECRET_A)[0]
  const epoch = Math.floor(CYCLE_NOW / HOUR)
  const webKey = await epochKey(secret, '__Host-session', HOUR, epoch)
  const nativeKey = await nativeEpochKey(native, secret, '__Host-session', HOUR, epoch)
  const header = { keyId: secret.id, epoch, expiresAt: CYCLE_NOW + HOUR }
  const plaintext = new TextEncoder().encode('x'.repeat(150))
  const original = crypto.getRandomValues
  Object.defineProperty(crypto, 'getRandomValues', { value: (array) => array.fill(9), configurable: true, writable: true })
  let viaWeb
  let viaNative
  try {
    viaWeb = await sealToken(webKey, header, plaintext)
    viaNative = sealTokenNative(native, nativeKey, header, plaintext)
  } finally {
    if (Object.getOwnPropertyDescriptor(Object.getPrototypeOf(crypto), 'getRandomValues')) delete crypto.getRandomValues
    else Object.defineProperty(crypto, 'getRandomValues', { value: original, configurable: true, writable: true })
  }
  equal(crypto.getRandomValues === original, true, 'getRandomValues restored')
  equal(hex(viaNative), hex(viaWeb), 'native bytes = Web Crypto bytes')
})

check('seal() and unseal() round-trip a value and bind it to its purpose', async () => {
  const time = clock()
  const options = { secrets: SECRET_A, purpose: 'sign-in-link', ttl: 900, now: time.now }
  const token = await seal({ email: 'ada@example.com' }, options)
  const opened = await unseal(token, options)
  equal(opened.ok, true, 'opens')
  deepEqual(opened.value, { email: 'ada@example.com' }, 'value')
  equal((await unseal(token, { ...options, purpose: 'other' })).ok, false, 'another purpose')
  time.advance(900 + 31)
  equal((await unseal(token, options)).ok, false, 'after its ttl')
})

/**
 * A fresh copy of dist/format/base64url.js (it reads the platform's base64 once, when it is
 * evaluated), loaded from a data: URL: the one way to load a module twice that Deno, Bun
 * and Node all take. The module has no imports.
 */
async function freshBase64url(tag) {
  const { readFile } = await import('node:fs/promises')
  const text = await readFile(new URL('../../dist/format/base64url.js', import.meta.url), 'utf8')
  const bytes = new TextEncoder().encode(`${text}\n// ${tag}\n`)
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return import(`data:text/javascript;base64,${btoa(binary)}`)
}

check(`base64url: the native path (${RUNTIME_HAS_NATIVE_BASE64 ? "the runtime's own" : 'TC39 reference'}) and the fallback agree, and both are strict`, async () => {
  const native = await withBase64Path('native', () => freshBase64url('native'))
  const fallback = await withBase64Path('fallback', () => freshBase64url('fallback'))
  const before = nativeCalls.toBase64 + nativeCalls.fromBase64
  for (let n = 0; n < 70; n++) {
    const bytes = crypto.getRandomValues(new Uint8Array(n))
    const text = fallback.encodeBase64url(bytes)
    equal(native.encodeBase64url(bytes), text, `encoding of ${n} bytes`)
    deepEqual([...native.decodeBase64url(text)], [...bytes], `native decoding of ${n} bytes`)
    deepEqual([...fallback.decodeBase64url(text)], [...bytes], `fallback decoding of ${n} bytes`)
  }
  equal(nativeCalls.toBase64 + nativeCalls.fromBase64 - before, 140, 'calls into the native pair (the fallback makes none)')
  for (const bad of ['Zg==', 'Zm8=', 'Zm9v=', 'ab+c', 'ab/c', 'ab c', 'Zm9v\n', 'abc\u00e9', 'A', 'Zh', 'Zm9']) {
    equal(native.decodeBase64url(bad), undefined, `native refuses ${JSON.stringify(bad)}`)
    equal(fallback.decodeBase64url(bad), undefined, `fallback refuses ${JSON.stringify(bad)}`)
  }
})

// ---------------------------------------------------------------- over HTTP, on this runtime's server

/** Serves `fetch` on 127.0.0.1 with the runtime's own server; returns its origin and a stop(). */
async function serve(fetch) {
  if (runtime.name === 'deno') {
    const server = globalThis.Deno.serve({ hostname: '127.0.0.1', port: 0, onListen() {} }, fetch)
    return { origin: `http://127.0.0.1:${server.addr.port}`, stop: () => server.shutdown() }
  }
  if (runtime.name === 'bun') {
    const server = globalThis.Bun.serve({ hostname: '127.0.0.1', port: 0, fetch })
    return { origin: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) }
  }
  const { serveNode } = await import('./node-server.mjs')
  return serveNode(fetch)
}

check(`serves the Hono middleware with ${runtime.server} on 127.0.0.1: sign in, read, tamper, expire, sign out`, async () => {
  const time = clock(Date.now())
  const app = new Hono()
    .use(session({ secrets: [SECRET_B, SECRET_A], clock: { now: time.now } }))
    .post('/login', async (c) => {
      const s = c.get('session')
      await s.login('ada')
      s.set('visits', 0)
      return c.text('signed in')
    })
    .get('/me', (c) => {
      const s = c.get('session')
      if (s.subject === undefined) return c.json({ user: null }, 401)
      return c.json({ user: s.subject, runtime: runtime.name })
    })
    .post('/logout', async (c) => {
      await c.get('session').logout()
      return c.body(null, 204)
    })
  const server = await serve(app.fetch)
  try {
    const headers = (cookie) => ({ origin: server.origin, ...(cookie ? { cookie } : {}) })
    let response = await fetch(`${server.origin}/login`, { method: 'POST', headers: headers() })
    equal(response.status, 200, 'POST /login status')
    equal(await response.text(), 'signed in', 'POST /login body')
    const setCookie = response.headers.getSetCookie()
    equal(setCookie.length, 1, 'one Set-Cookie')
    assert(/^__Host-session=[A-Za-z0-9_-]+; Max-Age=86400; Path=\/; Secure; HttpOnly; SameSite=Lax$/.test(setCookie[0]), `Set-Cookie ${setCookie[0]}`)
    assert((response.headers.get('cache-control') ?? '').includes('no-store'), 'Cache-Control: no-store')
    assert((response.headers.get('vary') ?? '').toLowerCase().includes('cookie'), 'Vary: Cookie')
    const cookie = browserCookie(setCookie)

    response = await fetch(`${server.origin}/me`, { headers: headers(cookie) })
    equal(response.status, 200, 'GET /me signed in')
    deepEqual(await response.json(), { user: 'ada', runtime: runtime.name }, 'GET /me body')
    equal(response.headers.getSetCookie().length, 0, 'an unchanged session sets no cookie')

    const token = cookie.slice(cookie.indexOf('=') + 1)
    const tampered = `__Host-session=${token.slice(0, 30)}${token[30] === 'A' ? 'B' : 'A'}${token.slice(31)}`
    response = await fetch(`${server.origin}/me`, { headers: headers(tampered) })
    equal(response.status, 401, 'a tampered cookie is refused')
    await response.body?.cancel()
    assert(/^__Host-session=; Max-Age=0;/.test(response.headers.getSetCookie()[0] ?? ''), 'and expired')

    time.advance(24 * HOUR + 31)
    response = await fetch(`${server.origin}/me`, { headers: headers(cookie) })
    equal(response.status, 401, 'idle timeout over HTTP (injected clock)')
    await response.body?.cancel()
    time.advance(-(24 * HOUR + 31))

    response = await fetch(`${server.origin}/logout`, { method: 'POST', headers: headers(cookie) })
    equal(response.status, 204, 'POST /logout status')
    const cleared = browserCookie(response.headers.getSetCookie(), cookie)
    equal(cleared, '', 'sign-out removes the cookie')
  } finally {
    await server.stop()
  }
})

// ---------------------------------------------------------------- run

console.log(`${label} conformance suite against dist/, ${suite.size} checks`)
finish(await suite.run())
