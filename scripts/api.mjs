#!/usr/bin/env node
/**
 * The public API, locked: one API Extractor report per package entry point, under api/.
 *
 *   node scripts/api.mjs          update api/*.api.md from the built dist/*.d.ts (after `npm run build`)
 *   node scripts/api.mjs --check  fail, printing the diff, when the surface differs from api/
 *
 * The entry points come from package.json "exports", so a new entry point gets a report
 * without touching this file. One config per entry point is generated in memory.
 */
import { createRequire } from 'node:module'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const { Extractor, ExtractorConfig } = require('@microsoft/api-extractor')

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const check = process.argv.includes('--check')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const reportFolder = join(root, 'api')
const tempFolder = join(root, 'node_modules', '.cache', 'api-extractor')
mkdirSync(reportFolder, { recursive: true })
mkdirSync(tempFolder, { recursive: true })

/** `.` → sealed-session, `./hono` → sealed-session-hono. */
function reportName(entry) {
  return entry === '.' ? pkg.name : `${pkg.name}-${entry.slice(2).replaceAll('/', '-')}`
}

const entries = Object.entries(pkg.exports)
  .filter(([, target]) => typeof target === 'object' && target.types !== undefined)
  .map(([entry, target]) => ({ entry, types: join(root, target.types), name: reportName(entry) }))

// Messages we do not use: release tags (@public/@beta) are not part of this project's
// JSDoc. Everything else is reported; warnings go into the report so they show in review.
const messages = {
  compilerMessageReporting: { default: { logLevel: 'warning' } },
  extractorMessageReporting: {
    default: { logLevel: 'warning', addToApiReportFile: true },
    'ae-missing-release-tag': { logLevel: 'none', addToApiReportFile: false },
    // Entry points share types (`sealed-session/hono` uses `SessionOptions` from
    // `sealed-session`); each type is reported once, by the entry point that exports it.
    // Types exported by no entry point (the format plug-in types, the JWE envelope) are
    // listed, unexported, in the `.` and `./jwe` reports (below), so their changes show too.
    'ae-forgotten-export': { logLevel: 'none', addToApiReportFile: false },
  },
  tsdocMessageReporting: { default: { logLevel: 'warning', addToApiReportFile: true } },
}

let failed = 0
const started = performance.now()
for (const { entry, types, name } of entries) {
  if (!existsSync(types)) {
    console.error(`${entry}: ${types} is missing; run \`npm run build\` first`)
    failed++
    continue
  }
  const configObject = {
    projectFolder: root,
    mainEntryPointFilePath: types,
    compiler: {
      // The built declarations, alone: what a user's compiler sees.
      overrideTsconfig: {
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM', 'DOM.Iterable'], strict: true, skipLibCheck: true, types: [] },
        files: [types],
      },
    },
    apiReport: { enabled: true, reportFileName: name, reportFolder, reportTempFolder: tempFolder, includeForgottenExports: entry === '.' || entry === './jwe' },
    docModel: { enabled: false },
    dtsRollup: { enabled: false },
    tsdocMetadata: { enabled: false },
    newlineKind: 'lf',
    messages,
  }
  const config = ExtractorConfig.prepare({
    configObject,
    configObjectFullPath: join(root, `api-extractor.${name}.json`),
    packageJsonFullPath: join(root, 'package.json'),
  })
  const lines = []
  const result = Extractor.invoke(config, {
    localBuild: !check,
    showVerboseMessages: false,
    messageCallback(message) {
      message.handled = true
      // The bundled compiler is older than the project's; the reports do not depend on it.
      // This script says itself what differs and what to run.
      if (message.messageId === 'console-compiler-version-notice' || message.messageId.startsWith('console-api-report-')) return
      if (message.logLevel === 'none' || message.logLevel === 'verbose' || message.logLevel === 'info') return
      lines.push(`  ${message.logLevel}: ${message.formatMessageWithLocation(root)}`)
    },
  })
  const report = join(reportFolder, `${name}.api.md`)
  const temp = join(tempFolder, `${name}.api.md`)
  if (check && result.apiReportChanged) {
    failed++
    console.error(`${entry}: the public API changed; run \`npm run api\` and commit api/${name}.api.md`)
    const diff = spawnSync('git', ['diff', '--no-index', '--no-color', existsSync(report) ? relative(root, report) : '/dev/null', relative(root, temp)], { cwd: root, encoding: 'utf8' })
    console.error(diff.stdout)
  } else if (!result.succeeded) {
    failed++
    console.error(`${entry}: API Extractor failed (${result.errorCount} errors)`)
  }
  console.log(`${entry.padEnd(10)} api/${name}.api.md${result.apiReportChanged ? (check ? ' (differs)' : ' (updated)') : ''}`)
  for (const line of lines) console.log(line)
}

// A report for an entry point that no longer exists is stale.
const expected = new Set(entries.map((e) => `${e.name}.api.md`))
for (const file of readdirSync(reportFolder)) {
  if (!file.endsWith('.api.md') || expected.has(file)) continue
  if (check) {
    failed++
    console.error(`api/${file}: no such entry point in package.json "exports"; run \`npm run api\``)
  } else {
    rmSync(join(reportFolder, file))
    console.log(`removed api/${file}`)
  }
}

const seconds = ((performance.now() - started) / 1000).toFixed(1)
console.log(`${entries.length - failed} passed, ${failed} failed (${entries.length} entry points, ${seconds} s)`)
process.exitCode = failed === 0 ? 0 : 1
