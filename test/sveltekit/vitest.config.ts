import { defineConfig } from 'vitest/config'
import { summary } from '../edge/summary.js'

// Unit tests of sealed-session/sveltekit with the real @sveltejs/kit (its redirect(),
// sequence() and the handle contract), on Node. The built example app is driven over HTTP
// by test/sveltekit/run.mjs.
//
//   npx vitest run --config test/sveltekit/vitest.config.ts     (from the repository root)
export default defineConfig({
  test: {
    reporters: ['default', summary],
    name: 'sveltekit',
    environment: 'node',
    include: ['test/sveltekit/**/*.test.ts'],
  },
})
