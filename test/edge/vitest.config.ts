import { defineConfig } from 'vitest/config'
import { summary } from './summary.js'

// The core, Hono and store tests again, inside the edge runtime sandbox: each test file
// runs in an @edge-runtime/vm context (pool 'vmThreads'), with the Node globals Vitest
// adds taken out again (setup.ts). Needs Node 22+ for the vm pool (npm scripts use the
// Node 24 from node_modules/.bin).
//
//   npx vitest run --config test/edge/vitest.config.ts     (from the repository root)
export default defineConfig({
  test: {
    reporters: ['default', summary],
    name: 'edge-runtime',
    environment: 'edge-runtime',
    pool: 'vmThreads',
    execArgv: ['--experimental-vm-modules'],
    setupFiles: ['test/edge/setup.ts'],
    include: ['test/edge/**/*.test.ts', 'test/core/**/*.test.ts', 'test/hono/**/*.test.ts', 'test/stores/**/*.test.ts'],
  },
})
