import type { InvalidReason } from '../errors.js'
import { readCompact } from '../jwe/compact.js'
import { makeCodec, openString } from '../keys/codec.js'
import type { NormalizedSecret } from '../keys/secrets.js'
import { EXIT_OK, EXIT_REFUSED, UsageError, type CliHost } from './host.js'
import { iso, json, relative, table } from './output.js'

export interface OpenOptions {
  readonly secrets: readonly NormalizedSecret[]
  /** The HKDF purpose: the cookie name, or `value:` + the purpose given to `seal()`. */
  readonly purpose: string
  readonly epochSeconds: number
  /** The longest a token may live (`--max-age-limit`, the app's `lifetime.maxAgeLimit`), in seconds: bounds the accepted epochs. */
  readonly maxAgeLimit: number
  readonly clockSkew: number
  readonly now: number
  readonly json: boolean
}

type Opened =
  | { readonly ok: true; readonly format: 'v1' | 'jwe'; readonly keyId: number; readonly expiresAt: number; readonly payload: unknown }
  | { readonly ok: false; readonly reason: InvalidReason; readonly detail?: string }

/** Decrypts a token for debugging and prints its JSON and expiry. Never prints a secret. */
export async function open(token: string, options: OpenOptions, host: CliHost): Promise<number> {
  const opened = token.includes('.') ? await openJwe(token, options) : await openV1(token, options)
  if (!opened.ok) {
    const detail = opened.detail ?? hint(opened.reason, options)
    if (options.json) host.stdout(json({ refused: { reason: opened.reason, detail } }))
    else host.stderr(`refused (${opened.reason}): ${detail}\n`)
    return EXIT_REFUSED
  }
  const { format, keyId, expiresAt, payload } = opened
  if (options.json) {
    host.stdout(json({ format, keyId, expiresAt, expires: iso(expiresAt), payload }))
  } else {
    host.stdout(
      table([
        ['format', format],
        ['key id', String(keyId)],
        ['expires', `${iso(expiresAt)} (${relative(expiresAt, options.now)})`],
      ]) + json(payload),
    )
  }
  return EXIT_OK
}

async function openV1(token: string, options: OpenOptions): Promise<Opened> {
  const codec = makeCodec(options.secrets, options.purpose, options.epochSeconds, options.maxAgeLimit, options.clockSkew)
  const opened = await openString(codec, token, options.now)
  if (!opened.ok) return opened
  let payload: unknown
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(opened.plaintext))
  } catch {
    return { ok: false, reason: 'payload' }
  }
  return { ok: true, format: 'v1', keyId: opened.header.keyId, expiresAt: opened.header.expiresAt, payload }
}

async function openJwe(token: string, options: OpenOptions): Promise<Opened> {
  // What needs no key is checked without jose, so a broken token is named even where jose is missing.
  const read = readCompact(token)
  if (!read.ok) return { ok: false, reason: read.reason, detail: read.detail }
  let jwe: typeof import('../jwe/format.js')
  try {
    jwe = await import('../jwe/format.js')
  } catch {
    throw new UsageError('opening a JWE token needs the optional dependency jose: npm install jose')
  }
  const context = { secrets: options.secrets, purpose: options.purpose, maxAgeLimit: options.maxAgeLimit, clockSkew: options.clockSkew }
  const opened = await jwe.openJwe(context, token, options.now)
  if (!opened.ok) return opened
  return { ok: true, format: 'jwe', keyId: opened.keyId, expiresAt: opened.exp, payload: opened.claims }
}

function hint(reason: InvalidReason, options: OpenOptions): string {
  const ids = options.secrets.map((s) => s.id).join(', ')
  switch (reason) {
    case 'unknown-key':
      return `the token's key id is not one of the configured secrets (key ids ${ids}); it was sealed under a secret you did not give`
    case 'decrypt':
      return `decryption failed: a different secret with the same key id, another cookie name than "${options.purpose}" (--cookie, --purpose), or a changed token`
    case 'expired':
      return 'the token has expired; add --at with an earlier time to open it as of then'
    case 'stale-epoch':
      return 'the token was sealed outside the accepted window: check --max-age-limit, --epoch-seconds and --at'
    case 'payload':
      return 'decrypted, but the plaintext is not a session (or JSON)'
    case 'version':
      return 'not a token this version of sealed-session reads (try `sealed-session inspect`)'
    default:
      return 'not a sealed-session token (try `sealed-session inspect`)'
  }
}
