// Runs test/node/suite.mjs (sealed-session/node on node:http, Express 5 and Express 4)
// against the built package on Node 24 (the npm package `node`) and Node 20 (the
// machine's /usr/bin/node, or NODE20=/path/to/node).
//
//   npm run build && node test/node/run.mjs
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { run } from '../support/processes.mjs'
import { finish } from '../support/runner.mjs'

const root = fileURLToPath(new URL('../../', import.meta.url))
const suite = fileURLToPath(new URL('./suite.mjs', import.meta.url))
const runtimes = { node24: `${root}node_modules/.bin/node`, node20: process.env.NODE20 ?? '/usr/bin/node' }

if (!existsSync(`${root}dist/node/index.js`)) {
  console.error('dist/ is missing: run `npm run build` first')
  finish({ passed: 0, failed: 1 })
}
let passed = 0
let failed = 0
for (const [name, command] of Object.entries(runtimes)) {
  if (!existsSync(command)) {
    console.log(`[${name}] not ok - ${command} does not exist`)
    failed++
    continue
  }
  const result = await run(command, [suite], { cwd: root, timeoutMs: 60_000, onLine: (line) => console.log(line) })
  passed += result.summary?.passed ?? 0
  failed += result.summary?.failed ?? 0
  if (result.timedOut || result.code !== 0 || result.summary === undefined) {
    if ((result.summary?.failed ?? 0) === 0) failed++
    console.log(`[${name}] not ok - exited with ${result.timedOut ? 'a timeout after 60 s' : `code ${result.code}`}`)
  }
}
finish({ passed, failed })
