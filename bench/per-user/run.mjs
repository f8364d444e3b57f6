// Session control per user, every store (`npm run bench:per-user`): runs each store's
// script in turn (each starts and stops its own backend), collects its JSON lines and
// prints the Markdown table BENCHMARKS.md quotes. A script whose backend is missing
// reports why and the table goes on without it.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))
const scripts = readdirSync(HERE).filter((name) => name.endsWith('.mjs') && !['run.mjs', 'shared.mjs'].includes(name))
const rows = []
for (const script of scripts.sort()) {
  const result = spawnSync(process.execPath, [join(HERE, script)], { encoding: 'utf8', timeout: 15 * 60_000 })
  if (result.status !== 0) {
    console.error(`${script}: exit ${result.status}\n${result.stderr.slice(-2000)}`)
    continue
  }
  for (const line of result.stdout.split('\n')) {
    if (line.startsWith('{')) rows.push(JSON.parse(line))
  }
}
const cell = (value, unit) => (value === null || value === undefined ? '—' : `${value}${unit}`)
console.log('| store | scenario | sign-ins | check (median) | isRevoked (median) | bytes held for the user |')
console.log('| --- | --- | ---: | ---: | ---: | ---: |')
for (const r of rows) console.log(`| ${r.store} | ${r.scenario} | ${r.signIns.toLocaleString('en')} | ${cell(r.checkUs, ' µs')} | ${cell(r.isRevokedUs, ' µs')} | ${r.bytes.toLocaleString('en')} |`)
if (!existsSync(join(HERE, '..', '..', 'dist'))) console.error('(run `npm run build` first: the scripts use dist/)')
