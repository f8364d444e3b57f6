import { defineConfig } from 'vitest/config'
import { summary } from '../edge/summary.js'

// Unit tests of sealed-session/next with the real next/server classes, on Node. The
// built example app is driven over HTTP by test/next/run.mjs.
//
//   npx vitest run --config test/next/vitest.config.ts     (from the repository root)
export default defineConfig({
  test: {
    reporters: ['default', summary],
    name: 'next',
    environment: 'node',
    include: ['test/next/**/*.test.ts'],
  },
})
