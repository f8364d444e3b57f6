import { ConfigurationError } from '../errors.js'
import { normalizeSecrets, type NormalizedSecret, type SecretWithId } from '../keys/secrets.js'
import { UsageError, type CliHost } from './host.js'

/**
 * The token to work on: the argument, or standard input for `-` or no argument (a token
 * is a credential: piping keeps it out of shell history). Accepts a pasted `name=value`
 * cookie or a Set-Cookie line, and keeps only the value.
 */
export async function readToken(positional: string | undefined, host: CliHost): Promise<string> {
  let text = positional
  if (text === undefined || text === '-') {
    text = await host.readStdin()
    if (text === undefined) throw new UsageError('give a token as an argument, or pipe it in: pbpaste | sealed-session inspect -')
  }
  let token = text.trim()
  const semicolon = token.indexOf(';')
  if (semicolon >= 0) token = token.slice(0, semicolon).trim()
  const equals = token.indexOf('=')
  if (equals >= 0) token = token.slice(equals + 1).trim()
  if (token.length === 0) throw new UsageError('the token is empty')
  return token
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
 * The secrets from the environment variable `name`: one secret, several separated by
 * whitespace or commas (newest first), or a JSON list of strings and `{ id, secret }`.
 * Errors never quote the variable's value.
 */
export function secretsFromEnv(name: string | boolean | undefined, host: CliHost): readonly NormalizedSecret[] {
  if (typeof name !== 'string' || name.length === 0) {
    throw new UsageError('open needs --secret-env NAME: the environment variable holding the secrets (never pass a secret as an argument)')
  }
  const value = host.env[name]
  if (value === undefined || value.trim().length === 0) {
    throw new UsageError(`the environment variable ${name} is not set or is empty; set it first, e.g. read -rs ${name} && export ${name}`)
  }
  let list: readonly (string | SecretWithId)[]
  if (value.trim().startsWith('[')) {
    try {
      list = JSON.parse(value) as (string | SecretWithId)[]
    } catch {
      throw new UsageError(`${name} starts with "[" but is not a JSON list of secrets`)
    }
  } else {
    list = value.split(/[\s,]+/).filter((s) => s.length > 0)
  }
  try {
    return normalizeSecrets(list)
  } catch (error) {
    if (error instanceof ConfigurationError) throw new UsageError(`${name}: ${error.message}`)
    throw error
  }
}
