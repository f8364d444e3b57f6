import type { NativeCrypto, NativeKey } from '../format/cipher.js'
import type { NormalizedSecret } from './secrets.js'

const encoder = new TextEncoder()
const LABEL = encoder.encode('sealed-session/v1\0')

/** Derived AES keys per secret, per isolate; bounded so no input grows it without limit. */
const MAX_KEYS_PER_SECRET = 1024
const baseKeys = new Map<string, Promise<CryptoKey>>()

interface CachedKey<K> {
  readonly promise: Promise<K>
  /** Set once derived, so the hot path needs no await. */
  key?: K
}
/** secret → "epochSeconds:purpose" → epoch → key; one cache per cipher path. */
type KeyCache<K> = Map<string, { size: number; scopes: Map<string, Map<number, CachedKey<K>>> }>
const epochKeys: KeyCache<CryptoKey> = new Map()
const nativeEpochKeys: KeyCache<NativeKey> = new Map()

/**
 * The HKDF `info` for one epoch key (docs/FORMAT.md §Keys):
 * "sealed-session/v1\0" | epochSeconds u32be | epoch u32be | purpose (UTF-8).
 * The purpose is the cookie name for sessions, so a token sealed for cookie `a` never
 * opens as cookie `b` (RFC 5869 §3.2: `info` binds a key to its context).
 */
export function hkdfInfo(purpose: string, epochSeconds: number, epoch: number): Uint8Array<ArrayBuffer> {
  const name = encoder.encode(purpose)
  const info = new Uint8Array(LABEL.length + 8 + name.length)
  info.set(LABEL, 0)
  const view = new DataView(info.buffer, LABEL.length, 8)
  view.setUint32(0, epochSeconds)
  view.setUint32(4, epoch)
  info.set(name, LABEL.length + 8)
  return info
}

/**
 * The AES-256-GCM key for one secret, purpose and epoch: HKDF-SHA256 (RFC 5869) with an
 * empty salt, derived once per isolate and cached. Keys are non-extractable.
 */
export function epochKey(
  secret: NormalizedSecret,
  purpose: string,
  epochSeconds: number,
  epoch: number,
  scopeKey: string = `${epochSeconds}:${purpose}`,
): CryptoKey | Promise<CryptoKey> {
  return cachedKey(epochKeys, secret, scopeKey, epoch, () =>
    baseKey(secret.secret).then((base) =>
      crypto.subtle.deriveKey(
        { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: hkdfInfo(purpose, epochSeconds, epoch) },
        base,
        { name: 'AES-GCM', length: 256 },
        false,
        ['encrypt', 'decrypt'],
      ),
    ),
  )
}

/**
 * The same key for the native cipher (src/format/cipher.ts): the same HKDF on Web Crypto
 * (`deriveBits`, so both paths share one key derivation), turned into a `node:crypto`
 * `KeyObject` once per epoch; the derived bytes are zeroed at once, so the key lives only
 * inside the KeyObject (docs/SECURITY.md, "Cipher paths").
 */
export function nativeEpochKey(
  native: NativeCrypto,
  secret: NormalizedSecret,
  purpose: string,
  epochSeconds: number,
  epoch: number,
  scopeKey: string = `${epochSeconds}:${purpose}`,
): NativeKey | Promise<NativeKey> {
  return cachedKey(nativeEpochKeys, secret, scopeKey, epoch, async () => {
    const base = await baseKey(secret.secret)
    const bits = await crypto.subtle.deriveBits(
      { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: hkdfInfo(purpose, epochSeconds, epoch) },
      base,
      256,
    )
    const bytes = new Uint8Array(bits)
    try {
      return native.createSecretKey(bytes)
    } finally {
      bytes.fill(0)
    }
  })
}

function cachedKey<K>(cache: KeyCache<K>, secret: NormalizedSecret, scopeKey: string, epoch: number, derive: () => Promise<K>): K | Promise<K> {
  let perSecret = cache.get(secret.secret)
  if (perSecret === undefined) {
    perSecret = { size: 0, scopes: new Map() }
    cache.set(secret.secret, perSecret)
  }
  let scope = perSecret.scopes.get(scopeKey)
  if (scope === undefined) {
    scope = new Map()
    perSecret.scopes.set(scopeKey, scope)
  }
  const cached = scope.get(epoch)
  if (cached !== undefined) return cached.key ?? cached.promise
  if (perSecret.size >= MAX_KEYS_PER_SECRET) {
    // Past the bound, start over: derivations are cheap next to unbounded memory.
    perSecret.scopes.clear()
    perSecret.size = 0
    scope = new Map()
    perSecret.scopes.set(scopeKey, scope)
  }
  const promise = derive()
  const entry: CachedKey<K> = { promise }
  scope.set(epoch, entry)
  perSecret.size++
  const owner = scope
  promise.then(
    (key) => {
      entry.key = key
    },
    () => {
      owner.delete(epoch)
    },
  )
  return promise
}

function baseKey(secret: string): Promise<CryptoKey> {
  let key = baseKeys.get(secret)
  if (key === undefined) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, ['deriveKey', 'deriveBits'])
    baseKeys.set(secret, key)
    key.catch(() => baseKeys.delete(secret))
  }
  return key
}
