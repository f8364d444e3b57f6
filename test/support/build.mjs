// Vitest globalSetup: the CLI tests run the published command (bin/ over dist/), so a fresh
// clone's `npx vitest run` builds the package first when dist/ is missing (`npm test`
// builds before vitest anyway). Bounded: one tsc run.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export default function setup() {
  const root = decodeURIComponent(new URL('../../', import.meta.url).pathname)
  if (existsSync(join(root, 'dist/index.js'))) return
  const tsc = join(root, 'node_modules/typescript/bin/tsc')
  const built = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8', timeout: 300_000 })
  if (built.status !== 0) throw new Error(`building dist/ for the CLI tests failed:\n${built.stdout}${built.stderr}`)
}
