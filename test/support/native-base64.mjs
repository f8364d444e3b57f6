/**
 * The TC39 `Uint8Array.prototype.toBase64` / `Uint8Array.fromBase64` pair, written from
 * the proposal's algorithm (default `lastChunkHandling: 'loose'`), for runtimes that do
 * not ship it yet (Node 20/24, the edge sandbox). It lets the native branch of
 * src/format/base64url.ts run everywhere: with it, the tests check our wrapper's own
 * rules (no whitespace, no padding, canonical trailing bits) on top of a decoder that
 * accepts all three, as Deno's, Bun's and V8's do.
 */
const ALPHABETS = {
  base64: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  base64url: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
}
const WHITESPACE = new Set([0x09, 0x0a, 0x0c, 0x0d, 0x20])

function toBase64(options = {}) {
  const alphabet = ALPHABETS[options.alphabet ?? 'base64']
  let out = ''
  for (let i = 0; i < this.length; i += 3) {
    const n = this.length - i
    const v = (this[i] << 16) | ((n > 1 ? this[i + 1] : 0) << 8) | (n > 2 ? this[i + 2] : 0)
    out += alphabet[v >> 18] + alphabet[(v >> 12) & 63]
    out += n > 1 ? alphabet[(v >> 6) & 63] : options.omitPadding ? '' : '='
    out += n > 2 ? alphabet[v & 63] : options.omitPadding ? '' : '='
  }
  return out
}

function fromBase64(string, options = {}) {
  if (typeof string !== 'string') throw new TypeError('fromBase64 takes a string')
  const alphabet = ALPHABETS[options.alphabet ?? 'base64']
  const bytes = []
  let chunk = []
  let i = 0
  const flush = () => {
    const v = chunk.reduce((acc, c, k) => acc | (c << (18 - 6 * k)), 0)
    bytes.push(v >> 16)
    if (chunk.length > 2) bytes.push((v >> 8) & 255)
    if (chunk.length > 3) bytes.push(v & 255)
    chunk = []
  }
  for (; i < string.length; i++) {
    const code = string.charCodeAt(i)
    if (WHITESPACE.has(code)) continue
    if (string[i] === '=') break
    const value = alphabet.indexOf(string[i])
    if (value === -1) throw new SyntaxError(`not ${options.alphabet ?? 'base64'}: ${JSON.stringify(string[i])}`)
    chunk.push(value)
    if (chunk.length === 4) flush()
  }
  if (i < string.length) {
    // Padding: only after 2 or 3 characters of a chunk, exactly enough '=', then whitespace.
    if (chunk.length < 2) throw new SyntaxError('padding in the wrong place')
    let pads = 0
    for (; i < string.length; i++) {
      if (WHITESPACE.has(string.charCodeAt(i))) continue
      if (string[i] !== '=' || ++pads > 4 - chunk.length) throw new SyntaxError('bad padding')
    }
    if (pads !== 4 - chunk.length) throw new SyntaxError('bad padding')
  }
  if (chunk.length === 1) throw new SyntaxError('a lone final character')
  if (chunk.length > 1) flush()
  return Uint8Array.from(bytes)
}

/** Installs the pair where the runtime has none; returns a function that removes it again. */
export function installNativeBase64() {
  const proto = Uint8Array.prototype
  if (typeof proto.toBase64 === 'function' && typeof Uint8Array.fromBase64 === 'function') return () => {}
  Object.defineProperty(proto, 'toBase64', { value: toBase64, configurable: true, writable: true })
  Object.defineProperty(Uint8Array, 'fromBase64', { value: fromBase64, configurable: true, writable: true })
  return () => {
    delete proto.toBase64
    delete Uint8Array.fromBase64
  }
}

/** Calls the copies loaded by `withBase64Path('native', …)` made to the native pair. */
export const nativeCalls = { toBase64: 0, fromBase64: 0 }

/** Whether the runtime itself ships the pair (before any install). */
export const RUNTIME_HAS_NATIVE_BASE64 =
  typeof Uint8Array.prototype.toBase64 === 'function' && typeof Uint8Array.fromBase64 === 'function'

/**
 * Runs `load` (an import of the base64url module) with the natives present ('native':
 * the runtime's own, else the pair above) or hidden ('fallback'), then restores them. The
 * module reads the natives once, when it is evaluated, so `load` must evaluate a fresh copy.
 */
export async function withBase64Path(path, load) {
  const proto = Uint8Array.prototype
  const saved = [Object.getOwnPropertyDescriptor(proto, 'toBase64'), Object.getOwnPropertyDescriptor(Uint8Array, 'fromBase64')]
  let uninstall = () => {}
  if (path === 'fallback') {
    delete proto.toBase64
    delete Uint8Array.fromBase64
  } else {
    uninstall = installNativeBase64()
    // Counted, so a test can see that the copy it loaded really calls them.
    const to = proto.toBase64
    const from = Uint8Array.fromBase64
    Object.defineProperty(proto, 'toBase64', { value: function (...args) { nativeCalls.toBase64++; return to.apply(this, args) }, configurable: true, writable: true })
    Object.defineProperty(Uint8Array, 'fromBase64', { value: (...args) => (nativeCalls.fromBase64++, from.apply(Uint8Array, args)), configurable: true, writable: true })
  }
  try {
    return await load()
  } finally {
    uninstall()
    if (saved[0] !== undefined) Object.defineProperty(proto, 'toBase64', saved[0])
    if (saved[1] !== undefined) Object.defineProperty(Uint8Array, 'fromBase64', saved[1])
  }
}
