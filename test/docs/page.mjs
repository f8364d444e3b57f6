/**
 * A framework page (docs/frameworks/<name>.md) as the runners read it: the files it tells
 * a reader to add (every code block whose first line is a comment naming a file:
 * `// app/actions.ts`, `<!-- src/routes/+page.svelte -->`, `# .dev.vars`, or a frontmatter
 * `---` followed by `// src/pages/x.astro`), the packages of its `npm install` lines with
 * their pinned versions, and its scaffold command (`npx create-next-app@16.4.3 …`).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { codeBlocks, ROOT } from './project.mjs'

const FILE_COMMENT = /^(?:---\n)?(?:\/\/|#|<!--)\s*((?:[\w@()[\]$+.-]+\/)*[\w@()[\]$+.-]+\.(?:ts|tsx|js|mjs|json|jsonc|toml|svelte|astro|vue)|\.dev\.vars)\b/

/** The page's path from the repository root, e.g. `docs/frameworks/next.md`. */
export function pagePath(name) {
  return `docs/frameworks/${name}.md`
}

/**
 * `{ files, installs, scaffold, text }`: `files` maps each named file to its code (in page
 * order; a later block for the same file wins), `installs` lists `{ name, version, dev }`
 * from `npm install` lines (`version` undefined when unpinned), `scaffold` is the first
 * `npx <pkg>@<version> …` line, split into words.
 */
export function readPage(name) {
  const file = join(ROOT, pagePath(name))
  const text = readFileSync(file, 'utf8')
  const files = {}
  const installs = []
  let scaffold
  for (const block of codeBlocks(file)) {
    const named = FILE_COMMENT.exec(block.code)?.[1]
    if (named !== undefined) files[named] = block.code
    if (block.lang !== 'sh') continue
    for (const line of block.code.split('\n')) {
      for (const command of line.replace(/#.*$/, '').split('&&')) {
        const words = command.trim().split(/\s+/).filter((word) => word !== '')
        if (words[0] === 'npm' && (words[1] === 'install' || words[1] === 'i')) {
          const dev = words.includes('-D') || words.includes('--save-dev')
          for (const word of words.slice(2).filter((w) => !w.startsWith('-'))) {
            const at = word.lastIndexOf('@')
            installs.push(at > 0 ? { name: word.slice(0, at), version: word.slice(at + 1), dev } : { name: word, version: undefined, dev })
          }
        }
        if (scaffold === undefined && words[0] === 'npx' && /^[\w@/.-]+@\d/.test(words[1] ?? '')) scaffold = words.slice(1)
      }
    }
  }
  return { files, installs, scaffold, text }
}

/** The installed version of a root dependency (node_modules/<name>/package.json). */
export function rootVersion(name) {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version
  } catch {
    return undefined
  }
}

/**
 * For runners that link the root's copies instead of installing: every package the page
 * installs (but sealed-session) must be pinned to exactly the version the repository
 * tests, else the page would promise what no test ran. Returns the problems found.
 */
export function pinProblems(installs) {
  const problems = []
  for (const { name, version } of installs) {
    if (name === 'sealed-session') continue
    if (version === undefined) problems.push(`${name} is not pinned`)
    else if (rootVersion(name) !== version) problems.push(`${name}@${version} is not the tested ${name}@${rootVersion(name) ?? '(not installed)'}`)
  }
  return problems
}

/** Throws unless the page names every one of `needed`. */
export function requireFiles(name, files, needed) {
  const missing = needed.filter((file) => files[file] === undefined)
  if (missing.length > 0) throw new Error(`${pagePath(name)} shows no ${missing.join(', ')} (it shows ${Object.keys(files).join(', ')})`)
}
