/**
 * Sessions for h3 1.15, the h3 of Nuxt 4 and Nitro 2: the `sealedSession()` middleware,
 * `useSealedSession(event)` (typed through `Register`), and `commitSealedSession`, the
 * response hook that sets the cookie.
 * @packageDocumentation
 */
export {
  sealedSession,
  useSealedSession,
  useSealedSessions,
  commitSealedSession,
  type Register,
  type RegisteredData,
  type H3SessionOptions,
  type H3SessionConfig,
  type H3ResponseLike,
  type CsrfOptions,
} from './session.js'
