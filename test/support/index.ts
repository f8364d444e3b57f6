/**
 * What the vitest suites share (Node, workerd, edge): test secrets, a hand-moved clock,
 * sessions with recorded events, and the cookie jar. The script runners (conformance,
 * browser, load, docs, Next.js) use ./processes.mjs, ./runner.mjs and ./jar.mjs directly.
 */
export { Clock, harness, SECRET_A, SECRET_B, SECRET_C, type Harness } from './sessions.js'
export { CookieJar, cookieHeader, setCookieLines, tokenOf } from './jar.mjs'
export { generatedBody, type GeneratedBody } from './body.js'
