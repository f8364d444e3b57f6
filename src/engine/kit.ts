import { optionsObject, refuseUnknownKeys } from '../strict.js'
import type { Json } from '../session/envelope.js'
import type { SessionOptions } from '../session/options.js'
import type { SessionData } from '../session/session.js'
import { csrfCheck, type CsrfCheck, type CsrfOptions } from './csrf.js'
import { createSessions, type SessionEngine } from './engine.js'

/**
 * What every adapter takes: the session options, or a function of the framework's request
 * (or context) returning them, so secrets and stores can be read per request (`c.env` on
 * Workers, `$env/dynamic/private` in SvelteKit).
 */
export type OptionsOf<C> = SessionOptions | ((context: C) => SessionOptions)

/**
 * The engine of each request. Options given as an object are checked now, when the app
 * starts, and a mistake never reaches a user's request; options given as a function are
 * checked each time it is called (the first request shows a mistake), and key derivation
 * stays cached per secret, so building the engine per request costs nothing measurable.
 * `build` lets an adapter refuse what it cannot carry before the engine is made.
 */
export function engineFor<T extends SessionData<T> = Record<string, Json>, C = void>(
  options: OptionsOf<C>,
  build: (options: SessionOptions) => SessionEngine<T> = createSessions<T>,
): (context: C) => SessionEngine<T> {
  if (typeof options === 'function') return (context) => build(options(context))
  const fixed = build(options)
  return () => fixed
}

/** An adapter's own settings, beside the session options. */
export interface AdapterConfig {
  /**
   * Require a valid `session.csrfToken()` on every method but GET, HEAD, OPTIONS and TRACE
   * (OWASP CSRF Prevention Cheat Sheet: synchronizer tokens); others get 403. @default false
   */
  readonly csrf?: boolean | CsrfOptions
}

/**
 * The adapter's settings, checked like every options object (an unknown key names the fix),
 * and its CSRF check (`undefined` when off).
 */
export function adapterConfig(adapter: string, config: AdapterConfig | undefined): { readonly checkCsrf: CsrfCheck | undefined } {
  if (config === undefined) return { checkCsrf: undefined }
  refuseUnknownKeys(optionsObject(config, `${adapter}'s second argument`), {
    path: '',
    noun: `a setting of ${adapter} (the session options are its first argument)`,
    known: ['csrf'],
  })
  return { checkCsrf: csrfCheck(config.csrf) }
}

/** What every adapter says when it refuses a request for its CSRF token, each in its framework's way. */
export const CSRF_REFUSED = 'Invalid or missing CSRF token'

/**
 * The CSRF refusal for adapters that answer it themselves: 403, never cached, JSON for a
 * client that asked for JSON (SvelteKit's `use:enhance`, `fetch`), text otherwise.
 */
export function csrfRefusal(request: Request): Response {
  const message = CSRF_REFUSED
  const headers = { 'cache-control': 'no-store' }
  if (/\bapplication\/json\b/.test(request.headers.get('accept') ?? '')) return Response.json({ message }, { status: 403, headers })
  return new Response(message, { status: 403, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' } })
}

/** SameSite as framework cookie stores spell it (SvelteKit's, Astro's, Next's cookies are `cookie`-package style). */
export function lowerSameSite(sameSite: 'Strict' | 'Lax' | 'None'): 'strict' | 'lax' | 'none' {
  return sameSite === 'Strict' ? 'strict' : sameSite === 'Lax' ? 'lax' : 'none'
}
