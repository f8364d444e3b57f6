/**
 * Entry point for in-process runtimes (Node, Bun, Deno): runs the suite and prints its
 * result as one JSON line on stdout, prefixed with RESULT_PREFIX; progress goes to stderr.
 * Usage: <runtime> bench/child.mjs [--time-scale=1] [--profile]
 */
import { runProfile, runSuite } from './suite.mjs'

export const RESULT_PREFIX = 'BENCH_RESULT '

const args = globalThis.Deno?.args ?? globalThis.process.argv.slice(2)
const scaleArg = args.find((a) => a.startsWith('--time-scale='))
const timeScale = scaleArg === undefined ? 1 : Number(scaleArg.slice('--time-scale='.length))
if (!(timeScale > 0 && timeScale <= 10)) throw new Error(`--time-scale must be in (0, 10], got ${scaleArg}`)

const log = (line) => console.error(`  ${line}`)
const result = args.includes('--profile') ? await runProfile({ timeScale, log }) : await runSuite({ timeScale, log })
console.log(RESULT_PREFIX + JSON.stringify(result))
