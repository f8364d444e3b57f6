import { encodeBase64url } from '../format/base64url.js'
import { sha256 } from '../keys/digest.js'
import type { ResolvedOptions } from '../session/options.js'
import type { HeaderReader } from '../transport/transport.js'

/** Where request headers can come from: a Request, its Headers, or the Cookie header text. */
export type CookieSource =
  | { readonly headers: { get(name: string): string | null } }
  | { get(name: string): string | null }
  | string
  | null
  | undefined

const NO_HEADERS: HeaderReader = { get: () => null }

/** The request's headers, read defensively: a getter that throws (hostile or broken input) reads as absent. */
export function headersOf(source: CookieSource): HeaderReader {
  let headers: HeaderReader
  try {
    if (source === null || source === undefined) return NO_HEADERS
    if (typeof source === 'string') return { get: (name) => (name.toLowerCase() === 'cookie' ? source : null) }
    headers = 'headers' in source ? source.headers : source
  } catch {
    return NO_HEADERS
  }
  return {
    get(name) {
      try {
        const value = headers.get(name)
        return typeof value === 'string' ? value : null
      } catch {
        return null
      }
    },
  }
}

/** This request's client binding: the digest of the hook's value, or undefined when it gave none. */
export interface Binding {
  readonly digest: string | undefined
}

/**
 * The client binding of this request. `undefined` when no `binding` hook is configured;
 * `{ digest: undefined }` when the hook gave no value or failed, which a session sealed
 * with a binding treats as a mismatch (a stolen cookie must not open by dropping the header).
 */
export async function bindingOf(options: ResolvedOptions, headers: HeaderReader): Promise<Binding | undefined> {
  if (options.binding === undefined) return undefined
  try {
    const value = await options.binding(headers)
    if (value === undefined) return { digest: undefined }
    return { digest: encodeBase64url((await sha256(`sealed-session binding\0${value}`)).slice(0, 16)) }
  } catch {
    return { digest: undefined }
  }
}
