type SetCookieSource = Response | Headers | { readonly setCookie: readonly string[] } | readonly string[]

/** The Set-Cookie lines of a `Response`, a `Headers`, a commit (`{ setCookie }`), or a list. */
export function setCookieLines(source: SetCookieSource): readonly string[]

/** What a browser keeps for one origin: the last value per name, removed by Max-Age=0. */
export class CookieJar {
  /** A jar holding the pairs of a Cookie request header (`a=1; b=2`). */
  static from(header?: string): CookieJar
  /** Applies every Set-Cookie line of `source`, in order; returns the jar. */
  update(source: SetCookieSource): this
  /** The Cookie request header a browser would send: `a=1; b=2` ('' when empty). */
  header(): string
  get(name: string): string | undefined
  has(name: string): boolean
  delete(name: string): void
  clear(): void
  readonly size: number
  names(): string[]
}

/** The Cookie header a browser sends after applying `commit` to the cookies in `previous`. */
export function cookieHeader(commit: SetCookieSource, previous?: string): string

/** The token in the first Set-Cookie line of a commit or response. */
export function tokenOf(source: SetCookieSource): string
