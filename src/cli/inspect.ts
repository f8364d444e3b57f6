import { decodeBase64url } from '../format/base64url.js'
import { HEADER_LENGTH, IV_LENGTH, MIN_TOKEN_LENGTH, parseToken, TAG_LENGTH, VERSION } from '../format/token.js'
import { decodeHeader, readCompact } from '../jwe/compact.js'
import { keyIdOf } from '../jwe/keys.js'
import { EXIT_OK, EXIT_REFUSED, type CliHost } from './host.js'
import { iso, json, relative, table } from './output.js'

export interface InspectOptions {
  readonly now: number
  readonly epochSeconds: number
  readonly json: boolean
}

/** Prints what a token shows without any key: v1's 10-byte header, or a JWE's protected header. */
export function inspect(token: string, options: InspectOptions, host: CliHost): number {
  return token.includes('.') ? inspectJwe(token, options, host) : inspectV1(token, options, host)
}

function inspectV1(token: string, options: InspectOptions, host: CliHost): number {
  const bytes = decodeBase64url(token)
  const parsed = bytes === undefined ? ({ ok: false, reason: 'malformed' } as const) : parseToken(bytes)
  if (bytes === undefined || !parsed.ok) {
    const detail =
      bytes === undefined
        ? 'not base64url (RFC 4648 §5, no padding), and not a compact JWE'
        : parsed.ok === false && parsed.reason === 'version'
          ? `version byte is ${bytes[0]}, not ${VERSION}`
          : `${bytes.length} bytes; a v1 token has at least ${MIN_TOKEN_LENGTH}`
    return refused(parsed.ok === false ? parsed.reason : 'malformed', detail, options, host)
  }
  const { keyId, epoch, expiresAt } = parsed.header
  const epochStart = epoch * options.epochSeconds
  const expired = expiresAt <= options.now
  const plaintextBytes = bytes.length - HEADER_LENGTH - IV_LENGTH - TAG_LENGTH
  if (options.json) {
    host.stdout(
      json({ format: 'v1', version: VERSION, keyId, epoch, epochStart: iso(epochStart), expiresAt, expires: iso(expiresAt), expired, length: token.length, bytes: bytes.length, plaintextBytes }),
    )
  } else {
    host.stdout(
      table([
        ['format', 'sealed-session v1 (AES-256-GCM, docs/FORMAT.md)'],
        ['version', String(VERSION)],
        ['key id', String(keyId)],
        ['epoch', `${epoch} (sealed ${iso(epochStart)} to ${iso(epochStart + options.epochSeconds)}, with ${options.epochSeconds}-second epochs)`],
        ['expires', `${iso(expiresAt)} (${expired ? 'expired ' : ''}${relative(expiresAt, options.now)})`],
        ['size', `${token.length} characters, ${bytes.length} bytes (${plaintextBytes}-byte plaintext)`],
      ]),
    )
  }
  return EXIT_OK
}

function inspectJwe(token: string, options: InspectOptions, host: CliHost): number {
  const read = readCompact(token)
  if (!read.ok) {
    const header = read.header ?? decodeHeader(token.split('.')[0] ?? '')
    return refused(read.reason, read.detail, options, host, header === undefined ? {} : { format: 'jwe', header })
  }
  const keyId = keyIdOf(read.header.kid) ?? null
  if (options.json) {
    host.stdout(json({ format: 'jwe', header: read.header, keyId, length: token.length, ciphertextBytes: read.ciphertextLength }))
  } else {
    host.stdout(
      table([
        ['format', 'JWE compact serialization (RFC 7516), docs/JWE.md'],
        ['header', JSON.stringify(read.header)],
        ['key id', keyId === null ? `none: kid ${JSON.stringify(read.header.kid)} is not a sealed-session key id (0-255)` : String(keyId)],
        ['expires', 'inside the ciphertext (the exp claim): use `sealed-session open`'],
        ['size', `${token.length} characters, ${read.ciphertextLength}-byte ciphertext`],
      ]),
    )
  }
  return EXIT_OK
}

function refused(reason: string, detail: string, options: InspectOptions, host: CliHost, extra: Record<string, unknown> = {}): number {
  if (options.json) host.stdout(json({ ...extra, refused: { reason, detail } }))
  else {
    if (extra['header'] !== undefined) host.stdout(table([['header', JSON.stringify(extra['header'])]]))
    host.stderr(`refused (${reason}): ${detail}\n`)
  }
  return EXIT_REFUSED
}
