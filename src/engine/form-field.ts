/**
 * One field from the start of a form body, for the CSRF check: the body is read as a
 * stream, at most `FORM_FIELD_LIMIT` bytes, and reading stops once the field is decided.
 * A request may carry any body, sent by anyone: reading it whole before authentication is
 * a memory DoS (issue 19: 256 MiB of multipart cost ~520 MiB), so nothing here buffers
 * more than the limit, and nothing the client sends makes it throw.
 */

/**
 * How much of a form body the CSRF check reads: every field of an ordinary form fits
 * (only file contents and long texts exceed it), and a hostile body costs this twice at
 * most (the scanned copy, and the chunks the clone's tee keeps for the handler) plus one
 * transport chunk: about 1/1000 of a Worker isolate's 128 MB. A field beyond it is not
 * seen: put the hidden `_csrf` input first.
 */
export const FORM_FIELD_LIMIT: number = 64 * 1024

/** What a scanner has been given: more may come, the body ended, or the limit cut it. */
export type ScanInput = 'partial' | 'ended' | 'truncated'

/**
 * A resumable search for one field. Called with the whole body read so far (a prefix
 * that only grows), it resumes where it stopped, so a body costs linear time however it
 * is chunked; it returns `{ value }` once decided (`undefined`: no such text field), or
 * `undefined` while it needs more. Given 'ended' or 'truncated', it always decides.
 */
export type FieldScanner = (bytes: Uint8Array, input: ScanInput) => { readonly value: string | undefined } | undefined

// WHATWG URL "application/x-www-form-urlencoded parsing": UTF-8 decode without BOM, and
// invalid sequences become U+FFFD rather than an error.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true })
const AMPERSAND = 0x26
const EQUALS = 0x3d
const NONE = { value: undefined } as const

/**
 * The scanner for `field` in a body of `contentType`, or `undefined` when that is not a
 * form this reads: urlencoded, or multipart with a valid boundary (RFC 2046 §5.1.1).
 */
export function fieldScanner(contentType: string, field: string): FieldScanner | undefined {
  const [essence = '', ...parameters] = splitParameters(contentType)
  switch (essence.trim().toLowerCase()) {
    case 'application/x-www-form-urlencoded':
      return urlencodedScanner(field)
    case 'multipart/form-data': {
      const boundary = parameter(parameters, 'boundary')
      return boundary === undefined || boundary.length < 1 || boundary.length > 70 ? undefined : multipartScanner(boundary, field)
    }
    default:
      return undefined
  }
}

/**
 * Reads `body` through `scan`, at most `limit` bytes, then cancels it: on a clone made by
 * `request.clone()`, that stops the tee from keeping the rest for this branch. Any failure
 * of the stream means no value.
 */
export async function readField(body: ReadableStream<Uint8Array>, scan: FieldScanner, limit: number = FORM_FIELD_LIMIT): Promise<string | undefined> {
  const reader = body.getReader()
  let buffer = new Uint8Array(0)
  let length = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (!done) {
        // A chunk from another realm fails `instanceof`: any byte view will do.
        if (!ArrayBuffer.isView(value)) return undefined
        const chunk = new Uint8Array(value.buffer, value.byteOffset, Math.min(value.byteLength, limit - length))
        if (length + chunk.length > buffer.length) {
          const grown = new Uint8Array(Math.min(limit, Math.max(buffer.length * 2, length + chunk.length, 1024)))
          grown.set(buffer.subarray(0, length))
          buffer = grown
        }
        buffer.set(chunk, length)
        length += chunk.length
      }
      const outcome = scan(buffer.subarray(0, length), done ? 'ended' : length >= limit ? 'truncated' : 'partial')
      if (outcome !== undefined) return outcome.value
    }
  } catch {
    return undefined
  } finally {
    // Not awaited: cancelling one branch of a tee settles only once the other is done too.
    reader.cancel().catch(() => {})
  }
}

/** `name` among `key=value` parameters of a header, unquoted; keys are case-insensitive. */
function parameter(parameters: readonly string[], name: string): string | undefined {
  for (const part of parameters) {
    const equals = part.indexOf('=')
    if (equals === -1 || part.slice(0, equals).trim().toLowerCase() !== name) continue
    const value = part.slice(equals + 1).trim()
    return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value
  }
  return undefined
}

/** `a=1&_csrf=…`: each `&`-separated piece is decided once it is complete. */
function urlencodedScanner(field: string): FieldScanner {
  const name = new TextEncoder().encode(field)
  let start = 0 // where the current piece starts
  let at = 0 // where the search for its end resumes: a byte is searched once
  return function scanUrlencoded(bytes, input) {
    for (let end = bytes.indexOf(AMPERSAND, at); end !== -1; end = bytes.indexOf(AMPERSAND, at)) {
      const value = pieceValue(bytes, start, end, name)
      if (value !== undefined) return { value }
      start = at = end + 1
    }
    at = bytes.length
    if (input === 'partial') return undefined
    // Only the end of the body completes the last piece; the limit cuts it short.
    return input === 'ended' ? { value: pieceValue(bytes, start, bytes.length, name) } : NONE
  }
}

/** The value of the piece `bytes[from, to)` when its name decodes to `name` (no `=`: empty). */
function pieceValue(bytes: Uint8Array, from: number, to: number, name: Uint8Array): string | undefined {
  // Searched within the piece only: a search to the end of the body would be quadratic.
  const found = bytes.subarray(from, to).indexOf(EQUALS)
  const equals = found === -1 ? to : from + found
  if (from === to || !decodesTo(bytes, from, equals, name)) return undefined
  return formDecode(bytes, Math.min(equals + 1, to), to)
}

/** Whether `bytes[from, to)` form-decodes to exactly `name`, compared without a copy. */
function decodesTo(bytes: Uint8Array, from: number, to: number, name: Uint8Array): boolean {
  let n = 0
  return formDecodeEach(bytes, from, to, (byte) => byte === name[n++]) && n === name.length
}

function formDecode(bytes: Uint8Array, from: number, to: number): string {
  const out = new Uint8Array(to - from)
  let n = 0
  formDecodeEach(bytes, from, to, (byte) => {
    out[n++] = byte
    return true
  })
  return utf8.decode(out.subarray(0, n))
}

/**
 * Form-decodes `bytes[from, to)` into `take`, stopping when it returns false: `+` is a
 * space, `%XX` its byte, and a `%` without two hex digits stays, as URLSearchParams does.
 */
function formDecodeEach(bytes: Uint8Array, from: number, to: number, take: (byte: number) => boolean): boolean {
  for (let i = from; i < to; i++) {
    const byte = bytes[i]!
    const high = byte === 0x25 && i + 2 < to ? hex(bytes[i + 1]!) : -1
    const low = high === -1 ? -1 : hex(bytes[i + 2]!)
    let decoded = byte === 0x2b ? 0x20 : byte
    if (low !== -1) {
      decoded = high * 16 + low
      i += 2
    }
    if (!take(decoded)) return false
  }
  return true
}

function hex(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30
  const lower = byte | 0x20
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1
}

/** Where a multipart scan is: before the first delimiter, just after one, in its line's
 * padding, in a part's headers, or in the content of a part to skip or to return. */
type Part = 'preamble' | 'delimiter' | 'padding' | 'headers' | 'skip' | 'value'

/**
 * RFC 7578 parts: `--boundary`, headers, a blank line, the content, then `CRLF--boundary`.
 * Browsers send fields in DOM order (HTML "constructing the entry list"), so a hidden
 * input placed first is found in the first bytes. The first part named `field` decides,
 * as `FormData.get()` does: a file there is no token.
 */
function multipartScanner(boundary: string, field: string): FieldScanner {
  const dashBoundary = new TextEncoder().encode(`--${boundary}`)
  const delimiter = new TextEncoder().encode(`\r\n--${boundary}`)
  let state: Part = 'preamble'
  let at = 0 // where scanning resumes: every byte is looked at a bounded number of times
  let from = 0 // start of the current part's headers, then of its content
  return function scanMultipart(bytes, input) {
    // Undecided for now: wait for more, unless no more is coming (a cut part is malformed).
    const wait = (): undefined | typeof NONE => (input === 'partial' ? undefined : NONE)
    for (;;) {
      switch (state) {
        case 'preamble': {
          // The body may open with `--boundary` itself, or with a preamble then a delimiter.
          if (at === 0 && bytes.length < dashBoundary.length) return wait()
          if (at === 0 && startsWith(bytes, dashBoundary, 0)) {
            at = dashBoundary.length
          } else {
            const end = find(bytes, delimiter, at)
            if (end === -1) {
              at = Math.max(at, bytes.length - delimiter.length + 1)
              return wait()
            }
            at = end + delimiter.length
          }
          state = 'delimiter'
          continue
        }
        case 'delimiter': {
          // `--` right after a delimiter closes the body: the field was not there.
          if (bytes.length < at + 2) return wait()
          if (bytes[at] === 0x2d && bytes[at + 1] === 0x2d) return NONE
          state = 'padding'
          continue
        }
        case 'padding': {
          // RFC 2046 §5.1.1: blanks may follow a delimiter before its CRLF.
          while (at < bytes.length && (bytes[at] === 0x20 || bytes[at] === 0x09)) at++
          if (bytes.length < at + 2) return wait()
          if (bytes[at] !== 0x0d || bytes[at + 1] !== 0x0a) return NONE
          // Searching from this CRLF finds an empty header block (CRLF CRLF) too.
          from = at + 2
          state = 'headers'
          continue
        }
        case 'headers': {
          const end = find(bytes, HEADER_END, at)
          if (end === -1) {
            at = Math.max(at, bytes.length - HEADER_END.length + 1)
            return wait()
          }
          const disposition = formDisposition(utf8.decode(bytes.subarray(from, Math.max(from, end))))
          from = end + HEADER_END.length
          at = from
          if (disposition?.name !== field) {
            state = 'skip'
          } else if (disposition.file) {
            return NONE
          } else {
            state = 'value'
          }
          continue
        }
        case 'skip':
        case 'value': {
          const end = find(bytes, delimiter, at)
          if (end === -1) {
            at = Math.max(at, bytes.length - delimiter.length + 1)
            return wait()
          }
          if (state === 'value') return { value: utf8.decode(bytes.subarray(from, end)) }
          at = end + delimiter.length
          state = 'delimiter'
          continue
        }
      }
    }
  }
}

const HEADER_END = new Uint8Array([0x0d, 0x0a, 0x0d, 0x0a])

/** `name` and whether a filename is given, from a part's `Content-Disposition: form-data`. */
function formDisposition(headers: string): { name: string | undefined; file: boolean } | undefined {
  for (const line of headers.split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon === -1 || line.slice(0, colon).trim().toLowerCase() !== 'content-disposition') continue
    const [type = '', ...parameters] = splitParameters(line.slice(colon + 1))
    if (type.trim().toLowerCase() !== 'form-data') return undefined
    const file = parameter(parameters, 'filename') !== undefined || parameter(parameters, 'filename*') !== undefined
    return { name: parameter(parameters, 'name'), file }
  }
  return undefined
}

/** Splits at `;` outside double quotes: browsers send a quoted name, escaping `"` as %22. */
function splitParameters(value: string): string[] {
  const parts: string[] = []
  let start = 0
  let quoted = false
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '"') quoted = !quoted
    else if (value[i] === ';' && !quoted) {
      parts.push(value.slice(start, i))
      start = i + 1
    }
  }
  parts.push(value.slice(start))
  return parts
}

function startsWith(bytes: Uint8Array, pattern: Uint8Array, at: number): boolean {
  if (at + pattern.length > bytes.length) return false
  for (let i = 0; i < pattern.length; i++) if (bytes[at + i] !== pattern[i]) return false
  return true
}

/** The first index of `pattern` in `bytes` from `at`, or -1: O(n·m), m ≤ 74 bytes. */
function find(bytes: Uint8Array, pattern: Uint8Array, at: number): number {
  for (let i = bytes.indexOf(pattern[0]!, at); i !== -1; i = bytes.indexOf(pattern[0]!, i + 1)) {
    if (i + pattern.length > bytes.length) return -1
    if (startsWith(bytes, pattern, i)) return i
  }
  return -1
}
