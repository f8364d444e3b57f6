import { generateSecret } from '../keys/secrets.js'
import { clock, readPasted, readToken, seconds, secretsFromEnv } from './args.js'
import { EXIT_OK, EXIT_USAGE, UsageError, type CliHost } from './host.js'
import { inspect } from './inspect.js'
import { open } from './open.js'
import { size } from './size.js'
import { json } from './output.js'

export { EXIT_OK, EXIT_REFUSED, EXIT_USAGE, type CliHost, type ParseArgs, type StdinRead } from './host.js'

const USAGE = `Usage: sealed-session <command> [options]

Commands
  secret                     Print a new secret (32 random bytes, base64url).
  inspect [- | TOKEN]        Print what a token shows without a secret: format, key id,
                             epoch, expiry and size (v1), or the protected header (JWE).
  open [- | TOKEN] --secret-env NAME
                             Decrypt a token for debugging; the secrets come from the
                             environment variable NAME, never from the command line.
  size [- | FILE.json]       The sealed size of this session data (a JSON object) as a
                             cookie, the limit, and how many more bytes of data fit.
                             No secret needed: the size does not depend on it.

Pipe the token in (- or nothing reads standard input: one line, at most 64 KiB):
  pbpaste | sealed-session inspect -
A token is a credential: as an argument it lands in your shell history and in ps.
It may be a bare token or a pasted cookie (name=value).

Options
  --json                     Machine-readable output.
  --cookie NAME              open: the cookie name the token was sealed for (default: the
                             pasted cookie's name (session=…), else __Host-session);
                             size: the app's cookie name (default __Host-session).
  --max-chunks N             size: the app's cookie.maxChunks, 1 to 4 (default 1).
  --compress                 size: seal as format: v1({ compress: true }); the size is the
                             largest of 8 seals, the room is for random text.
  --purpose NAME             open: a value from seal() with this purpose, instead of a session.
  --max-age-limit SECONDS    open: the app's maxAgeLimit, the longest lifetime to accept (default 34560000, 400 days).
  --epoch-seconds SECONDS    inspect, open: v1 key epoch length (default 3600).
  --clock-skew SECONDS       open: tolerated clock skew (default 30).
  --at TIME                  inspect, open: act as of TIME (Unix seconds or ISO 8601).
  -h, --help                 Show this help.

Exit codes: 0 done, 1 token refused or not a token (size: the data does not fit),
2 usage or environment error.
Secrets in NAME, read as the app reads its secrets string: one secret, or several
separated by spaces or commas (newest first); or a JSON list such as
[{"id":2,"secret":"..."},{"id":1,"secret":"..."}].
`

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  'secret-env': { type: 'string' },
  cookie: { type: 'string' },
  purpose: { type: 'string' },
  'max-chunks': { type: 'string' },
  compress: { type: 'boolean' },
  'max-age-limit': { type: 'string' },
  'epoch-seconds': { type: 'string' },
  'clock-skew': { type: 'string' },
  at: { type: 'string' },
} as const

const FOUR_HUNDRED_DAYS = 400 * 86_400

/**
 * Runs the CLI with `argv` (the arguments after the program name) and returns the exit
 * code. bin/sealed-session.mjs calls it with Node's `parseArgs`, environment and streams.
 */
export async function main(argv: readonly string[], host: CliHost): Promise<number> {
  try {
    return await run(argv, host)
  } catch (error) {
    if (!(error instanceof UsageError) && !isParseArgsError(error)) throw error
    host.stderr(`sealed-session: ${(error as Error).message}\nRun \`sealed-session --help\` for usage.\n`)
    return EXIT_USAGE
  }
}

async function run(argv: readonly string[], host: CliHost): Promise<number> {
  if (argv.some((arg) => arg === '--secret' || arg.startsWith('--secret='))) {
    throw new UsageError('secrets are never taken on the command line (shell history, ps); put them in an environment variable and pass --secret-env NAME')
  }
  // One name per concept: the option is the app's maxAgeLimit (0.1's --max-age).
  if (argv.some((arg) => arg === '--max-age' || arg.startsWith('--max-age='))) {
    throw new UsageError('--max-age is now --max-age-limit: the app\'s maxAgeLimit option, the longest lifetime to accept')
  }
  const { values, positionals } = host.parseArgs({ args: [...argv], options: { ...OPTIONS }, strict: true, allowPositionals: true })
  const [command, ...rest] = positionals
  if (values['help'] === true || command === 'help') {
    host.stdout(USAGE)
    return EXIT_OK
  }
  if (command === undefined) {
    host.stderr(USAGE)
    return EXIT_USAGE
  }
  if (rest.length > 1) throw new UsageError(`${command} takes one token, got ${rest.length} arguments`)
  const asJson = values['json'] === true
  if (values['compress'] === true && command !== 'size') throw new UsageError(`--compress is an option of size, not of ${command}: opening reads compressed and uncompressed tokens alike`)
  switch (command) {
    case 'secret': {
      if (rest.length > 0) throw new UsageError('secret takes no arguments')
      const secret = generateSecret()
      host.stdout(asJson ? json({ secret }) : secret + '\n')
      return EXIT_OK
    }
    case 'inspect': {
      const epochSeconds = secondsOption(values, 'epoch-seconds', 3600, 1)
      const now = clock(values['at'], host)
      return inspect(await readToken(rest[0], host), { now, epochSeconds, json: asJson }, host)
    }
    case 'open': {
      if (values['cookie'] !== undefined && values['purpose'] !== undefined) throw new UsageError('give --cookie or --purpose, not both')
      const loaded = secretsFromEnv(values['secret-env'], host)
      const pasted = await readPasted(rest[0], host)
      // The cookie name is bound into the key: a pasted `session=…` (a development cookie)
      // opens as `session`, not as the default __Host-session.
      if (pasted.cookieName !== undefined && typeof values['cookie'] === 'string' && values['cookie'] !== pasted.cookieName) {
        throw new UsageError(`the pasted cookie is named ${pasted.cookieName}, but --cookie says ${values['cookie']}; give one of them`)
      }
      if (pasted.cookieName !== undefined && values['purpose'] !== undefined) {
        throw new UsageError(`the pasted value is the cookie ${pasted.cookieName}, not a value sealed with --purpose; paste the bare token`)
      }
      const purpose = typeof values['purpose'] === 'string' ? `value:${values['purpose']}` : String(values['cookie'] ?? pasted.cookieName ?? '__Host-session')
      const options = {
        secrets: loaded,
        purpose,
        maxAgeLimit: secondsOption(values, 'max-age-limit', FOUR_HUNDRED_DAYS, 1),
        epochSeconds: secondsOption(values, 'epoch-seconds', 3600, 1),
        clockSkew: secondsOption(values, 'clock-skew', 30, 0),
        now: clock(values['at'], host),
        json: asJson,
      }
      return open(pasted.token, options, host)
    }
    case 'size': {
      const maxChunks = values['max-chunks'] === undefined ? 1 : Number(values['max-chunks'])
      if (!Number.isInteger(maxChunks) || maxChunks < 1 || maxChunks > 4) throw new UsageError(`--max-chunks takes 1 to 4 (the app's cookie.maxChunks); got ${String(values['max-chunks'])}`)
      const text = await readData(rest[0], host)
      return size(text, { cookie: String(values['cookie'] ?? '__Host-session'), maxChunks, compress: values['compress'] === true, json: asJson }, host)
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}; the commands are secret, inspect, open and size`)
  }
}

/** Session data is a few KiB at most (4 cookies of 4096 bytes); 64 KiB leaves room for any file. */
const MAX_DATA_BYTES = 64 * 1024

/** The session data JSON: a file, or standard input for `-` or nothing. */
async function readData(positional: string | undefined, host: CliHost): Promise<string> {
  const read = positional === undefined || positional === '-' ? await host.readStdin(MAX_DATA_BYTES) : await host.readFile(positional, MAX_DATA_BYTES)
  if (read.kind === 'terminal') throw new UsageError('give a JSON file, or pipe the data in: sealed-session size session.json')
  if (read.kind === 'too-large') throw new UsageError('the session data is larger than 64 KiB; four cookies hold 16 KiB at most')
  if (read.kind === 'missing') throw new UsageError(read.message)
  return read.text
}

function secondsOption(values: Record<string, string | boolean | undefined>, name: string, fallback: number, min: number): number {
  return seconds(name, values[name], fallback, min)
}

/** parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes for unknown or malformed options. */
function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')
}
