/**
 * Every relative link of the README and of the Markdown files the package ships resolves
 * for a reader of the package: `npm pack --dry-run --json` lists exactly the files of the
 * tarball, and each link (`[text](docs/API.md)`, `![chart](bench/results/chart.svg)`) must
 * name one of them, relative to the Markdown file; a `#fragment` must name a heading of its
 * target (GitHub's slugs). Absolute URLs are left alone (no network). The README must be
 * in the tarball itself.
 *
 *   node test/docs/links.mjs        (npm run test:links)
 *
 * Ends with `N passed, M failed`.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path/posix'
import { createTally, finish } from '../support/runner.mjs'
import { ROOT } from './project.mjs'

const tally = createTally({ label: '[links]' })

/** The tarball's files, as `npm pack` would write them. */
function packedFiles() {
  const npm = process.env.npm_execpath
  const args = ['pack', '--dry-run', '--json', '--ignore-scripts']
  const packed = npm?.endsWith('.js') ? spawnSync(process.execPath, [npm, ...args], { cwd: ROOT, encoding: 'utf8' }) : spawnSync('npm', args, { cwd: ROOT, encoding: 'utf8' })
  if (packed.status !== 0) throw new Error(`npm pack --dry-run failed: ${packed.stderr}`)
  return new Set(JSON.parse(packed.stdout)[0].files.map((file) => file.path))
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown) {
  const seen = new Map()
  const result = new Set()
  let fenced = false
  for (const line of markdown.split('\n')) {
    if (/^(`{3,}|~{3,})/.test(line)) fenced = !fenced
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    if (heading === null) continue
    const base = heading[1].replace(/<[^>]*>/g, '').toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    result.add(count === 0 ? base : `${base}-${count}`)
  }
  return result
}

/** The links of a Markdown file outside code: `{ target, line }`. */
function links(markdown) {
  const found = []
  let fenced = false
  markdown.split('\n').forEach((line, index) => {
    if (/^\s*(`{3,}|~{3,})/.test(line)) fenced = !fenced
    if (fenced) return
    const prose = line.replace(/`[^`]*`/g, '')
    for (const match of prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) found.push({ target: match[1], line: index + 1 })
  })
  return found
}

try {
  const files = packedFiles()
  tally.check('the tarball holds README.md', files.has('README.md'), [...files].join(', '))
  const markdown = [...files].filter((file) => file.endsWith('.md')).sort()
  let checked = 0
  for (const file of markdown) {
    const text = readFileSync(join(ROOT, file), 'utf8')
    const problems = []
    for (const { target, line } of links(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue // https:, mailto:
      checked++
      const [path, fragment] = target.split('#')
      const resolved = path === '' ? file : normalize(join(dirname(file), decodeURIComponent(path)))
      if (!files.has(resolved)) {
        problems.push(`${file}:${line} links ${target}, but the tarball has no ${resolved}`)
        continue
      }
      if (fragment !== undefined && resolved.endsWith('.md') && !anchors(readFileSync(join(ROOT, resolved), 'utf8')).has(fragment)) {
        problems.push(`${file}:${line} links ${target}, but ${resolved} has no heading #${fragment}`)
      }
    }
    tally.check(`every relative link of ${file} resolves in the tarball`, problems.length === 0, problems.join('\n'))
  }
  console.log(`[links] ${checked} relative links in ${markdown.length} shipped Markdown files`)
} catch (error) {
  tally.fail('the links could be checked', error)
}
finish(tally)
