/**
 * Which AES-256-GCM implementation seals and opens v1 tokens in this isolate.
 *
 * - `'native'`: the runtime's synchronous `node:crypto` cipher, reached at run time through
 *   `globalThis.process.getBuiltinModule('node:crypto')` (Node ≥ 20.16, Bun, Deno). No
 *   static import, so edge bundles are untouched. On Node, Bun and Deno a `crypto.subtle`
 *   call is handed to another thread and costs tens to hundreds of µs; the same cipher
 *   called synchronously costs a few µs.
 * - `'webcrypto'`: `crypto.subtle` (Workers, the Next.js edge runtime, browsers, or when
 *   the application asks for it with `cipher: 'webcrypto'`).
 *
 * Both produce the same bytes (tested both ways on every runtime). workerd also offers
 * `getBuiltinModule('node:crypto')`, but there `crypto.subtle` runs on the isolate's own
 * thread and measured faster (4.4 vs 7.8 µs per 150-byte seal), so workerd stays on Web
 * Crypto.
 */
import { builtinModule, probedOnce } from './builtin.js'

/** What an application may ask for: the fastest available path, or Web Crypto only. */
export type CipherOption = 'auto' | 'webcrypto'

/** The path a codec actually uses. */
export type CipherPath = 'native' | 'webcrypto'

/** An opaque native secret key (a `node:crypto` `KeyObject`): its bytes live outside JavaScript objects. */
export interface NativeKey {
  readonly type: string
}

interface NativeCipher {
  setAAD(aad: Uint8Array): unknown
  update(data: Uint8Array): Uint8Array
  final(): Uint8Array
  getAuthTag(): Uint8Array
}

interface NativeDecipher {
  setAAD(aad: Uint8Array): unknown
  setAuthTag(tag: Uint8Array): unknown
  update(data: Uint8Array): Uint8Array
  final(): Uint8Array
}

/** The three functions of `node:crypto` the native path uses, typed here: the core has no Node types. */
export interface NativeCrypto {
  createCipheriv(algorithm: 'aes-256-gcm', key: NativeKey, iv: Uint8Array, options: { authTagLength: 16 }): NativeCipher
  createDecipheriv(algorithm: 'aes-256-gcm', key: NativeKey, iv: Uint8Array, options: { authTagLength: 16 }): NativeDecipher
  createSecretKey(key: Uint8Array): NativeKey
}

/**
 * The native cipher, or `undefined` where there is none (or it is slower, on workerd). Probed
 * once per isolate, and only trusted after a known-answer test: a fixed key, IV, header and
 * plaintext must give the ciphertext and tag Web Crypto gives (checked in
 * test/format/cipher.test.ts), a changed tag must be refused, and zeroing the bytes a key was
 * made from must not change the key (the key ring zeroes them).
 */
export const nativeCrypto: () => NativeCrypto | undefined = probedOnce((): NativeCrypto | undefined => {
  const candidate = builtinModule('node:crypto') as Partial<NativeCrypto> | undefined
  if (
    typeof candidate?.createCipheriv !== 'function' ||
    typeof candidate.createDecipheriv !== 'function' ||
    typeof candidate.createSecretKey !== 'function'
  ) {
    return undefined
  }
  const native = candidate as NativeCrypto
  return knownAnswer(native) ? native : undefined
})

/** AES-256-GCM, key 00..1f, IV a0..ab, AAD 01 02 00 00 00 03 00 00 00 04, plaintext "sealed-session v1". */
export const KNOWN_ANSWER: {
  readonly key: Uint8Array<ArrayBuffer>
  readonly iv: Uint8Array<ArrayBuffer>
  readonly aad: Uint8Array<ArrayBuffer>
  readonly plaintext: string
  readonly sealed: string
} = {
  key: Uint8Array.from({ length: 32 }, (_, i) => i),
  iv: Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i),
  aad: Uint8Array.of(1, 2, 0, 0, 0, 3, 0, 0, 0, 4),
  plaintext: 'sealed-session v1',
  /** Ciphertext then the 16-byte tag, hex. */
  sealed: '957d1d4120af2fcc0716f4ba6814e0a8414183bfcdd54544d101ee644258f9d812',
}

function knownAnswer(native: NativeCrypto): boolean {
  const keyBytes = KNOWN_ANSWER.key.slice()
  const key = native.createSecretKey(keyBytes)
  keyBytes.fill(0)
  const { iv, aad } = KNOWN_ANSWER
  const plaintext = new TextEncoder().encode(KNOWN_ANSWER.plaintext)
  const cipher = native.createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 })
  cipher.setAAD(aad)
  const body = cipher.update(plaintext)
  const rest = cipher.final()
  if (toHex(body) + toHex(rest) + toHex(cipher.getAuthTag()) !== KNOWN_ANSWER.sealed) return false
  const sealed = fromHex(KNOWN_ANSWER.sealed)
  const tag = sealed.subarray(sealed.length - 16)
  const opened = native.createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 })
  opened.setAAD(aad)
  opened.setAuthTag(tag)
  const plain = opened.update(sealed.subarray(0, sealed.length - 16))
  opened.final()
  if (new TextDecoder().decode(plain) !== KNOWN_ANSWER.plaintext) return false
  tag[0] = tag[0]! ^ 1
  const forged = native.createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 })
  forged.setAAD(aad)
  forged.setAuthTag(tag)
  forged.update(sealed.subarray(0, sealed.length - 16))
  try {
    forged.final()
    return false
  } catch {
    return true
  }
}

function toHex(bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += b.toString(16).padStart(2, '0')
  return out
}

function fromHex(hex: string): Uint8Array {
  return Uint8Array.from({ length: hex.length / 2 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16))
}
