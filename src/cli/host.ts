/**
 * What the CLI needs from Node, passed in by bin/sealed-session.mjs. The project has no
 * `@types/node` (the core must not lean on Node), so src/ never imports `node:` modules;
 * the bin file does, and hands them over.
 */
export interface CliHost {
  /** Node's `util.parseArgs` (node:util, stable since Node 20). */
  readonly parseArgs: ParseArgs
  /** The environment: only the variable named by `--secret-env` is ever read. */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Milliseconds since the Unix epoch. */
  readonly now: () => number
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  /** Standard input, read to its end but never past `maxBytes` (see `StdinRead`). */
  readonly readStdin: (maxBytes: number) => Promise<StdinRead>
  /** A file's text, never past `maxBytes`; `missing` with the system's message when it cannot be read. */
  readonly readFile: (path: string, maxBytes: number) => Promise<FileRead>
}

/** What a file held, as {@link StdinRead}, or why it could not be read. */
export type FileRead = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'too-large' } | { readonly kind: 'missing'; readonly message: string }

/**
 * What standard input held: nothing to read (it is a terminal), its text, or more than
 * the limit (the reader stops there, so an endless pipe cannot exhaust memory).
 */
export type StdinRead = { readonly kind: 'terminal' } | { readonly kind: 'text'; readonly text: string } | { readonly kind: 'too-large' }

/** The part of `util.parseArgs` the CLI uses. */
export type ParseArgs = (config: {
  args: string[]
  options: Record<string, { type: 'string' | 'boolean'; short?: string }>
  strict: true
  allowPositionals: true
}) => { values: Record<string, string | boolean | undefined>; positionals: string[] }

/** Exit codes: 0 done, 1 the token was refused or is not a token, 2 the command line or environment is wrong. */
export const EXIT_OK = 0
export const EXIT_REFUSED = 1
export const EXIT_USAGE = 2

/** A mistake in the command line or the environment: exit code 2, message on stderr. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}
