/**
 * What the docs checker and the quickstart runner share: the package as a user installs
 * it (`npm pack`, unpacked into a fresh project's node_modules), the root's dependencies
 * linked beside it, and the code blocks of a Markdown file with their line numbers.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { installPackedPackage as installPacked } from '../support/pack.mjs'

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))

/** The HTML comment, on the line right before a fence, that marks a block as a deliberate fragment. */
export const PARTIAL_MARKER = '<!-- docs-test: partial -->'

/**
 * Packs the repository (`npm pack`: exactly the files a user downloads) and unpacks it as
 * `<project>/node_modules/sealed-session`. Needs `npm run build` first.
 */
export function installPackedPackage(project) {
  const installed = installPacked(project)
  if (installed !== true) throw new Error(installed)
  return join(project, 'node_modules/sealed-session')
}

/** Links `<project>/node_modules/<name>` to the root's installed copy (no registry access). */
export function linkFromRoot(project, names) {
  for (const name of names) {
    const source = join(ROOT, 'node_modules', name)
    if (!existsSync(source)) throw new Error(`node_modules/${name} is not installed in the repository`)
    const target = join(project, 'node_modules', name)
    mkdirSync(dirname(target), { recursive: true })
    symlinkSync(source, target, 'dir')
  }
}

export function tempProject(prefix) {
  return mkdtempSync(join(tmpdir(), prefix))
}

/**
 * The fenced code blocks of a Markdown file: `{ lang, info, code, line, partial }`, where
 * `line` is the 1-based line of the opening fence and `partial` says the line before it
 * is PARTIAL_MARKER.
 */
export function codeBlocks(file) {
  const lines = readFileSync(file, 'utf8').split('\n')
  const blocks = []
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i].match(/^(`{3,})\s*([\w-]*)(.*)$/)
    if (open === null) continue
    const fence = open[1]
    let end = i + 1
    while (end < lines.length && !lines[end].startsWith(fence)) end++
    let before = i - 1
    while (before >= 0 && lines[before].trim() === '') before--
    blocks.push({
      lang: open[2].toLowerCase(),
      info: open[3].trim(),
      code: lines.slice(i + 1, end).join('\n'),
      line: i + 1,
      partial: before >= 0 && lines[before].trim() === PARTIAL_MARKER,
    })
    i = end
  }
  return blocks
}

function run(command, args) {
  return spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: 120_000 })
}
