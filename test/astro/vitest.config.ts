import { defineConfig } from 'vitest/config'
import { summary } from '../edge/summary.js'

// Unit tests of sealed-session/astro with the real astro package (its createContext() and
// sequence()), on Node. The built example app is driven over HTTP by test/astro/run.mjs.
//
//   npx vitest run --config test/astro/vitest.config.ts     (from the repository root)
export default defineConfig({
  test: {
    reporters: ['default', summary],
    name: 'astro',
    environment: 'node',
    include: ['test/astro/**/*.test.ts'],
  },
})
