import { ConfigurationError } from '../errors.js'
import { encodeBase64url } from '../format/base64url.js'

/**
 * One secret, or several, newest first. The newest seals; all of them open.
 *
 * - A string holds one or more secrets separated by whitespace or commas, so an
 *   environment variable such as `SESSION_SECRETS="<new> <old>"` is passed as it is.
 * - A list holds one secret per entry; an entry containing whitespace or a comma is
 *   refused (it looks like a list, and would otherwise become one wrong secret).
 *
 * Give explicit ids (0–255) when you want to choose them; otherwise each secret's id is
 * derived from the secret itself, so it survives adding and removing other secrets.
 *
 * @example
 * ```ts
 * secrets: env.SESSION_SECRETS                       // "<new> <old>": split on whitespace or commas
 * secrets: ['<new, 32+ random chars>', '<previous, still opens old cookies>']
 * secrets: [{ id: 2, secret: env.SECRET_2 }, { id: 1, secret: env.SECRET_1 }]
 * ```
 */
export type Secrets = string | readonly (string | SecretWithId)[]

/** A secret with the key id you choose for it: ids let you reorder and remove secrets freely. */
export interface SecretWithId {
  /** The key id written into each token's header, 0–255. */
  readonly id: number
  /** At least 32 characters of random text, e.g. from `generateSecret()`. */
  readonly secret: string
}

/** A checked secret with its key id: what `Secrets` becomes inside the library. */
export interface NormalizedSecret {
  /** The key id written into each token's header, 0–255. */
  readonly id: number
  /** The secret text. */
  readonly secret: string
}

/** 32 characters of random base64url text carry 192 bits (NIST SP 800-131A: at least 112). */
export const MIN_SECRET_LENGTH = 32

/** Whitespace or commas: what separates secrets in a string (docs: "Secrets and rotation"). */
const SEPARATORS = /[\s,]+/

/**
 * Checks and orders secrets. Throws `ConfigurationError` for an empty list, a secret
 * shorter than 32 characters, a list entry that looks like a list, an id outside 0–255
 * or two secrets with the same id.
 */
export function normalizeSecrets(secrets: Secrets): readonly NormalizedSecret[] {
  const list = typeof secrets === 'string' ? secrets.split(SEPARATORS).filter((part) => part.length > 0) : secrets
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigurationError(
      'secrets must be a string (one or more secrets separated by spaces or commas, newest first) or a non-empty list; ' +
        'generate one with generateSecret() or `npx sealed-session secret`',
    )
  }
  const out: NormalizedSecret[] = []
  const seen = new Map<number, number>()
  list.forEach((entry: string | SecretWithId, index: number) => {
    const secret = typeof entry === 'string' ? entry : entry?.secret
    if (typeof secrets !== 'string' && typeof secret === 'string' && SEPARATORS.test(secret)) {
      throw new ConfigurationError(
        `secrets[${index}] contains whitespace or a comma, so it looks like several secrets in one entry. ` +
          'Pass the whole string as `secrets` (it is split on whitespace and commas, newest first) or one secret per list entry',
      )
    }
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
      const length = typeof secret === 'string' ? secret.length : 0
      throw new ConfigurationError(
        `secrets[${index}] has ${length} characters; a secret needs at least ${MIN_SECRET_LENGTH} characters of random text. ` +
          'Generate one with generateSecret() or `npx sealed-session secret`',
      )
    }
    const id = typeof entry === 'string' ? deriveKeyId(secret) : entry.id
    if (!Number.isInteger(id) || id < 0 || id > 255) {
      throw new ConfigurationError(`secrets[${index}].id must be an integer from 0 to 255, got ${String(id)}`)
    }
    const other = seen.get(id)
    if (other !== undefined) {
      throw new ConfigurationError(
        `secrets[${other}] and secrets[${index}] both have key id ${id}` +
          (typeof entry === 'string' ? ' (derived from the secrets)' : '') +
          '; give each secret an explicit, distinct id: [{ id: 2, secret }, { id: 1, secret }]',
      )
    }
    seen.set(id, index)
    out.push({ id, secret })
  })
  return out
}

/**
 * The key id of a secret given without one: FNV-1a (32-bit) over the UTF-16 code units
 * of "sealed-session kid\0" followed by the secret, folded to 8 bits by XOR of its four
 * bytes. It identifies, it does not protect: 8 bits of a non-cryptographic hash of a
 * 190-bit secret reveal nothing usable.
 */
export function deriveKeyId(secret: string): number {
  let h = 0x811c9dc5
  const input = 'sealed-session kid\0' + secret
  for (let i = 0; i < input.length; i++) {
    h ^= input.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return (h ^ (h >>> 8) ^ (h >>> 16) ^ (h >>> 24)) & 0xff
}

/**
 * A new secret: 32 bytes from `crypto.getRandomValues` as 43 base64url characters
 * (256 bits, the AES-256 key size; NIST SP 800-90A randomness from the platform).
 * Keep it out of source control: a secret store, or `wrangler secret put SESSION_SECRETS`.
 *
 * @example
 * ```ts
 * console.log(generateSecret()) // 43 characters; the same as `npx sealed-session secret`
 * ```
 */
export function generateSecret(): string {
  return encodeBase64url(crypto.getRandomValues(new Uint8Array(32)))
}
