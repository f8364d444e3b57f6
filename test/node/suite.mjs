// sealed-session/node against real servers: one small app, written for node:http, Express 5
// and Express 4, served on 127.0.0.1 (a free port), driven with fetch. Plain JavaScript over
// the BUILT package (dist/), so the same file runs on Node 24 and Node 20
// (test/node/run.mjs runs both).
//
//   npm run build && node test/node/suite.mjs
//
// Prints one line per check and ends with `N passed, M failed`; exits 1 on any failure.
import { createServer } from 'node:http'
import express5 from 'express'
import express4 from 'express4'
import Fastify from 'fastify'
import { SessionTooLargeError } from '../../dist/index.js'
import { CsrfError, expressSession, fastifySession, nodeSessions, writeCsrfRefusal } from '../../dist/node/index.js'
import { CookieJar } from '../support/jar.mjs'
import { assert, createSuite, equal, finish } from '../support/runner.mjs'

const SECRET = 'k3Jz0q2p9QmV8uYc1tXwE4rB7nL5sH6dF0gA2iK9oPz'
const options = { secrets: SECRET }
const suite = createSuite({ label: `[node ${process.versions.node}]`, timeoutMs: 20_000 })

/** The app's routes, on a `session` whatever the server. Returns [status, headers, body]. */
async function route(method, path, session) {
  if (method === 'GET' && path === '/') {
    session.set('visits', (session.get('visits') ?? 0) + 1)
    return [200, { 'set-cookie': 'theme=dark; Path=/', 'cache-control': 'private' }, JSON.stringify({ visits: session.get('visits'), user: session.subject ?? null })]
  }
  if (method === 'GET' && path === '/static') return [200, { 'cache-control': 'public, max-age=60' }, 'static']
  if (method === 'GET' && path === '/csrf') return [200, {}, session.csrfToken()]
  if (method === 'POST' && path === '/login') {
    await session.login('ada')
    return [303, { location: '/' }, '']
  }
  if (method === 'POST' && path === '/big') {
    session.set('big', 'x'.repeat(5000))
    return [200, {}, 'too big to reach the client']
  }
  if (method === 'POST' && path === '/logout') {
    await session.logout()
    return [303, { location: '/' }, '']
  }
  return [404, {}, 'not found']
}

/** A plain node:http server with nodeSessions(). */
function plainServer(csrf) {
  const sessions = nodeSessions(options, { csrf })
  return createServer(async (req, res) => {
    try {
      const session = await sessions.load(req)
      if (!(await sessions.checkCsrf(req, session))) return await writeCsrfRefusal(req, res)
      const [status, headers, body] = await route(req.method, req.url, session)
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
      await sessions.commit(session, res)
      res.statusCode = status
      res.end(body)
    } catch (error) {
      res.statusCode = error instanceof SessionTooLargeError ? 500 : 400
      res.end(String(error))
    }
  })
}

/** The same app on Express (5 or 4), with its default error handler. */
function expressServer(express, csrf) {
  const app = express()
  app.use(express.urlencoded({ extended: false }))
  app.use(expressSession(options, { csrf }))
  app.use(async (req, res, next) => {
    try {
      const [status, headers, body] = await route(req.method, req.path, req.session)
      if (status === 303) return res.set('cache-control', headers['cache-control'] ?? 'private').redirect(303, headers.location)
      if (headers['set-cookie'] !== undefined) res.append('Set-Cookie', headers['set-cookie'])
      if (headers['cache-control'] !== undefined) res.set('cache-control', headers['cache-control'])
      res.status(status).send(body)
    } catch (error) {
      next(error)
    }
  })
  // Express's default error handler, without its log of each error.
  app.set('env', 'test')
  return createServer(app)
}

/** The same app on Fastify 5, with its default error handler. */
async function fastifyServer(csrf) {
  const app = Fastify()
  await app.register(fastifySession(options, { csrf }))
  app.all('/*', async (request, reply) => {
    const [status, headers, body] = await route(request.method, request.url, request.session)
    for (const [name, value] of Object.entries(headers)) reply.header(name, value)
    return reply.code(status).send(body)
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { origin: `http://127.0.0.1:${app.server.address().port}`, stop: () => app.close() }
}

const servers = {
  'node:http': (csrf) => serve(plainServer(csrf)),
  'Express 5': (csrf) => serve(expressServer(express5, csrf)),
  'Express 4': (csrf) => serve(expressServer(express4, csrf)),
  'Fastify 5': fastifyServer,
}

/** Serves `server` on 127.0.0.1 on a free port; `stop()` closes it. */
async function serve(server) {
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const origin = `http://127.0.0.1:${server.address().port}`
  return {
    origin,
    stop: () => new Promise((done) => {
      server.closeAllConnections()
      server.close(() => done())
    }),
  }
}

for (const [name, make] of Object.entries(servers)) {
  suite.test(`${name}: signs in, reads, changes, refuses an oversized session (500, previous cookie kept), signs out; cache headers only when the cookie is set`, async () => {
    const { origin, stop } = await make(true)
    try {
      const jar = new CookieJar()
      const go = async (method, path, headers = {}, body) => {
        const response = await fetch(`${origin}${path}`, { method, redirect: 'manual', headers: { cookie: jar.header(), ...headers }, body })
        jar.update(response)
        return { response, text: await response.text() }
      }
      const first = await go('GET', '/')
      equal(first.response.status, 200, 'GET / status')
      equal(JSON.parse(first.text).visits, 1, 'first visit')
      const setCookie = first.response.headers.getSetCookie()
      assert(setCookie.some((line) => line.startsWith('theme=dark')), `the app's own cookie stays: ${setCookie}`)
      assert(setCookie.some((line) => line.startsWith('__Host-session=')), `the session cookie is set: ${setCookie}`)
      equal(first.response.headers.get('cache-control'), 'private, no-store', 'Cache-Control merged')
      equal(first.response.headers.get('vary'), 'Cookie', 'Vary')

      const second = await go('GET', '/')
      equal(JSON.parse(second.text).visits, 2, 'second visit reads the first')

      const plain = await go('GET', '/static')
      equal(plain.response.headers.getSetCookie().length, 0, 'no Set-Cookie when nothing changed')
      equal(plain.response.headers.get('cache-control'), 'public, max-age=60', 'Cache-Control untouched when nothing changed')
      equal(plain.response.headers.get('vary'), null, 'no Vary when nothing changed')

      const token = (await go('GET', '/csrf')).text
      const refused = await go('POST', '/login')
      equal(refused.response.status, 403, 'POST without a CSRF token')
      equal(refused.response.headers.getSetCookie().length, 0, 'a refused request sets no cookie')
      const wrong = await go('POST', '/login', { 'x-csrf-token': `${token}x` })
      equal(wrong.response.status, 403, 'POST with a wrong CSRF token')

      const login = await go('POST', '/login', { 'x-csrf-token': token })
      equal(login.response.status, 303, 'POST /login status')
      assert(login.response.headers.getSetCookie().some((line) => line.startsWith('__Host-session=')), 'sign-in sets the cookie')
      equal(login.response.headers.get('cache-control')?.includes('no-store'), true, 'sign-in is not cached')
      const signedIn = await go('GET', '/')
      equal(JSON.parse(signedIn.text).user, 'ada', 'signed in')
      equal(JSON.parse(signedIn.text).visits, 3, 'sign-in keeps the data')

      // Sign-in gives a new session, with a new CSRF secret.
      const fresh = (await go('GET', '/csrf')).text
      const before = jar.get('__Host-session')
      const big = await go('POST', '/big', { 'x-csrf-token': fresh })
      equal(big.response.status, 500, 'an oversized session answers 500')
      equal(big.response.headers.getSetCookie().length, 0, 'an oversized session sets no cookie')
      equal(jar.get('__Host-session'), before, 'the browser keeps its previous cookie')
      const after = await go('GET', '/')
      equal(JSON.parse(after.text).user, 'ada', 'still signed in after the refused change')

      const logout = await go('POST', '/logout', { 'x-csrf-token': (await go('GET', '/csrf')).text })
      equal(logout.response.status, 303, 'POST /logout status')
      assert(logout.response.headers.getSetCookie().some((line) => /^__Host-session=; Max-Age=0/.test(line)), `sign-out expires the cookie: ${logout.response.headers.getSetCookie()}`)
      const out = await go('GET', '/')
      equal(JSON.parse(out.text).user, null, 'signed out')
    } finally {
      await stop()
    }
  })
}

for (const name of ['Express 5', 'Express 4']) {
  suite.test(`${name}: the CSRF token is read from a form parsed by express.urlencoded() before the middleware, and a refusal is a CsrfError (403) for the error handler`, async () => {
    const express = name === 'Express 5' ? express5 : express4
    const app = express()
    app.use(express.urlencoded({ extended: false }))
    app.use(expressSession(options, { csrf: true }))
    app.get('/csrf', (req, res) => res.send(req.session.csrfToken()))
    app.post('/cart', (req, res) => {
      req.session.set('cart', ['apple'])
      res.send('ok')
    })
    app.post('/big', (req, res) => {
      req.session.set('big', 'x'.repeat(5000))
      res.send('never sent')
    })
    const seen = []
    app.use((error, req, res, next) => {
      seen.push(error)
      res.status(error.status ?? 500).send(error.code)
    })
    const { origin, stop } = await serve(createServer(app))
    try {
      const jar = new CookieJar()
      const first = await fetch(`${origin}/csrf`)
      jar.update(first)
      const token = await first.text()
      const form = (body) => fetch(`${origin}/cart`, { method: 'POST', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, body })
      const ok = await form(new URLSearchParams({ _csrf: token, item: 'apple' }))
      equal(ok.status, 200, 'a form with the token')
      assert(ok.headers.getSetCookie().some((line) => line.startsWith('__Host-session=')), 'the cart is saved')
      const refused = await form(new URLSearchParams({ item: 'apple' }))
      equal(refused.status, 403, 'a form without the token')
      equal(await refused.text(), 'ERR_SESSION_CSRF', 'the error handler sees the code')
      assert(seen[0] instanceof CsrfError, 'a CsrfError reaches the error handler')
      const big = await fetch(`${origin}/big`, { method: 'POST', headers: { cookie: jar.header(), 'x-csrf-token': token } })
      equal(big.status, 500, 'an oversized session, through the error handler')
      equal(await big.text(), 'ERR_SESSION_TOO_LARGE', 'the error handler sees SessionTooLargeError')
      equal(big.headers.getSetCookie().length, 0, 'no cookie with the error')
    } finally {
      await stop()
    }
  })
}

suite.test('Fastify 5: registered at the root it serves routes of child contexts; the token is read from a parsed JSON body; CsrfError (403) and SessionTooLargeError reach setErrorHandler', async () => {
  const app = Fastify()
  await app.register(fastifySession(options, { csrf: true }))
  const seen = []
  app.setErrorHandler((error, request, reply) => {
    seen.push(error.code)
    return reply.code(error.statusCode ?? 500).send(error.code)
  })
  await app.register(async (child) => {
    child.get('/csrf', async (request) => request.session.csrfToken())
    child.post('/cart', async (request) => {
      request.session.set('cart', ['apple'])
      return 'ok'
    })
    child.post('/big', async (request) => {
      request.session.set('big', 'x'.repeat(5000))
      return 'never sent'
    })
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const origin = `http://127.0.0.1:${app.server.address().port}`
  try {
    const jar = new CookieJar()
    const first = await fetch(`${origin}/csrf`)
    jar.update(first)
    const token = await first.text()
    assert(jar.get('__Host-session') !== undefined, 'the child route sets the cookie')
    const json = (path, body) => fetch(`${origin}${path}`, { method: 'POST', headers: { cookie: jar.header(), 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const ok = await json('/cart', { _csrf: token, item: 'apple' })
    equal(ok.status, 200, 'a JSON body with the token')
    assert(ok.headers.getSetCookie().some((line) => line.startsWith('__Host-session=')), 'the cart is saved')
    const refused = await json('/cart', { item: 'apple' })
    equal(refused.status, 403, 'a body without the token')
    equal(refused.headers.getSetCookie().length, 0, 'a refused request sets no cookie')
    const big = await json('/big', { _csrf: token })
    equal(big.status, 500, 'an oversized session, through the error handler')
    equal(big.headers.getSetCookie().length, 0, 'no cookie with the error')
    equal(seen.join(), 'ERR_SESSION_CSRF,ERR_SESSION_TOO_LARGE', 'the error handler sees both errors')
  } finally {
    await app.close()
  }
})

suite.test('expressSession() refuses an unknown setting when it is built (ConfigurationError)', async () => {
  let error
  try {
    expressSession(options, { csrff: true })
  } catch (caught) {
    error = caught
  }
  equal(error?.code, 'ERR_SESSION_CONFIGURATION', 'error code')
  let short
  try {
    expressSession({ secrets: 'short' })
  } catch (caught) {
    short = caught
  }
  equal(short?.code, 'ERR_SESSION_CONFIGURATION', 'a short secret is refused at start-up')
})

finish(await suite.run())
