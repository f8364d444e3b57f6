/** Where a synchronizer-token check looks for `session.csrfToken()`. */
export interface CsrfOptions {
  /** Request header holding the token (for fetch and XHR). @default 'x-csrf-token' */
  readonly header?: string
  /** Form field holding the token (urlencoded and multipart forms). @default '_csrf' */
  readonly field?: string
}

/** Methods that must not change state (RFC 9110 §9.2.1), so need no token. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])
const FORM_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i

/** Checks a request against its session's CSRF secret; true when it may go on. */
export type CsrfCheck = (request: Request, session: { verifyCsrf(token: unknown): boolean }) => Promise<boolean>

/**
 * The adapters' synchronizer-token check (OWASP CSRF Prevention Cheat Sheet), from their
 * `csrf` setting: `undefined` when it is off. Safe methods pass; any other needs a valid
 * token in the header or the form field. The form is read from a clone, so the handler
 * can still read the body; a malformed body carries no token.
 */
export function csrfCheck(config: boolean | CsrfOptions | undefined): CsrfCheck | undefined {
  if (config === undefined || config === false) return undefined
  const header = (config === true ? undefined : config.header) ?? 'x-csrf-token'
  const field = (config === true ? undefined : config.field) ?? '_csrf'
  return async function checkCsrf(request, session) {
    if (SAFE_METHODS.has(request.method)) return true
    let token: unknown = request.headers.get(header)
    if (token === null && FORM_TYPES.test(request.headers.get('content-type') ?? '')) {
      try {
        token = (await request.clone().formData()).get(field)
      } catch {
        token = undefined
      }
    }
    return session.verifyCsrf(token)
  }
}
