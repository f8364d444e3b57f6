import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

const path = (relative: string): string => decodeURIComponent(new URL(relative, import.meta.url).pathname)

// The Durable Object store in workerd, with its own Worker (worker.ts, which exports the
// class) so the demo's wrangler.toml stays as it is:
//
//   npm run test:do     (vitest run --config test/durable-object/vitest.config.ts)
export default defineConfig({
  resolve: {
    alias: {
      'sealed-session/durable-object': path('../../src/durable-object.ts'),
      'sealed-session/hono': path('../../src/hono/index.ts'),
      'sealed-session': path('../../src/index.ts'),
    },
  },
  plugins: [cloudflareTest({ wrangler: { configPath: path('./wrangler.toml') } })],
  test: {
    name: 'durable-object',
    include: [path('./**/*.test.ts')],
    // The conformance cases that sign one user in a thousand times make ~2,000 real
    // Durable Object writes (SQLite on disk, 2-5 ms each on a busy machine).
    testTimeout: 60_000,
  },
})
