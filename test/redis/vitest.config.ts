import { defineConfig } from 'vitest/config'

const src = (path: string): string => decodeURIComponent(new URL(`../../src/${path}`, import.meta.url).pathname)

// The Redis store against a real redis-server that server.mjs starts and stops:
//
//   npm run test:redis     (vitest run --config test/redis/vitest.config.ts)
export default defineConfig({
  resolve: {
    alias: {
      'sealed-session/redis': src('redis.ts'),
      'sealed-session/hono': src('hono/index.ts'),
      'sealed-session/memory': src('memory.ts'),
      'sealed-session': src('index.ts'),
    },
  },
  test: {
    name: 'redis',
    environment: 'node',
    include: ['test/redis/**/*.test.ts'],
    globalSetup: ['test/redis/server.mjs'],
  },
})
