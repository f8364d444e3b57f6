import { ConfigurationError } from '../errors.js'
import { optionsObject, refuseUnknownKeys } from '../strict.js'
import { fieldScanner, readField } from './form-field.js'

/** Where a synchronizer-token check looks for `session.csrfToken()`. */
export interface CsrfOptions {
  /** Request header holding the token (for fetch and XHR). @default 'x-csrf-token' */
  readonly header?: string
  /**
   * Form field holding the token (urlencoded and multipart forms), read only from the
   * first 64 KiB of the body: place the hidden input first in the form, before any file
   * input, or send the header. @default '_csrf'
   */
  readonly field?: string
}

/** Methods that must not change state (RFC 9110 §9.2.1), so need no token. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

/** Checks a request against its session's CSRF secret; true when it may go on. */
export type CsrfCheck = (request: Request, session: { verifyCsrf(token: unknown): boolean }) => Promise<boolean>

/**
 * The adapters' synchronizer-token check (OWASP CSRF Prevention Cheat Sheet), from their
 * `csrf` setting: `undefined` when it is off. Safe methods pass; any other needs a valid
 * token in the header or the form field. The field is looked for in a clone of the body,
 * so the handler can still read it all, and only in its first 64 KiB (`FORM_FIELD_LIMIT`):
 * the check runs before authentication, so a body it read whole would let anyone spend the
 * server's memory (issue 19). A malformed or cut-off body carries no token.
 */
export function csrfCheck(config: boolean | CsrfOptions | undefined): CsrfCheck | undefined {
  if (config === undefined || config === false) return undefined
  if (config !== true) {
    refuseUnknownKeys(optionsObject(config, 'csrf'), { path: 'csrf.', noun: 'a CSRF option', known: ['header', 'field'] })
    for (const key of ['header', 'field'] as const) {
      const value = config[key]
      if (value !== undefined && (typeof value !== 'string' || value.length === 0)) throw new ConfigurationError(`csrf.${key} must be a non-empty string, got ${JSON.stringify(value)}`)
    }
  }
  const header = (config === true ? undefined : config.header) ?? 'x-csrf-token'
  const field = (config === true ? undefined : config.field) ?? '_csrf'
  return async function checkCsrf(request, session) {
    if (SAFE_METHODS.has(request.method)) return true
    let token: unknown = request.headers.get(header)
    const scan = token === null ? fieldScanner(request.headers.get('content-type') ?? '', field) : undefined
    if (scan !== undefined) {
      try {
        const body = request.clone().body
        token = body === null ? undefined : await readField(body, scan)
      } catch {
        // A body already read (or locked) cannot be cloned: it carries no token.
        token = undefined
      }
    }
    return session.verifyCsrf(token)
  }
}
