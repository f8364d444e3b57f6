#!/usr/bin/env node
/**
 * Writes test/vectors/legacy.json: cookies sealed by the peers' own libraries (iron-session
 * 8, @auth/core, react-router), so the migrate readers are checked on every runtime the core
 * suite runs on (Node and workerd) without the peers installed there.
 *
 *   PATH=node_modules/node/bin:$PATH node test/vectors/legacy.mjs
 */
import { writeFileSync } from 'node:fs'
import { encode } from '@auth/core/jwt'
import { sealData } from 'iron-session'
import { createCookieSessionStorage } from 'react-router'

const iron = { cookieName: 'app_session', password: 'iron-password-one-0123456789abcdefghij' }
const auth = { cookieName: '__Secure-authjs.session-token', secret: 'auth-js-secret-new-0123456789abcdefghijkl' }
const router = { name: '__session', secrets: ['react-router-secret-2024'] }

const now = Date.now()
const storage = createCookieSessionStorage({ cookie: { ...router } })
const session = await storage.getSession()
session.set('userId', 'u1')
const routerLine = await storage.commitSession(session)

const vectors = {
  note: 'Sealed by iron-session 8.0.4 (ttl 0: no expiry), @auth/core 0.41.3 encode() (exp 10 years on), react-router 8.4.0 createCookieSessionStorage(). Regenerate with test/vectors/legacy.mjs.',
  sealedAt: now,
  iron: { ...iron, cookie: `${iron.cookieName}=${await sealData({ userId: 42 }, { password: iron.password, ttl: 0 })}`, subject: '42' },
  auth: { ...auth, cookie: `${auth.cookieName}=${await encode({ token: { sub: 'user-1' }, secret: auth.secret, salt: auth.cookieName, maxAge: 10 * 365 * 86400 })}`, subject: 'user-1' },
  router: { ...router, cookie: routerLine.split(';')[0], subject: 'u1' },
}
writeFileSync(new URL('./legacy.json', import.meta.url), `${JSON.stringify(vectors, null, 2)}\n`)
console.log('wrote test/vectors/legacy.json')
