// Regenerates test/vectors/v1.json from the built package (npm run build first):
//   node test/vectors/generate.mjs > test/vectors/v1.json
// Vectors are fixed once committed; regenerate only when the format version changes.
import { createSessions, seal, v1 } from '../../dist/index.js'
import { deriveKeyId } from '../../dist/keys/secrets.js'
import { makeCodec, openString } from '../../dist/keys/codec.js'

const A = 'vector-secret-A-0123456789abcdefghijklmnopqrstuv'
const B = 'vector-secret-B-0123456789abcdefghijklmnopqrstuv'
const NOW = 1_798_761_600 // 2027-01-01T00:00:00Z
const clock = () => NOW * 1000

async function session(description, config, build, check = {}) {
  const sessions = createSessions({ ...config, clock: { now: clock } })
  const s = await sessions.load('')
  await build(s)
  const commit = await sessions.commit(s)
  const line = commit.setCookie[0]
  const token = config.bearer !== undefined ? commit.token : line.slice(line.indexOf('=') + 1, line.indexOf(';'))
  const secrets = (typeof config.secrets === 'string' ? [config.secrets] : config.secrets).map((e) =>
    typeof e === 'string' ? { id: deriveKeyId(e), secret: e } : e,
  )
  return {
    description,
    secrets,
    purpose: (config.bearer !== undefined ? 'bearer:' : '') + (config.cookie?.name ?? '__Host-session'),
    epochSeconds: 3600,
    window: config.lifetime?.maxAgeLimit ?? Math.max(config.lifetime?.maxAge ?? 604800, config.lifetime?.idleTimeout ?? 86400),
    clockSkew: 30,
    sealedAt: NOW,
    now: check.now ?? NOW,
    token,
    expect: check.expect ?? 'ok',
  }
}

const vectors = [
  await session('anonymous session with a cart, one secret', { secrets: A }, (s) => s.set('cart', ['apple', 'pear'])),
  await session('signed-in session with unicode data', { secrets: A }, async (s) => {
    s.set('name', 'Zoë 山田 🍐')
    await s.login('user-42')
  }),
  await session('rotated: sealed under the older secret B, opened with [A, B]', { secrets: B }, (s) => s.set('n', 1)),
  await session('explicit key id 7 and a custom cookie name', { secrets: [{ id: 7, secret: A }], cookie: { name: 'sid', secure: false } }, (s) =>
    s.set('theme', 'dark'),
  ),
  await session('expired: opened one day and 31 seconds after sealing with a one-day idle timeout', { secrets: A }, (s) => s.set('n', 2), {
    now: NOW + 86_400 + 30,
    expect: 'expired',
  }),
  // Added in 0.2.0 (appended to the committed file, the others unchanged).
  await session('bearer transport: purpose "bearer:__Host-session" (never opens as the cookie)', { secrets: A, bearer: {} }, async (s) => {
    s.set('scope', 'read')
    await s.login('app-7')
  }),
  // Added with compression (appended to the committed file, the others unchanged).
  await session(
    'compressed (compress: true): a 20-line cart; the plaintext is 0x00 || raw DEFLATE of the JSON',
    { secrets: A, format: v1({ compress: true }) },
    (s) => s.set('cart', Array.from({ length: 20 }, (_, i) => ({ sku: `SKU-${1000 + i}`, quantity: 1 + (i % 3) }))),
  ),
]
// The compressed vector's `plaintext` is the inflated JSON.
vectors.at(-1).compressed = true
// Vector 3 is opened with both secrets.
vectors[2].secrets = [{ id: deriveKeyId(A), secret: A }, ...vectors[2].secrets]
// Session plaintexts hold a random id: read them back at the sealing time.
for (const v of vectors) {
  const opened = await openString(makeCodec(v.secrets, v.purpose, v.epochSeconds, v.window, v.clockSkew), v.token, v.sealedAt)
  v.plaintext = new TextDecoder().decode(opened.plaintext)
}

// seal() binds "value:" + purpose.
const sealOptions = { secrets: A, purpose: 'sign-in-link', ttl: 900, now: clock }
vectors.push({
  description: 'seal() of a JSON value for purpose "sign-in-link"',
  secrets: [{ id: deriveKeyId(A), secret: A }],
  purpose: 'value:sign-in-link',
  epochSeconds: 3600,
  window: 900,
  clockSkew: 30,
  sealedAt: NOW,
  now: NOW,
  token: await seal({ email: 'ada@example.com' }, sealOptions),
  expect: 'ok',
  plaintext: '{"email":"ada@example.com"}',
})

console.log(JSON.stringify({ version: 1, note: 'docs/FORMAT.md explains every field', vectors }, null, 2))
