/**
 * Sessions for Elysia: the `sealedSession()` plugin, which derives a typed `session` into
 * every handler's context and commits it after the handler.
 * @packageDocumentation
 */
export { sealedSession, type SessionPlugin, type SessionContext, type ElysiaSessionOptions, type ElysiaSessionConfig, type CsrfOptions } from './plugin.js'
