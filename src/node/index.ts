/**
 * Sessions for Node servers: `nodeSessions()` for a plain `node:http` server and
 * `expressSession()` middleware for Express 5 and 4 (`req.session`, typed through `Register`),
 * and the `fastifySession()` plugin for Fastify 5 (`request.session`).
 * @packageDocumentation
 */
export {
  nodeSessions,
  writeCommit,
  writeCsrfRefusal,
  type NodeSessions,
  type NodeRequest,
  type NodeResponse,
  type NodeSessionOptions,
  type NodeSessionConfig,
  type CsrfOptions,
} from './http.js'
export { expressSession, CsrfError, type Register, type RegisteredData, type ExpressRequest, type ExpressResponse, type ExpressSessionMiddleware } from './express.js'
export {
  fastifySession,
  type FastifySessionFields,
  type FastifySessionPlugin,
  type FastifyRequestLike,
  type FastifyReplyLike,
  type FastifyInstanceLike,
} from './fastify.js'
