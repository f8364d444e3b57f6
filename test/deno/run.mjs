// The JSR package is ready to publish (issue 14, "Deno users"): `npm run test:jsr`.
//
//   node test/deno/run.mjs
//
// 1. deno.json matches package.json: same version, and "exports" mirrors package.json
//    "exports" entry by entry, pointing at the TypeScript sources (dist/x.d.ts ↔ src/x.ts),
//    except the entry points listed in NOT_ON_JSR below with their reason.
// 2. `deno check` on every JSR entry point, one at a time (as an app importing only it).
// 3. `deno doc --lint` on all JSR entry points together (JSR documents the package as a
//    whole): a finding fails unless it is listed below as a third-party type or as owed.
// 4. `deno publish --dry-run --allow-dirty`: JSR's own gate (type check, slow types, the
//    file list, specifiers it cannot publish). It needs no network. The file list must hold
//    every entry point and nothing Node- or Workers-only.
// 5. test/deno/smoke.mjs: every JSR entry point imported by its JSR name and driven.
//
// Deno comes from the npm package `deno` (node_modules/.bin). Offline: frameworks resolve
// from node_modules ("nodeModulesDir": "manual" in deno.json), no lockfile is written.
// Ends with `N passed, M failed` and exits 1 on any failure.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT, run } from '../support/processes.mjs'
import { createTally, finish, summaryOf } from '../support/runner.mjs'

const deno = join(ROOT, 'node_modules/.bin/deno')
const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1' }
const tally = createTally({ label: '[jsr]' })

/** package.json entry points deliberately not on JSR, and why. */
const NOT_ON_JSR = {
  './durable-object':
    "Workers only: it imports the workerd built-in 'cloudflare:workers', typed only by the file's `/// <reference types>`, which JSR's type output drops (TS4112 on `override alarm()`); Deno has no Durable Objects: Workers apps install from npm",
  './node':
    "Node only (node:http, Express, Fastify): its typing augments Express's global `Express.Request`, and JSR refuses global augmentations (unsupported-global-module); Node apps install from npm",
  './package.json': 'not a module: the metadata',
}

/** Files the JSR package must not contain (Node-only CLI, Workers-only Durable Object, tests). */
const NOT_PUBLISHED = [/^src\/cli\//, /^src\/node\//, /durable-object/, /\.test\.ts$/, /^test\//, /^dist\//]

/**
 * `deno doc --lint` findings that are not ours to fix: types of the frameworks an adapter
 * plugs into, imported from npm. deno doc calls any type not exported by the package
 * "private"; JSR shows them as the framework's types. Keyed by the adapter's folder.
 */
const THIRD_PARTY_TYPES = {
  'src/hono/': ['Context', 'Env', 'MiddlewareHandler'],
  'src/next/': ['NextFetchEvent', 'NextRequest'],
  'src/sveltekit/': ['Handle', 'RequestEvent'],
  'src/astro/': ['APIContext', 'MiddlewareHandler'],
  'src/h3/': ['EventHandler', 'EventHandlerRequest', 'H3Event'],
  'src/elysia/': ['Elysia'],
  'src/react-router/': ['CookieParseOptions', 'CookieSerializeOptions', 'MiddlewareFunction', 'RouterContext', 'Session', 'SessionData', 'SessionStorage'],
}

/**
 * Findings in our own types, known and owed (each is a documentation gap JSR's score counts,
 * not a publishing error). Fix one, then delete its line here (the run prints the lines
 * that no longer match anything); any finding not listed fails.
 */
const OWED = [
  // FormatFactory (src/session/format.ts) is referenced by SessionOptions.format and
  // jweFormat() but exported from no entry point.
  "src/session/options.ts: public type 'SessionOptions[\"format\"]' references private type 'FormatFactory'",
  "src/jwe/format.ts: public type 'jweFormat' references private type 'FormatFactory'",
  // SessionClaims.ss is Omit<Envelope, …>; Envelope (src/session/envelope.ts) is not exported.
  "src/jwe/claims.ts: public type 'SessionClaims[\"ss\"]' references private type 'Envelope'",
  // LegacyReader's brand is a private unique symbol on purpose: no object made outside the
  // package can pass for a shipped legacy reader (src/session/legacy.ts).
  "src/session/legacy.ts: public type 'LegacyReader[\"shipped\"]' references private type 'shipped'",
  // Members without JSDoc (keyed by their code up to the first '(' or ':', so line moves keep the key).
]

const json = (file) => JSON.parse(readFileSync(join(ROOT, file), 'utf8'))
const pkg = json('package.json')
const config = json('deno.json')
const jsrExports = config.exports ?? {}

// ------------------------------------------------------------------ 1. the configuration

tally.check(
  `deno.json names a scoped JSR package and carries package.json's version (${config.name}@${config.version})`,
  /^@[a-z0-9-]+\/[a-z0-9-]+$/.test(config.name ?? '') && config.version === pkg.version,
  `deno.json ${config.name}@${config.version}, package.json version ${pkg.version}`,
)

for (const [entry, target] of Object.entries(pkg.exports)) {
  if (entry in NOT_ON_JSR) {
    tally.check(`${entry} is not on JSR (${NOT_ON_JSR[entry].split(':')[0]})`, !(entry in jsrExports), `deno.json exports ${entry}`)
    continue
  }
  const source = typeof target === 'object' && typeof target.types === 'string' ? target.types.replace(/^\.\/dist\//, './src/').replace(/\.d\.ts$/, '.ts') : undefined
  tally.check(
    `deno.json exports ${entry} from ${source}`,
    source !== undefined && jsrExports[entry] === source && existsSync(join(ROOT, source)),
    `package.json exports ${entry} (types ${target?.types}); deno.json has ${JSON.stringify(jsrExports[entry])}: add "${entry}": "${source}" to deno.json "exports", or list it in NOT_ON_JSR in test/deno/run.mjs with the reason`,
  )
}
for (const entry of Object.keys(jsrExports)) {
  if (!(entry in pkg.exports)) tally.fail(`deno.json exports ${entry}, which package.json does not`)
}
for (const peer of Object.keys(pkg.peerDependencies ?? {})) {
  const mapped = Object.entries(config.imports ?? {}).some(([name, target]) => (name === peer || name === `${peer}/`) && target.includes(`npm:`) && target.includes(`${peer}@`))
  tally.check(`deno.json "imports" maps the peer dependency ${peer} to npm:`, mapped, `add "${peer}": "npm:${peer}@…" to deno.json "imports"`)
}

const entries = Object.entries(jsrExports)

// ------------------------------------------------------------------ 2. deno check, entry by entry

for (const [entry, file] of entries) {
  const result = await run(deno, ['check', '--no-lock', file], { cwd: ROOT, env, timeoutMs: 120_000 })
  if (result.code === 0) tally.pass(`deno check ${file} (${entry})`, result.ms)
  else tally.fail(`deno check ${file} (${entry})`, result.lines.slice(-30).join('\n'), result.ms)
}

// ------------------------------------------------------------------ 3. deno doc --lint

{
  const files = entries.map(([, file]) => file)
  const result = await run(deno, ['doc', '--lint', '--no-lock', ...files], { cwd: ROOT, env, timeoutMs: 120_000 })
  const findings = docLintFindings(result.lines)
  const thirdParty = []
  const owed = []
  const unexpected = []
  for (const finding of findings) {
    const folder = Object.keys(THIRD_PARTY_TYPES).find((prefix) => finding.file.startsWith(prefix))
    if (finding.rule === 'private-type-ref' && folder !== undefined && THIRD_PARTY_TYPES[folder].includes(finding.referenced)) thirdParty.push(finding)
    else if (OWED.includes(finding.key)) owed.push(finding)
    else unexpected.push(finding)
  }
  const gone = OWED.filter((key) => !findings.some((finding) => finding.key === key))
  const name = `deno doc --lint on the ${files.length} JSR entry points: ${findings.length} findings, ${thirdParty.length} on framework types from npm, ${owed.length} owed (listed in test/deno/run.mjs)`
  const parsed = result.code === 0 || findings.length > 0
  if (parsed && unexpected.length === 0) tally.pass(name, result.ms)
  else {
    tally.fail(
      name,
      [
        ...(parsed ? [] : [`deno doc exited with ${result.code}:`, ...result.lines.slice(-20)]),
        ...unexpected.map((finding) => `new: ${finding.key}`),
      ].join('\n'),
      result.ms,
    )
  }
  for (const finding of owed) console.log(`    owed: ${finding.key}`)
  for (const key of gone) console.log(`    fixed, so delete it from OWED in test/deno/run.mjs: ${key}`)
}

// ------------------------------------------------------------------ 4. deno publish --dry-run

{
  const result = await run(deno, ['publish', '--dry-run', '--allow-dirty', '--no-lock'], { cwd: ROOT, env, timeoutMs: 180_000 })
  const published = result.lines.map((line) => /^\s+file:\/\/(\S+) \(/.exec(line)?.[1]).filter((path) => path !== undefined).map((path) => path.slice(ROOT.length + 1))
  const ok = result.code === 0 && result.lines.some((line) => line.includes('Success Dry run complete'))
  if (ok) tally.pass(`deno publish --dry-run: type check, no slow types, ${published.length} files`, result.ms)
  else {
    const network = result.lines.some((line) => /dns error|error sending request|tcp connect/i.test(line))
    tally.fail(`deno publish --dry-run${network ? ' (needed the network)' : ''}`, result.lines.filter((line) => !line.startsWith('Check ')).slice(-40).join('\n'), result.ms)
  }
  if (ok) {
    const missing = entries.map(([, file]) => file.slice(2)).filter((file) => !published.includes(file))
    tally.check('the JSR package holds every entry point', missing.length === 0, `missing: ${missing.join(', ')}`)
    const extra = published.filter((file) => NOT_PUBLISHED.some((pattern) => pattern.test(file)))
    tally.check('the JSR package holds no CLI, Durable Object, test or dist file', extra.length === 0, `published: ${extra.join(', ')}`)
  }
}

// ------------------------------------------------------------------ 5. the entry points, run

{
  const result = await run(deno, ['run', '--check', '--no-lock', '--allow-read', '--allow-env', 'test/deno/smoke.mjs'], {
    cwd: ROOT,
    env,
    timeoutMs: 120_000,
    onLine: (line) => {
      if (!line.startsWith('Check ') && summaryOf([line]) === undefined) console.log(line)
    },
  })
  const summary = result.summary
  tally.passed += summary?.passed ?? 0
  tally.failed += summary?.failed ?? 0
  if (result.code !== 0 && (summary === undefined || summary.failed === 0)) {
    tally.fail(`test/deno/smoke.mjs exited with ${result.timedOut ? 'a timeout' : `code ${result.code}`}`, result.lines.slice(-30).join('\n'))
  }
}

finish(tally)

/**
 * The findings in `deno doc --lint` output, each `{ rule, file, referenced, key }`: `key` is
 * "file: message" for private-type-ref, "file: code: message" otherwise, `code` being the
 * flagged line up to its first '(' or ':' (stable when lines move).
 */
function docLintFindings(lines) {
  const findings = []
  for (let i = 0; i < lines.length; i++) {
    const head = /^error\[([\w-]+)\]: (.*)$/.exec(lines[i])
    if (head === null) continue
    const at = /-->\s+(\S+?):(\d+):\d+$/.exec(lines[i + 1] ?? '')
    const file = at === null ? '?' : at[1].startsWith(ROOT) ? at[1].slice(ROOT.length + 1) : at[1]
    // The snippet follows: " | ", then "16 |   constructor(message: string, …".
    const snippet = lines.slice(i + 2, i + 6).map((text) => /^\s*\d+ \|\s?(.*)$/.exec(text)?.[1]).find((text) => text !== undefined) ?? ''
    const code = snippet.trim().split(/[(:=]/)[0].trim()
    const [, rule, message] = head
    const referenced = /references private type '([^']+)'/.exec(message)?.[1]
    const key = rule === 'private-type-ref' ? `${file}: ${message}` : `${file}: ${code}: ${message}`
    findings.push({ rule, file, referenced, key })
  }
  return findings
}
