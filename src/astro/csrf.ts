/** Where the CSRF check looks for the token. */
export interface CsrfOptions {
  /** Request header holding the token (for fetch and XHR). @default 'x-csrf-token' */
  readonly header?: string
  /** Form field holding the token (urlencoded and multipart forms). @default '_csrf' */
  readonly field?: string
}

const FORM_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i

/**
 * The CSRF token a request carries: its header, else its form field. The form is read
 * from a clone, so the page or API route can still read the body.
 */
export async function csrfTokenOf(request: Request, options: CsrfOptions): Promise<unknown> {
  const token = request.headers.get(options.header ?? 'x-csrf-token')
  if (token !== null) return token
  if (!FORM_TYPES.test(request.headers.get('content-type') ?? '')) return undefined
  try {
    return (await request.clone().formData()).get(options.field ?? '_csrf') ?? undefined
  } catch {
    return undefined // A malformed body has no token.
  }
}
