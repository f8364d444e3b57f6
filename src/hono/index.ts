/**
 * Sessions for Hono: `session()` middleware and its typed context variables.
 * @packageDocumentation
 */
export {
  session,
  type SessionEnv,
  type SessionVariables,
  type SessionMiddlewareOptions,
  type SessionMiddlewareConfig,
  type CsrfOptions,
} from './session.js'
export { requireFresh, type RequireFreshOptions } from './fresh.js'
