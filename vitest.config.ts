import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (path: string): string => fileURLToPath(new URL(`./src/${path}`, import.meta.url))

// The package's entry points, from source: examples and tests import them by name.
const alias = {
  'sealed-session/hono': src('hono/index.ts'),
  'sealed-session/kv': src('kv.ts'),
  'sealed-session/memory': src('memory.ts'),
  'sealed-session/redis': src('redis.ts'),
  'sealed-session/deno-kv': src('deno-kv.ts'),
  'sealed-session/durable-object': src('durable-object.ts'),
  'sealed-session/jwe': src('jwe/index.ts'),
  'sealed-session/react-router': src('react-router/index.ts'),
  'sealed-session/sveltekit': src('sveltekit/index.ts'),
  'sealed-session/astro': src('astro/index.ts'),
  'sealed-session/node': src('node/index.ts'),
  'sealed-session/elysia': src('elysia/index.ts'),
  'sealed-session/h3': src('h3/index.ts'),
  'sealed-session/migrate/iron-session': src('migrate/iron-session.ts'),
  'sealed-session/migrate/auth-js': src('migrate/auth-js.ts'),
  'sealed-session/migrate/react-router': src('migrate/react-router.ts'),
  'sealed-session': src('index.ts'),
}

export default defineConfig({
  resolve: { alias },
  test: {
    // A fresh clone's `npx vitest run` passes without a prior build: the CLI tests need dist/.
    globalSetup: ['test/support/build.mjs'],
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'node',
          // test/ mirrors src/: test/engine tests src/engine, test/format src/format, and so on;
          // test/core holds the tests of src/*.ts (seal, strict, errors) and of the whole.
          include: [
            'test/{core,cookie,engine,format,keys,session}/**/*.test.ts',
            'test/hono/**/*.test.ts',
            'test/stores/**/*.test.ts',
            'test/security/**/*.test.ts',
            'test/jwe/**/*.test.ts',
            'test/cli/**/*.test.ts',
            'test/migrate/**/*.test.ts',
            'test/elysia/**/*.test.ts',
            'test/h3/**/*.test.ts',
          ],
          environment: 'node',
        },
      },
      {
        // One source of tests, two runtimes: the core suite again, inside workerd.
        resolve: { alias },
        plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.toml' } })],
        test: {
          name: 'workerd',
          include: ['test/{core,cookie,engine,format,keys,session}/**/*.test.ts', 'test/jwe/**/*.test.ts', 'test/worker/**/*.test.ts'],
          // A user's devices are tested against the stores, on Node.
          exclude: ['test/engine/devices.test.ts'],
        },
      },
    ],
  },
})
