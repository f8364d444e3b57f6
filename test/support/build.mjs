// Vitest globalSetup: the CLI tests run the published command (bin/ over dist/), so a fresh
// clone's `npx vitest run` builds the package first when dist/ is missing or older than src/ (`npm test`
// builds before vitest anyway). Bounded: one tsc run.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

export default function setup() {
  const root = decodeURIComponent(new URL('../../', import.meta.url).pathname)
  const built = join(root, 'dist/index.js')
  // Missing, or older than a source file (a stale build would test yesterday's CLI).
  if (existsSync(built) && newest(join(root, 'src')) <= statSync(built).mtimeMs) return
  const tsc = join(root, 'node_modules/typescript/bin/tsc')
  const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8', timeout: 300_000 })
  if (run.status !== 0) throw new Error(`building dist/ for the CLI tests failed:\n${run.stdout}${run.stderr}`)
}

/** The latest modification time of any file under `dir`. */
function newest(dir) {
  let latest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs)
  }
  return latest
}
