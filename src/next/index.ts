/**
 * Sessions for Next.js (App Router): `proxy.ts` / `middleware.ts`, route handlers, server
 * actions and server components.
 * @module
 */
export {
  nextSessions,
  type NextSessions,
  type NextSessionOptions,
  type SessionProxy,
  type SessionProxyHandler,
  type SessionProxyResult,
} from './sessions.js'
export { cookieHeaderAfter } from '../cookie/header.js'
export { NextReadonlyCookiesError } from './errors.js'
