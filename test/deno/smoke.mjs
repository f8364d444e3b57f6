// The JSR package as a Deno user runs it: every JSR entry point imported by its JSR name
// (`@sealed-session/sealed-session`, `…/hono`, …), which Deno resolves through deno.json
// "name" and "exports" to the TypeScript sources under src/, and frameworks through the
// npm: specifiers of deno.json "imports" (offline: from node_modules, "nodeModulesDir":
// "manual"). Run by test/deno/run.mjs:
//
//   deno run --check --no-lock --allow-read --allow-env test/deno/smoke.mjs
//
// Plain JavaScript so that `npm run typecheck` (tsc, which does not know the JSR name)
// skips it; `deno run --check` type-checks the sources it imports.
import { Hono } from 'hono'
import { createSessions, generateSecret, seal, unseal } from '@sealed-session/sealed-session'
import { session } from '@sealed-session/sealed-session/hono'
import { kvRevocations } from '@sealed-session/sealed-session/kv'
import { memoryRevocations } from '@sealed-session/sealed-session/memory'
import { redisRevocations } from '@sealed-session/sealed-session/redis'
import { jweFormat } from '@sealed-session/sealed-session/jwe'
import { createSealedSessionStorage } from '@sealed-session/sealed-session/react-router'
import { nextSessions } from '@sealed-session/sealed-session/next'
import { sessionHandle } from '@sealed-session/sealed-session/sveltekit'
import { sessionMiddleware } from '@sealed-session/sealed-session/astro'
import { commitSealedSession, sealedSession, useSealedSession } from '@sealed-session/sealed-session/h3'
import { createApp, defineEventHandler, toWebHandler } from 'h3'
import { cookieHeader } from '../support/jar.mjs'
import { assert, createSuite, deepEqual, equal, finish } from '../support/runner.mjs'

const SECRET = 'k3Jz0q2p9QmV8uYc1tXwE4rB7nL5sH6dF0gA2iK9oPz'
const START = Date.UTC(2026, 10, 22, 12, 0, 0)

const suite = createSuite({ label: `[deno ${Deno.version.deno} jsr]`, timeoutMs: 30_000 })
const check = suite.test

/** A clock moved by hand; the engine reads it through `now`. */
function clock() {
  const c = { ms: START, now: () => c.ms, advance: (seconds) => void (c.ms += seconds * 1000) }
  return c
}

/** Signs `subject` in on a fresh session and returns the Cookie header a browser sends back. */
async function signIn(sessions, subject, data = {}) {
  const s = await sessions.load(null)
  for (const [key, value] of Object.entries(data)) s.set(key, value)
  await s.login(subject)
  const commit = await sessions.commit(s)
  equal(commit.setCookie.length, 1, 'Set-Cookie count')
  return cookieHeader(commit)
}

/** Signs in, revokes the subject a second later, and returns whether the cookie still opens. `store(now)` makes the store on the test's clock. */
async function survivesRevokeSubject(store) {
  const time = clock()
  const revocations = store(time.now)
  const sessions = createSessions({ secrets: SECRET, clock: { now: time.now }, revocation: { store: revocations, revalidateAfter: 0 } })
  const cookie = await signIn(sessions, 'user-1')
  equal((await sessions.load(cookie)).subject, 'user-1', 'subject before the revocation')
  time.advance(1)
  await sessions.revokeSubject('user-1')
  time.advance(1)
  return (await sessions.load(cookie)).subject === 'user-1'
}

check('root: a session round-trips through the cookie; a flipped byte gives a new session', async () => {
  const sessions = createSessions({ secrets: generateSecret() })
  const cookie = await signIn(sessions, 'user-1', { cart: ['äpfel'] })
  const back = await sessions.load(new Request('https://example.com/', { headers: { cookie } }))
  equal(back.isNew, false, 'isNew')
  equal(back.subject, 'user-1', 'subject')
  deepEqual(back.data, { cart: ['äpfel'] }, 'data')
  const at = cookie.length - 5
  const tampered = cookie.slice(0, at) + (cookie[at] === 'A' ? 'B' : 'A') + cookie.slice(at + 1)
  equal((await sessions.load(tampered)).isNew, true, 'tampered cookie opens as a new session')
})

check('root: seal() / unseal() round-trip a value', async () => {
  const options = { secrets: SECRET, purpose: 'sign-in-link', ttl: 600 }
  const result = await unseal(await seal({ hello: 'deno' }, options), options)
  equal(result.ok, true, 'ok')
  deepEqual(result.value, { hello: 'deno' }, 'value')
})

check('memory: revokeSubject() ends the subject\'s sessions', async () => {
  equal(await survivesRevokeSubject((now) => memoryRevocations({ now })), false, 'session survives the revocation')
})

check('kv: revokeSubject() ends the subject\'s sessions (a Map behind the KV interface)', async () => {
  const map = new Map()
  const kv = {
    get: async (key) => map.get(key) ?? null,
    put: async (key, value) => void map.set(key, value),
  }
  equal(await survivesRevokeSubject((now) => kvRevocations(kv, { now })), false, 'session survives the revocation')
  assert(map.size > 0, 'nothing was written to KV')
})

check('redis: the store sends its script to the client', async () => {
  const calls = []
  const client = { eval: async (script, keys, args) => (calls.push({ script, keys, args }), null) }
  await redisRevocations(client).revokeSubject('user-1', 1_700_000_000, 1_800_000_000)
  equal(calls.length, 1, 'eval calls')
  assert(calls[0].keys.some((key) => key.includes('user-1')), `keys ${JSON.stringify(calls[0].keys)}`)
})

check('hono: the middleware signs in over app.request() and reads the session back', async () => {
  const app = new Hono()
  app.use(session({ secrets: SECRET }))
  app.post('/login', async (c) => {
    await c.get('session').login('user-1')
    return c.text('ok')
  })
  app.get('/me', (c) => c.text(c.get('session').subject ?? 'nobody'))
  const login = await app.request('https://example.com/login', { method: 'POST' })
  equal(login.status, 200, 'login status')
  const setCookie = login.headers.get('set-cookie') ?? ''
  assert(setCookie.startsWith('__Host-session='), `Set-Cookie ${setCookie.slice(0, 20)}…`)
  const me = await app.request('https://example.com/me', { headers: { cookie: setCookie.split(';')[0] } })
  equal(await me.text(), 'user-1', 'subject read back')
})

check('jwe: a session sealed as a compact JWE (jose from npm) opens again', async () => {
  const sessions = createSessions({ secrets: SECRET, format: jweFormat() })
  const cookie = await signIn(sessions, 'user-1')
  equal(cookie.split('=')[1].split('.').length, 5, 'compact JWE parts')
  equal((await sessions.load(cookie)).subject, 'user-1', 'subject')
})

check('react-router: getSession / commitSession round-trip (react-router from npm)', async () => {
  const storage = createSealedSessionStorage({ secrets: SECRET })
  const first = await storage.getSession(null)
  first.set('user', 'user-1')
  const setCookie = await storage.commitSession(first)
  const second = await storage.getSession(setCookie.split(';')[0])
  equal(second.get('user'), 'user-1', 'user read back')
})

check('next: the proxy signs in and sets the cookie on its response (next from npm)', async () => {
  const { NextRequest } = await import('next/server.js')
  const sessions = nextSessions({ secrets: SECRET })
  const proxy = sessions.proxy(async (_request, s) => {
    await s.login('user-1')
  })
  const response = await proxy(new NextRequest('https://example.com/login'), {})
  const setCookie = response.headers.get('set-cookie') ?? ''
  assert(setCookie.startsWith('__Host-session='), `Set-Cookie ${setCookie.slice(0, 20)}…`)
  equal((await sessions.engine.load(setCookie.split(';')[0])).subject, 'user-1', 'subject read back')
})

// SvelteKit and Astro: their adapters import only types from the framework, so a request
// event / API context with the fields the adapter reads is the framework here.

check('sveltekit: the handle hook signs in on a POST and sets the cookie on the response', async () => {
  const handle = sessionHandle({ secrets: SECRET })
  const event = { request: new Request('https://example.com/login', { method: 'POST' }), locals: {}, cookies: { set() {} } }
  const response = await handle({
    event,
    resolve: async (e) => {
      await e.locals.session.login('user-1')
      return new Response('ok')
    },
  })
  const setCookie = response.headers.get('set-cookie') ?? ''
  assert(setCookie.startsWith('__Host-session='), `Set-Cookie ${setCookie.slice(0, 20)}…`)
  equal((await createSessions({ secrets: SECRET }).load(setCookie.split(';')[0])).subject, 'user-1', 'subject read back')
})

check('astro: the middleware signs in and sets the cookie on the response', async () => {
  const onRequest = sessionMiddleware({ secrets: SECRET })
  const context = { request: new Request('https://example.com/login', { method: 'POST' }), locals: {}, isPrerendered: false, routePattern: '/login' }
  const response = await onRequest(context, async () => {
    await context.locals.session.login('user-1')
    return new Response('ok')
  })
  const setCookie = response.headers.get('set-cookie') ?? ''
  assert(setCookie.startsWith('__Host-session='), `Set-Cookie ${setCookie.slice(0, 20)}…`)
  equal((await createSessions({ secrets: SECRET }).load(setCookie.split(';')[0])).subject, 'user-1', 'subject read back')
})

check('h3: the middleware signs in on a POST and the response hook sets the cookie (h3 from npm, toWebHandler)', async () => {
  const app = createApp({ onBeforeResponse: commitSealedSession })
  app.use(sealedSession({ secrets: SECRET }))
  app.use('/login', defineEventHandler(async (event) => {
    await useSealedSession(event).login('user-1')
    return 'ok'
  }))
  const response = await toWebHandler(app)(new Request('https://example.com/login', { method: 'POST' }))
  equal(response.status, 200, 'status')
  const setCookie = response.headers.get('set-cookie') ?? ''
  assert(setCookie.startsWith('__Host-session='), `Set-Cookie ${setCookie.slice(0, 20)}…`)
  equal(response.headers.get('cache-control'), 'no-store', 'Cache-Control')
  equal((await createSessions({ secrets: SECRET }).load(setCookie.split(';')[0])).subject, 'user-1', 'subject read back')
})

finish(await suite.run())
