/**
 * What `compress: true` saves and costs on realistic sessions (issue 23, item 1): the cookie
 * bytes without and with compression, and the time of a seal (a commit of a changed
 * session) and of an open (a load with the token cache off, so every open decrypts and
 * inflates) relative to the same configuration without compression. One plain module
 * that Node, Bun and Deno run against the built package:
 *
 *   npm run bench:compression          build, then Node 24, Bun and Deno in turn
 *   node bench/compression.mjs         one runtime (after npm run build)
 *
 * Sessions are built from a fixed seed, so every run and runtime seals the same data.
 * Prints a Markdown table and one `COMPRESSION_RESULT {json}` line.
 */
import { createSessions, v1 } from '../dist/index.js'

const SECRET = 'k3Jz0q2p9QmV8uYc1tXwE4rB7nL5sH6dF0gA2iK9oPz'
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0)
const ROUNDS = 7
const OPS_PER_ROUND = Number(globalThis.process?.env?.COMPRESSION_OPS ?? 400)

/** xorshift32 from a fixed seed: the same "random" bytes on every runtime. */
function bytes(seed, n) {
  let x = seed >>> 0 || 1
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    out[i] = x & 0xff
  }
  return out
}

const b64url = (data) => btoa(String.fromCharCode(...data)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
const json64 = (value) => b64url(new TextEncoder().encode(JSON.stringify(value)))

/** A JWS in compact form: a real header and claims, and an RS256-sized (256-byte) signature. */
function jwt(seed, claims) {
  return `${json64({ alg: 'RS256', typ: 'JWT', kid: 'Jd8y2kQ4mV9x' })}.${json64(claims)}.${b64url(bytes(seed, 256))}`
}

const iat = Math.floor(NOW / 1000)
const SESSIONS = {
  'user profile': {
    user: {
      id: 'usr_01HZX3Q9K7TB4M2W8N5R6P0D1C',
      email: 'ada.lovelace@example.com',
      name: 'Ada Lovelace',
      givenName: 'Ada',
      familyName: 'Lovelace',
      locale: 'en-GB',
      timezone: 'Europe/London',
      avatarUrl: 'https://cdn.example.com/avatars/usr_01HZX3Q9K7TB4M2W8N5R6P0D1C/256.webp',
      roles: ['member', 'editor', 'billing-admin'],
      organization: { id: 'org_01HZX3R2M8', name: 'Analytical Engines Ltd', plan: 'team' },
      preferences: { theme: 'dark', language: 'en', emailDigest: 'weekly', notifications: { mentions: true, comments: true, marketing: false } },
      features: ['new-editor', 'beta-search', 'export-csv', 'two-factor'],
      lastSignIn: '2026-11-30T08:14:22Z',
    },
  },
  'shopping cart (25 lines)': {
    cart: Array.from({ length: 25 }, (_, i) => ({
      sku: `SKU-${48210 + i * 7}`,
      name: ['Organic apple juice 1 L', 'Sourdough loaf', 'Free-range eggs (12)', 'Greek yoghurt 500 g', 'Dark roast coffee beans 1 kg'][i % 5],
      quantity: 1 + (i % 4),
      unitPrice: 199 + ((i * 137) % 1800),
      currency: 'EUR',
      image: `https://cdn.example.com/products/${48210 + i * 7}/thumb.jpg`,
    })),
    coupon: 'WINTER-10',
    shipping: { method: 'standard', postcode: '10115', country: 'DE' },
  },
  'OAuth token set (3 JWTs)': {
    tokens: {
      tokenType: 'Bearer',
      expiresAt: iat + 3600,
      scope: 'openid profile email offline_access api:read api:write',
      accessToken: jwt(1, {
        iss: 'https://login.example.com/',
        sub: 'auth0|64f1c2d9e8b7a6f5e4d3c2b1',
        aud: ['https://api.example.com', 'https://login.example.com/userinfo'],
        iat,
        exp: iat + 3600,
        azp: 'x8Qw3eR5tY7uI9oP1aS3dF5gH7jK9l',
        scope: 'openid profile email offline_access api:read api:write',
        permissions: ['orders:read', 'orders:write', 'profile:read', 'profile:write'],
      }),
      refreshToken: jwt(2, { iss: 'https://login.example.com/', sub: 'auth0|64f1c2d9e8b7a6f5e4d3c2b1', iat, exp: iat + 30 * 86400, jti: 'rt_7f3a9c2e1b4d6f8a0c2e4b6d8f0a2c4e', typ: 'refresh' }),
      idToken: jwt(3, {
        iss: 'https://login.example.com/',
        sub: 'auth0|64f1c2d9e8b7a6f5e4d3c2b1',
        aud: 'x8Qw3eR5tY7uI9oP1aS3dF5gH7jK9l',
        iat,
        exp: iat + 36000,
        nonce: 'n-0S6_WzA2Mj',
        auth_time: iat - 120,
        email: 'ada.lovelace@example.com',
        email_verified: true,
        name: 'Ada Lovelace',
        nickname: 'ada',
        picture: 'https://cdn.example.com/avatars/usr_01HZX3Q9K7TB4M2W8N5R6P0D1C/256.webp',
        updated_at: '2026-11-30T08:14:22.000Z',
      }),
    },
  },
}

const runtime =
  typeof globalThis.Deno !== 'undefined'
    ? `deno ${globalThis.Deno.version.deno}`
    : typeof globalThis.Bun !== 'undefined'
      ? `bun ${globalThis.Bun.version}`
      : `node ${globalThis.process.versions.node}`

function engine(compress) {
  return createSessions({ secrets: SECRET, clock: { now: () => NOW }, format: v1({ compress, tokenCache: false }), cookie: { maxChunks: 4 } })
}

/** The Cookie header of a commit: every cookie's `name=value`. */
const cookieHeader = (commit) => commit.cookies.map((c) => `${c.name}=${c.value}`).join('; ')
const wireBytes = (commit) => commit.cookies.reduce((sum, c) => sum + c.name.length + c.value.length, 0)

async function sealOnce(sessions, data) {
  const s = await sessions.load(null)
  for (const [k, v] of Object.entries(data)) s.set(k, v)
  return sessions.commit(s)
}

/** Median µs per operation of `ROUNDS` rounds, the two configurations alternating round by round. */
async function timePair(a, b) {
  const times = [[], []]
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, fn] of [a, b].entries()) {
      const start = performance.now()
      for (let op = 0; op < OPS_PER_ROUND; op++) await fn()
      times[i].push(((performance.now() - start) * 1000) / OPS_PER_ROUND)
    }
  }
  const median = (list) => list.sort((x, y) => x - y)[Math.floor(list.length / 2)]
  return [median(times[0]), median(times[1])]
}

const rows = []
for (const [name, data] of Object.entries(SESSIONS)) {
  const plain = engine(false)
  const packed = engine(true)
  const plainCommit = await sealOnce(plain, data)
  const packedCommit = await sealOnce(packed, data)
  const plainCookie = cookieHeader(plainCommit)
  const packedCookie = cookieHeader(packedCommit)
  // Both open to the same data, with either setting.
  const check = JSON.stringify((await plain.load(packedCookie)).data)
  if (check !== JSON.stringify(data) || JSON.stringify((await packed.load(plainCookie)).data) !== check) throw new Error(`${name}: data changed on the way`)
  for (let i = 0; i < 50; i++) {
    await sealOnce(plain, data)
    await sealOnce(packed, data)
    await plain.load(plainCookie)
    await packed.load(packedCookie)
  }
  const [sealPlain, sealPacked] = await timePair(() => sealOnce(plain, data), () => sealOnce(packed, data))
  const [openPlain, openPacked] = await timePair(() => plain.load(plainCookie), () => packed.load(packedCookie))
  rows.push({
    name,
    json: new TextEncoder().encode(JSON.stringify(data)).length,
    bytes: wireBytes(plainCommit),
    cookies: plainCommit.cookies.length,
    compressedBytes: wireBytes(packedCommit),
    compressedCookies: packedCommit.cookies.length,
    sealPlain,
    sealPacked,
    openPlain,
    openPacked,
  })
}

const f1 = (n) => n.toFixed(1)
const f2 = (n) => n.toFixed(2)
console.log(`\n### ${runtime}\n`)
console.log('| session | JSON bytes | cookie bytes (cookies) | compressed (cookies) | ratio | seal µs → compressed | seal × | open µs → compressed | open × |')
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.json} | ${r.bytes} (${r.cookies}) | ${r.compressedBytes} (${r.compressedCookies}) | ${f2(r.compressedBytes / r.bytes)} | ${f1(r.sealPlain)} → ${f1(r.sealPacked)} | ${f2(r.sealPacked / r.sealPlain)} | ${f1(r.openPlain)} → ${f1(r.openPacked)} | ${f2(r.openPacked / r.openPlain)} |`,
  )
}
console.log(`COMPRESSION_RESULT ${JSON.stringify({ runtime, rows })}`)
