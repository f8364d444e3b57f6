// The package as a user installs it: `npm pack` (so package.json "files" and "exports" are
// what is tested), unpacked as <app>/node_modules/sealed-session. Used by every runner that
// builds an app against the package (docs, Next.js, React Router, SvelteKit, Astro).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

function runSync(command, args) {
  return spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })
}

/**
 * Packs this package and unpacks it into `app`. With `entry` ('./next', './astro', …) also
 * checks that the packed package exports it and contains its file. Returns true, or a
 * message saying what is wrong (the runners report it as a failed check).
 */
export function installPackedPackage(app, entry) {
  if (!existsSync(join(ROOT, 'dist/index.js'))) return 'dist/ is missing: run `npm run build` first'
  const scratch = mkdtempSync(join(tmpdir(), 'sealed-session-pack-'))
  try {
    // Under `npm run`, npm_execpath is npm's own CLI script; otherwise use npm from PATH.
    const npm = process.env.npm_execpath
    const pack = ['pack', '--ignore-scripts', '--silent', '--pack-destination', scratch]
    const packed = npm?.endsWith('.js') ? runSync(process.execPath, [npm, ...pack]) : runSync('npm', pack)
    if (packed.status !== 0) return `npm pack failed: ${packed.stderr}`
    const tarball = join(scratch, packed.stdout.trim().split('\n').pop())
    const target = join(app, 'node_modules/sealed-session')
    rmSync(target, { recursive: true, force: true })
    mkdirSync(target, { recursive: true })
    const untar = runSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1'])
    if (untar.status !== 0) return `tar failed: ${untar.stderr}`
    if (entry === undefined) return true
    const exported = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')).exports?.[entry]
    if (exported === undefined) return `package.json "exports" has no "${entry}" entry`
    const file = typeof exported === 'string' ? exported : (exported.default ?? exported.import)
    if (!existsSync(join(target, file))) return `"${entry}" points to ${file}, which the packed package does not contain`
    return true
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}
