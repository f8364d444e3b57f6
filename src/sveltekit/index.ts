/**
 * Sessions for SvelteKit: a `handle` hook that puts the session on `event.locals` and
 * commits it on the response, and `saveSession()` to seal it inside an action.
 * @packageDocumentation
 */
export { sessionHandle, saveSession, type SessionLocals, type SessionHandleOptions, type SessionHandleConfig, type CsrfOptions } from './handle.js'
