/**
 * The docs are a test: every ```ts / ```tsx block in README.md and docs/*.md is
 * type-checked as its own module against the BUILT package, the way a user's project
 * compiles it: a fresh project whose node_modules/sealed-session is the `npm pack`
 * tarball (resolved through its package.json "exports"), with hono, jose, next and
 * @cloudflare/workers-types linked from the repository's node_modules.
 *
 * A block that is deliberately a fragment is marked with the line
 * `<!-- docs-test: partial -->` right before its fence; it is counted, not checked.
 * A block whose first line names a file (`// app/actions.ts`) is written at that path in
 * a folder per Markdown section, so the files of one quickstart import each other as
 * they would in the reader's project.
 *
 *   npm run build && npm run test:docs       (node test/docs/check.mjs [file.md …])
 *
 * A failure names the Markdown file and line. Ends with `N passed, M failed`.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { createTally, finish } from '../support/runner.mjs'
import { codeBlocks, installPackedPackage, linkFromRoot, ROOT, tempProject } from './project.mjs'

const started = performance.now()
const files = process.argv.length > 2
  ? process.argv.slice(2).map((f) => join(process.cwd(), f))
  : [join(ROOT, 'README.md'), ...readdirSync(join(ROOT, 'docs'), { recursive: true }).filter((f) => f.endsWith('.md')).sort().map((f) => join(ROOT, 'docs', f))]

const LANGS = new Set(['ts', 'tsx', 'typescript'])
const project = tempProject('sealed-session-docs-')
const tally = createTally({ label: ' ' })
try {
  installPackedPackage(project)
  linkFromRoot(project, ['hono', 'jose', 'next', 'react', 'react-dom', 'react-router', '@react-router/dev', '@types/react', '@sveltejs/kit', '@sveltejs/adapter-node', 'svelte', 'astro', 'vite', 'redis', 'ioredis', '@cloudflare/workers-types', 'express', '@types/express', 'fastify', 'elysia', 'h3', 'nitropack', 'nuxt'])
  const blocks = []
  let partial = 0
  for (const file of files) {
    const headings = readFileSync(file, 'utf8').split('\n').map((line, index) => (line.startsWith('## ') ? index + 1 : 0))
    const slug = relative(ROOT, file).replace(/[^\w-]+/g, '_')
    for (const block of codeBlocks(file)) {
      if (!LANGS.has(block.lang)) continue
      if (block.partial) {
        partial++
        continue
      }
      const named = block.code.split('\n', 1)[0].match(/^\/\/\s*([\w@()[\].-]+(?:\/[\w@()[\].-]+)*\.tsx?)\b/)
      let module
      if (named !== null) {
        const section = headings.filter((line) => line > 0 && line < block.line).at(-1) ?? 0
        module = `blocks/${slug}-S${section}/${named[1]}`
      } else {
        module = `blocks/${slug}-L${block.line}.${block.lang === 'tsx' ? 'tsx' : 'ts'}`
      }
      blocks.push({ ...block, file: relative(ROOT, file), module, errors: [] })
    }
  }
  mkdirSync(join(project, 'blocks'))
  for (const block of blocks) {
    mkdirSync(dirname(join(project, block.module)), { recursive: true })
    writeFileSync(join(project, block.module), `${block.code}\n`)
  }
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'docs-check', private: true, type: 'module' }))
  // No @types/node in the repository: the one Node global the docs use, as @types/node declares it.
  writeFileSync(
    join(project, 'node-globals.d.ts'),
    'declare var process: { env: Record<string, string | undefined> }\n' +
      // SvelteKit's virtual module, as the app's generated types declare it.
      "declare module '$env/dynamic/private' { export const env: Record<string, string | undefined> }\n" +
      // The runtime globals the Deno and Bun pages use, as Deno's and Bun's types declare them.
      'declare namespace Deno { const env: { get(name: string): string | undefined }; function serve(options: { hostname?: string; port?: number }, handler: (request: Request) => Response | Promise<Response>): unknown }\n' +
      'declare var Bun: { env: Record<string, string | undefined>; serve(options: { hostname?: string; port?: number; fetch(request: Request): Response | Promise<Response> }): unknown }\n' +
      // Nuxt's auto-imports, as its generated .nuxt/types/nitro-imports.d.ts and imports.d.ts declare them.
      ['defineEventHandler', 'readBody', 'createError', 'sendRedirect'].map((name) => `declare const ${name}: typeof import('h3').${name}\n`).join('') +
      ['useRuntimeConfig', 'defineNitroPlugin'].map((name) => `declare const ${name}: typeof import('nitropack/runtime').${name}\n`).join('') +
      ['defineNuxtPlugin', 'useRequestEvent', 'useState'].map((name) => `declare const ${name}: typeof import('nuxt/app').${name}\n`).join('') +
      "declare const defineNuxtConfig: typeof import('nuxt/config').defineNuxtConfig\n",
  )
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'bundler',
      moduleDetection: 'force', // each block is its own module, even without import/export
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      // Astro's virtual modules (astro:middleware, …) are declared by its client types.
      types: ['@cloudflare/workers-types', 'astro/client'],
      jsx: 'react-jsx',
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      isolatedModules: true,
      verbatimModuleSyntax: true,
    },
    // Listed one by one: tsc must check every block (an `include` glob skips dot-files silently).
    files: [...blocks.map((block) => block.module), 'node-globals.d.ts'],
  }, null, 2))
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--pretty', 'false'], { cwd: project, encoding: 'utf8', timeout: 180_000 })
  const other = []
  let last // the block of the previous diagnostic: indented lines continue its message
  for (const line of `${tsc.stdout}\n${tsc.stderr}`.split('\n')) {
    if (line.trim() === '') continue
    const match = line.match(/^(blocks\/.+?)\((\d+),(\d+)\): (error .*)$/)
    const block = match === null ? undefined : blocks.find((b) => b.module === match[1])
    if (block !== undefined) {
      // Line n of the module is line (fence + n) of the Markdown file.
      block.errors.push(`${block.file}:${block.line + Number(match[2])}:${match[3]} ${match[4]}`)
      last = block
    } else if (/^\s/.test(line) && last !== undefined) {
      last.errors.push(`  ${line.trim()}`)
    } else {
      other.push(line)
      last = undefined
    }
  }
  for (const block of blocks) {
    if (block.errors.length === 0) tally.pass(`${block.file}:${block.line}`)
    else tally.fail(`${block.file}:${block.line}`, block.errors.join('\n'))
  }
  if (other.length > 0 || (tsc.status !== 0 && tally.failed === 0)) tally.fail(`tsc did not run cleanly (exit ${tsc.status})`, other.join('\n'))
  console.log(`docs check: ${blocks.length} blocks checked in ${files.length} files, ${partial} marked partial, ${((performance.now() - started) / 1000).toFixed(1)} s`)
} catch (error) {
  tally.fail('docs check could not run', error instanceof Error ? error.message : String(error))
} finally {
  if (process.env.KEEP_DOCS_PROJECT === '1') console.log(`kept ${project}`)
  else rmSync(project, { recursive: true, force: true })
}
finish(tally)
