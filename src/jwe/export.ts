import { ConfigurationError } from '../errors.js'
import { encodeBase64url } from '../format/base64url.js'
import { normalizeSecrets, type Secrets } from '../keys/secrets.js'
import { jweKeyBytes, kidOf } from './keys.js'

/** Options of `exportJwk()`. */
export interface ExportJwkOptions {
  /** The same secrets the sessions use, newest first. */
  readonly secrets: Secrets
  /** The cookie name the sessions use: it is bound into the key. @default '__Host-session' */
  readonly purpose?: string
}

/** A symmetric JWK (RFC 7517 §6.4) for reading the session cookie with another JOSE library. */
export interface SessionJwk {
  /** Key type: a symmetric key. */
  readonly kty: 'oct'
  /** The AES-256 key, base64url. A secret: store it like the session secrets. */
  readonly k: string
  /** The key id, as in each token's header. */
  readonly kid: string
  /**
   * The content encryption the key is for. With `alg: "dir"` the JWK's `alg` names the
   * `enc` algorithm (RFC 7520 §5.6, Figure 130), which is what jose checks.
   */
  readonly alg: 'A256GCM'
  /** No `key_ops`: RFC 7517 §4.3 says not to combine it with `use`. */
  readonly use: 'enc'
}

/**
 * The keys another service needs to read (and, if you let it, write) the JWE session
 * cookie: one JWK per secret, newest first. Give it `{ keys: await exportJwk(...) }` as a
 * JWK Set (RFC 7517 §5), and update it whenever the secrets change.
 *
 * @example
 * ```ts
 * const keys = await exportJwk({ secrets: env.SESSION_SECRETS, purpose: '__Host-session' })
 * console.log(JSON.stringify({ keys }))
 * ```
 */
export async function exportJwk(options: ExportJwkOptions): Promise<SessionJwk[]> {
  if (typeof options !== 'object' || options === null) throw new ConfigurationError('exportJwk() needs { secrets, purpose? }')
  const purpose = options.purpose ?? '__Host-session'
  if (typeof purpose !== 'string' || purpose.length === 0) {
    throw new ConfigurationError('exportJwk() purpose must be the session cookie name, such as "__Host-session"')
  }
  const secrets = normalizeSecrets(options.secrets)
  return Promise.all(
    secrets.map(async (secret): Promise<SessionJwk> => ({
      kty: 'oct',
      k: encodeBase64url(await jweKeyBytes(secret.secret, purpose)),
      kid: kidOf(secret),
      alg: 'A256GCM',
      use: 'enc',
    })),
  )
}
