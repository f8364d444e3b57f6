import { defineConfig } from 'vitest/config'
import { summary } from '../edge/summary.js'

// Unit tests of sealed-session/react-router with the real react-router package, on Node.
// The built example app is driven over HTTP by test/react-router/run.mjs.
//
//   npx vitest run --config test/react-router/vitest.config.ts     (from the repository root)
export default defineConfig({
  test: {
    reporters: ['default', summary],
    name: 'react-router',
    environment: 'node',
    include: ['test/react-router/**/*.test.ts'],
  },
})
