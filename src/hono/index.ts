/**
 * Sessions for Hono: `session()` middleware and its typed context variables.
 * @module
 */
export { session, type SessionEnv, type SessionVariables, type SessionMiddlewareOptions } from './session.js'
