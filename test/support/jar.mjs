/**
 * One cookie jar for every suite: vitest files (Node, workerd, edge), the conformance
 * suite (Deno, Bun, Node 20) and the script runners. Plain JavaScript with no imports, so
 * every runtime loads it as it is. It keeps what a browser keeps for one origin: the last
 * value per cookie name, removed by `Max-Age=0` (or a negative Max-Age, RFC 6265 §5.2.2).
 */

/**
 * The Set-Cookie lines of a `Response`, a `Headers`, a commit (`{ setCookie }`), or a list.
 * @param {Response | Headers | { setCookie: readonly string[] } | readonly string[]} source
 * @returns {readonly string[]}
 */
export function setCookieLines(source) {
  if (Array.isArray(source)) return source
  if ('setCookie' in source) return source.setCookie
  const headers = 'headers' in source ? source.headers : source
  return headers.getSetCookie()
}

export class CookieJar {
  /** @type {Map<string, string>} */
  #cookies = new Map()

  /** A jar holding the pairs of a Cookie request header (`a=1; b=2`). */
  static from(header = '') {
    const jar = new CookieJar()
    for (const pair of header.split(';')) {
      const eq = pair.indexOf('=')
      if (eq > 0) jar.#cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
    }
    return jar
  }

  /** Applies every Set-Cookie line of `source`, in order; returns the jar. */
  update(source) {
    for (const line of setCookieLines(source)) {
      const semi = line.indexOf(';')
      const pair = semi === -1 ? line : line.slice(0, semi)
      const eq = pair.indexOf('=')
      if (eq <= 0) continue
      const name = pair.slice(0, eq).trim()
      const maxAge = /;\s*Max-Age=(-?\d+)/i.exec(line)
      if (maxAge !== null && Number(maxAge[1]) <= 0) this.#cookies.delete(name)
      else this.#cookies.set(name, pair.slice(eq + 1).trim())
    }
    return this
  }

  /** The Cookie request header a browser would send: `a=1; b=2` ('' when empty). */
  header() {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  get(name) {
    return this.#cookies.get(name)
  }

  has(name) {
    return this.#cookies.has(name)
  }

  delete(name) {
    this.#cookies.delete(name)
  }

  clear() {
    this.#cookies.clear()
  }

  get size() {
    return this.#cookies.size
  }

  names() {
    return [...this.#cookies.keys()]
  }
}

/** The Cookie header a browser sends after applying `commit` to the cookies in `previous`. */
export function cookieHeader(commit, previous = '') {
  return CookieJar.from(previous).update(commit).header()
}

/** The token in the first Set-Cookie line of a commit or response. */
export function tokenOf(source) {
  const first = setCookieLines(source)[0]
  if (first === undefined) throw new Error('no cookie was set')
  const semi = first.indexOf(';')
  return first.slice(first.indexOf('=') + 1, semi === -1 ? undefined : semi)
}

/** A client with a cookie jar; `request()` sends the jar, and a form, JSON or the CSRF header. */
export function httpClient(origin) {
  const jar = new CookieJar()
  return {
    jar,
    async request(path, { method = 'GET', form, json, token } = {}) {
      const headers = {}
      if (jar.size > 0) headers.cookie = jar.header()
      if (token !== undefined) headers['x-csrf-token'] = token
      let body
      if (form !== undefined) body = new URLSearchParams(form)
      if (json !== undefined) {
        headers['content-type'] = 'application/json'
        body = JSON.stringify(json)
      }
      const response = await fetch(`${origin}${path}`, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(10_000) })
      const setCookie = response.headers.getSetCookie()
      jar.update(setCookie)
      return { status: response.status, headers: response.headers, setCookie, text: await response.text() }
    },
  }
}
