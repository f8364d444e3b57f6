import { ConfigurationError } from '../errors.js'
import { normalizeSecrets, type NormalizedSecret, type Secrets, type SecretWithId } from '../keys/secrets.js'
import { UsageError, type CliHost } from './host.js'

/** A token is a few KiB at most (browsers keep 4096 bytes per cookie); 64 KiB leaves room for any paste. */
export const MAX_TOKEN_BYTES: number = 64 * 1024

/**
 * The token to work on: standard input for `-` or no argument (recommended: a token is a
 * credential, and an argument lands in shell history and in `ps` for every local user),
 * or the argument. Standard input is read to its end, at most 64 KiB, and one trailing
 * newline is dropped; a second line is refused rather than guessed at. Accepts a pasted
 * `name=value` cookie or a Set-Cookie line, and keeps only the value.
 */
export async function readToken(positional: string | undefined, host: CliHost): Promise<string> {
  return (await readPasted(positional, host)).token
}

/** What was pasted: the token, and the cookie's name when it came as `name=value`. */
export interface Pasted {
  readonly token: string
  readonly cookieName?: string
}

/** {@link readToken}, keeping the name of a pasted cookie (`session=…` names the cookie to open it for). */
export async function readPasted(positional: string | undefined, host: CliHost): Promise<Pasted> {
  let text: string
  if (positional === undefined || positional === '-') {
    const read = await host.readStdin(MAX_TOKEN_BYTES)
    if (read.kind === 'terminal') {
      throw new UsageError('pipe the token in (it keeps the token out of shell history and ps): pbpaste | sealed-session inspect -')
    }
    if (read.kind === 'too-large') throw new UsageError(`standard input is larger than 64 KiB; a token is a few KiB at most (browsers keep 4096 bytes per cookie)`)
    text = read.text.replace(/\r?\n$/, '')
    if (/[\r\n]/.test(text)) throw new UsageError('standard input holds more than one line; give one token (one trailing newline is fine)')
  } else {
    text = positional
    if (text.length > MAX_TOKEN_BYTES) throw new UsageError('the token argument is larger than 64 KiB; a token is a few KiB at most')
  }
  let token = text.trim()
  const semicolon = token.indexOf(';')
  if (semicolon >= 0) token = token.slice(0, semicolon).trim()
  const equals = token.indexOf('=')
  let cookieName: string | undefined
  if (equals >= 0) {
    const name = token.slice(0, equals).trim()
    // A cookie name is an RFC 6265 token; anything else before '=' is not a name we trust.
    if (/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) cookieName = name
    token = token.slice(equals + 1).trim()
  }
  if (token.length === 0) throw new UsageError('the token is empty')
  return cookieName === undefined ? { token } : { token, cookieName }
}

/** A whole number of seconds from an option, at least `min`. */
export function seconds(name: string, value: string | boolean | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback
  const n = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name} takes a whole number of seconds, at least ${min}; got ${String(value)}`)
  return n
}

/** `--at`: Unix seconds, or an ISO 8601 date and time. */
export function clock(value: string | boolean | undefined, host: CliHost): number {
  if (value === undefined) return Math.floor(host.now() / 1000)
  if (typeof value === 'string' && /^[0-9]+$/.test(value)) return Number(value)
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN
  if (Number.isNaN(ms)) throw new UsageError(`--at takes Unix seconds or an ISO 8601 time such as 2026-11-22T12:00:00Z; got ${String(value)}`)
  return Math.floor(ms / 1000)
}

/**
 * The secrets from the environment variable `name`, given to the library as they are, so
 * the CLI reads them by the same rule as the app (`normalizeSecrets`: one string holding
 * one or more secrets separated by whitespace or commas, newest first), or a JSON list of
 * strings and `{ id, secret }`. Errors never quote the variable's value.
 */
export function secretsFromEnv(name: string | boolean | undefined, host: CliHost): readonly NormalizedSecret[] {
  if (typeof name !== 'string' || name.length === 0) {
    throw new UsageError('open needs --secret-env NAME: the environment variable holding the secrets (never pass a secret as an argument)')
  }
  const value = host.env[name]
  if (value === undefined || value.trim().length === 0) {
    throw new UsageError(`the environment variable ${name} is not set or is empty; set it first, e.g. read -rs ${name} && export ${name}`)
  }
  let secrets: Secrets = value
  if (value.trim().startsWith('[')) {
    try {
      secrets = JSON.parse(value) as (string | SecretWithId)[]
    } catch {
      throw new UsageError(`${name} starts with "[" but is not a JSON list of secrets`)
    }
  }
  try {
    return normalizeSecrets(secrets)
  } catch (error) {
    if (error instanceof ConfigurationError) throw new UsageError(`${name}: ${error.message}`)
    throw error
  }
}
