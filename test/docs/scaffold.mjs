/**
 * What the Next.js and SvelteKit runners share to run a framework page on the framework's
 * own scaffold, as a new user does: the page's scaffold command (`npx create-next-app@…`,
 * `npx sv@…`) run from the pinned devDependency (node_modules/.bin after `npm ci`; with
 * `npx -y <pkg>@<that version>` where this checkout lacks it), into a fresh folder outside
 * the repository; then ONE `npm install` (registry, npm's cache) of the scaffold's own
 * dependencies, the page's pinned packages and the packed sealed-session tarball.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run } from '../support/processes.mjs'
import { pagePath, readPage } from './page.mjs'
import { ROOT } from './project.mjs'

const devDependencies = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).devDependencies

/** npm as `npm run` started us (npm_execpath), else npm from PATH. */
function npm(args, options) {
  const cli = process.env.npm_execpath
  return cli?.endsWith('.js') ? run(process.execPath, [cli, ...args], options) : run('npm', args, options)
}

/**
 * Scaffolds `page`'s app: returns `{ dir, parent, page, ms }` or throws. `extra` are
 * arguments a test adds to the page's command (`--skip-install`: the one install is ours),
 * `drop` options it leaves out, with their value. The page's scaffold version must equal the devDependency, so CI does not drift.
 */
export async function scaffold(name, { extra = [], drop = [], env = process.env } = {}) {
  const page = readPage(name)
  if (page.scaffold === undefined) throw new Error(`${pagePath(name)} shows no "npx <scaffold>@<version> …" command`)
  const [spec, ...all] = page.scaffold
  // `drop`: words of the page's command the test leaves out (`--install npm`: the one install is ours).
  const args = all.filter((word, i) => !drop.includes(word) && !(drop.includes(all[i - 1]) && !word.startsWith('-')))
  const at = spec.lastIndexOf('@')
  const pkg = spec.slice(0, at)
  const version = spec.slice(at + 1)
  if (devDependencies[pkg] !== version) throw new Error(`${pagePath(name)} runs ${spec}, but package.json pins ${pkg}@${devDependencies[pkg] ?? '(none)'}`)
  const parent = mkdtempSync(join(tmpdir(), `sealed-session-${name}-scaffold-`))
  const bin = join(ROOT, 'node_modules/.bin', pkg)
  const began = performance.now()
  const result = existsSync(bin)
    ? await run(bin, [...args, ...extra], { cwd: parent, env, timeoutMs: 180_000 })
    : await run('npx', ['-y', spec, ...args, ...extra], { cwd: parent, env, timeoutMs: 180_000 })
  // Every page names its app my-app, as its `cd my-app` says.
  if (!args.includes('my-app')) throw new Error(`${pagePath(name)}'s scaffold command does not make my-app`)
  const dir = join(parent, 'my-app')
  if (result.code !== 0 || !existsSync(join(dir, 'package.json'))) {
    rmSync(parent, { recursive: true, force: true })
    throw new Error(`${spec} ${args.join(' ')} failed (exit ${result.timedOut ? 'timeout' : result.code})\n${result.lines.slice(-20).join('\n')}`)
  }
  return { dir, parent, page, ms: performance.now() - began }
}

/**
 * One `npm install` in the scaffolded app: its own dependencies, the page's `npm install`
 * packages (pinned as the page pins them) and the packed sealed-session. Returns the ms.
 */
export async function installApp(dir, page, { env = process.env } = {}) {
  const packed = spawnSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })
  if (packed.status !== 0) throw new Error(`npm pack failed: ${packed.stderr}`)
  const tarball = `./${packed.stdout.trim().split('\n').pop()}`
  const wanted = page.installs.filter((p) => p.name !== 'sealed-session')
  const runtime = wanted.filter((p) => !p.dev).map((p) => (p.version === undefined ? p.name : `${p.name}@${p.version}`))
  const dev = wanted.filter((p) => p.dev).map((p) => (p.version === undefined ? p.name : `${p.name}@${p.version}`))
  const began = performance.now()
  for (const [packages, flags] of [[[tarball, ...runtime], []], [dev, ['-D']]]) {
    if (packages.length === 0) continue
    const installed = await npm(['install', '--no-audit', '--no-fund', ...flags, ...packages], { cwd: dir, env, timeoutMs: 300_000 })
    if (installed.code !== 0) throw new Error(`npm install ${flags.join(' ')} ${packages.join(' ')} failed\n${installed.lines.slice(-20).join('\n')}`)
  }
  return performance.now() - began
}
