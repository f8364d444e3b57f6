// The Deno KV store on real Deno (`npm run test:deno-kv`):
//
//   node test/deno-kv/run.mjs
//
// 1. `deno check --unstable-kv` proves that `Deno.Kv` (as Deno declares it) fits `DenoKvLike`,
//    and that the check is real: an object without `atomic()` is refused.
// 2. test/deno-kv/suite.mjs on Deno with `--unstable-kv`, against a KV file in a temp dir
//    that only it may write; the dir is removed afterwards (and checked gone).
// 3. test/deno-kv/overflow.mjs (the overflow data store) the same way, on its own KV file.
//
// Deno comes from the npm package `deno` (node_modules/.bin). Ends with `N passed, M failed`.
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ROOT, run, tempDir } from '../support/processes.mjs'
import { createTally, finish } from '../support/runner.mjs'

const deno = join(ROOT, 'node_modules/.bin/deno')
const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1' }
const tally = createTally({ label: '[deno-kv]' })
const dir = tempDir('sealed-session-deno-kv-')
const entry = pathToFileURL(join(ROOT, 'src/deno-kv.ts')).href

// ------------------------------------------------------------------ 1. Deno.Kv fits DenoKvLike

const snippets = {
  fits: `import { denoKvRevocations, type DenoKvLike } from '${entry}'
const kv: Deno.Kv = await Deno.openKv(':memory:')
export const store = denoKvRevocations(kv)
export const like: DenoKvLike = kv
`,
  refused: `import { denoKvRevocations } from '${entry}'
const kv = { get: (key: Deno.KvKey) => Promise.resolve({ value: null, versionstamp: null }) }
export const store = denoKvRevocations(kv)
`,
}
for (const [name, source] of Object.entries(snippets)) {
  const file = join(dir, `${name}.ts`)
  writeFileSync(file, source)
  const result = await run(deno, ['check', '--unstable-kv', '--no-lock', '--config', join(ROOT, 'deno.json'), file], { cwd: ROOT, env, timeoutMs: 120_000 })
  if (name === 'fits') {
    if (result.code === 0) tally.pass('deno check: Deno.Kv fits DenoKvLike (denoKvRevocations(kv) with kv: Deno.Kv)', result.ms)
    else tally.fail('deno check: Deno.Kv fits DenoKvLike', result.lines.slice(-30).join('\n'), result.ms)
  } else {
    const refused = result.code !== 0 && result.lines.some((line) => /TS2345/.test(line) && /atomic/.test(result.lines.join('\n')))
    if (refused) tally.pass('deno check refuses a KV without atomic() (TS2345): the check above is real', result.ms)
    else tally.fail('deno check refuses a KV without atomic()', result.lines.slice(-30).join('\n'), result.ms)
  }
}

// ------------------------------------------------------------------ 2. the suite, on real Deno

{
  const args = ['run', '--unstable-kv', '--no-lock', '--config', join(ROOT, 'deno.json'), '--allow-read', `--allow-write=${dir}`, 'test/deno-kv/suite.mjs', join(dir, 'kv.sqlite3')]
  const result = await run(deno, args, { cwd: ROOT, env, timeoutMs: 120_000, onLine: (line) => {
    if (!/^\d+ passed, \d+ failed$/.test(line.trim())) console.log(line)
  } })
  tally.passed += result.summary?.passed ?? 0
  tally.failed += result.summary?.failed ?? 0
  if (result.code !== 0 && (result.summary === undefined || result.summary.failed === 0)) {
    tally.fail(`test/deno-kv/suite.mjs exited with ${result.timedOut ? 'a timeout' : `code ${result.code}`}`, result.lines.slice(-30).join('\n'))
  } else if (result.summary !== undefined) {
    console.log(`[deno-kv] suite: ${result.summary.passed} passed in ${Math.round(result.ms)} ms (Deno start included)`)
  }
  tally.check('the suite wrote its KV file in the temp dir', existsSync(join(dir, 'kv.sqlite3')), `no ${join(dir, 'kv.sqlite3')}`)
}

// ------------------------------------------------------------------ 3. the overflow data store, on real Deno

{
  const args = ['run', '--unstable-kv', '--no-lock', '--config', join(ROOT, 'deno.json'), '--allow-read', `--allow-write=${dir}`, 'test/deno-kv/overflow.mjs', join(dir, 'overflow.sqlite3')]
  const result = await run(deno, args, { cwd: ROOT, env, timeoutMs: 120_000, onLine: (line) => {
    if (!/^\d+ passed, \d+ failed$/.test(line.trim())) console.log(line)
  } })
  tally.passed += result.summary?.passed ?? 0
  tally.failed += result.summary?.failed ?? 0
  if (result.code !== 0 && (result.summary === undefined || result.summary.failed === 0)) {
    tally.fail(`test/deno-kv/overflow.mjs exited with ${result.timedOut ? 'a timeout' : `code ${result.code}`}`, result.lines.slice(-30).join('\n'))
  } else if (result.summary !== undefined) {
    console.log(`[deno-kv] overflow: ${result.summary.passed} passed in ${Math.round(result.ms)} ms (Deno start included)`)
  }
}

rmSync(dir, { recursive: true, force: true })
tally.check('the temp dir with the KV file is removed', !existsSync(dir), `${dir} is still there`)
finish(tally)
