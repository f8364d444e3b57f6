import { defineConfig } from 'vitest/config'
import pkg from '../../package.json' with { type: 'json' }
import { summary } from './summary.js'

// The package's entry points from source, as in the root config: each "exports" target
// ./dist/X.js is src/X.ts. Tests import 'sealed-session', 'sealed-session/hono', …
const root = new URL('../../', import.meta.url)
const exports: Record<string, string | { default?: string }> = pkg.exports
const alias = Object.entries(exports).flatMap(([entry, target]) => {
  const file = typeof target === 'string' ? target : target.default
  if (file === undefined || !file.startsWith('./dist/') || !file.endsWith('.js')) return []
  return [{ find: new RegExp(`^${pkg.name}${entry.slice(1)}$`), replacement: decodeURIComponent(new URL(`src/${file.slice(7, -3)}.ts`, root).pathname) }]
})

// The core, Hono and store tests again, inside the edge runtime sandbox: each test file
// runs in an @edge-runtime/vm context (pool 'vmThreads'), with the Node globals Vitest
// adds taken out again (setup.ts). Needs Node 22+ for the vm pool (npm scripts use the
// Node 24 from node_modules/.bin).
//
//   npx vitest run --config test/edge/vitest.config.ts     (from the repository root)
export default defineConfig({
  resolve: { alias },
  test: {
    reporters: ['default', summary],
    name: 'edge-runtime',
    environment: 'edge-runtime',
    pool: 'vmThreads',
    execArgv: ['--experimental-vm-modules'],
    setupFiles: ['test/edge/setup.ts'],
    include: ['test/edge/**/*.test.ts', 'test/{core,cookie,engine,format,keys,session}/**/*.test.ts', 'test/hono/**/*.test.ts', 'test/stores/**/*.test.ts'],
  },
})
