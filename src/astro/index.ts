/**
 * Sessions for Astro: an `onRequest` middleware that puts a typed session on
 * `context.locals` (`Astro.locals.session`) and commits it on the response, for
 * on-demand rendered pages and API routes.
 * @packageDocumentation
 */
export {
  sessionMiddleware,
  type SessionLocals,
  type AstroSessionOptions,
  type SessionMiddlewareConfig,
  type CsrfOptions,
} from './middleware.js'
