import { CompactEncrypt, compactDecrypt } from 'jose'
import type { InvalidReason } from '../errors.js'
import { shippedFormat, type FormatContext, type SessionFormat, type TokenFormat } from '../session/format.js'
import { decodeClaims, encodeClaims, type DecodedClaims } from './claims.js'
import { readCompact, type ContentEncryption } from './compact.js'
import { jweKey, keyIdOf, kidOf } from './keys.js'

/**
 * The session as a standard JWE (RFC 7516 compact serialization, `alg: "dir"`,
 * `enc: "A256GCM"`, `kid`) whose plaintext is a JWT claims set, so a backend in another
 * language reads it with any JOSE library and the key from `exportJwk()`. Same secrets,
 * same rotation as v1. Larger than v1, and one key per secret instead of hourly epoch
 * keys: see docs/JWE.md before choosing it.
 *
 * @example
 * ```ts
 * import { createSessions } from 'sealed-session'
 * import { jweFormat } from 'sealed-session/jwe'
 *
 * const sessions = createSessions({ secrets: env.SESSION_SECRETS, format: jweFormat() })
 * ```
 */
export function jweFormat(): TokenFormat {
  return shippedFormat('jwe', function jwe(context: FormatContext): SessionFormat {
    return {
      seal: (record, expiresAt) => sealJwe(context, encodeClaims(record, expiresAt)),
      open: async (token, now) => {
        const opened = await openJwe(context, token, now)
        return opened.ok ? { ok: true, record: opened.record, keyId: opened.keyId } : opened
      },
    }
  })
}

export type OpenedJwe =
  | ({ readonly ok: true; readonly keyId: number } & DecodedClaims)
  | { readonly ok: false; readonly reason: InvalidReason }

async function sealJwe(context: FormatContext, claims: Uint8Array<ArrayBuffer>): Promise<string> {
  const secret = context.secrets[0]!
  const key = await jweKey(secret.secret, context.purpose)
  return new CompactEncrypt(claims).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: kidOf(secret) }).encrypt(key)
}

/**
 * Opens a session JWE; never throws. Everything visible without a key is checked first
 * (`readCompact`), then the `kid` picks exactly one key: an unknown kid is refused
 * without trying the others (RFC 8725 §3.1). Then one decryption, then the claims:
 * `exp` with the skew, and the same lifetime window as v1 (docs/FORMAT.md rules 4 and 5).
 */
export async function openJwe(context: FormatContext, token: string, now: number): Promise<OpenedJwe> {
  const read = readCompact(token)
  if (!read.ok) return { ok: false, reason: read.reason }
  const keyId = keyIdOf(read.header.kid)
  const secret = keyId === undefined ? undefined : context.secrets.find((s) => s.id === keyId)
  if (secret === undefined) return { ok: false, reason: 'unknown-key' }
  const plaintext = await decryptChecked(token, () => jweKey(secret.secret, context.purpose), 'A256GCM')
  if (plaintext === undefined) return { ok: false, reason: 'decrypt' }
  const decoded = decodeClaims(plaintext)
  if (decoded === undefined) return { ok: false, reason: 'payload' }
  const { exp, record } = decoded
  if (exp + context.clockSkew <= now) return { ok: false, reason: 'expired' }
  // Sealed in the future, or an expiry further out than any configured lifetime: no sealer of ours wrote it.
  if (record.lastSealed > now + context.clockSkew || exp > record.lastSealed + context.maxAgeLimit) return { ok: false, reason: 'stale-epoch' }
  return { ok: true, keyId: secret.id, ...decoded }
}

/**
 * One jose `compactDecrypt` of a token that `readCompact` already accepted. jose is held
 * to the same algorithms, and decompression is off: jose 6 inflates `zip: "DEF"` by
 * default (CVE-2024-28176), and our header check refuses it before this point anyway.
 * Any failure is `undefined`, with no detail (RFC 5116 §2.2).
 */
export async function decryptChecked(
  token: string,
  key: () => Promise<CryptoKey | Uint8Array<ArrayBuffer>>,
  enc: ContentEncryption,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  try {
    const { plaintext } = await compactDecrypt(token, await key(), {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: [enc],
      maxDecompressedLength: 0,
    })
    return new Uint8Array(plaintext)
  } catch {
    return undefined
  }
}
