/// <reference types="vite/client" />
// Vite's own typing of import.meta.glob (the static glob import vitest bundles at transform time).
import { describe, expect, it } from 'vitest'
import { createSessions, v1 } from 'sealed-session'
import { SECRET_A } from '../support/index.js'
import { NODE_ONLY } from './setup.js'

// Every module of the library, as text. The CLI (src/cli) is left out: it runs on a host
// (Node, Deno, Bun) that hands it argv and stdout, and never runs in a request.
const sources = import.meta.glob(['../../src/**/*.ts', '!../../src/cli/**'], { query: '?raw', import: 'default', eager: true })

/** Bare module specifiers each adapter may import; everything else imports only relative modules. */
const ALLOWED_PACKAGES: Record<string, RegExp> = {
  'src/hono/': /^hono(\/[a-z-]+)?$/,
  'src/next/': /^next\/(server|headers)\.js$/,
  'src/jwe/': /^jose$/,
  'src/react-router/': /^react-router$/,
  'src/sveltekit/': /^@sveltejs\/kit$/,
  'src/astro/': /^astro(:middleware)?$/,
  'src/elysia/': /^elysia$/,
  'src/h3/': /^h3$/,
  // The Durable Object class is its own entry point, loaded only by a Worker that exports it.
  'src/stores/durable-object-class.ts': /^cloudflare:workers$/,
  'src/stores/durable-object-data-class.ts': /^cloudflare:workers$/,
}

function code(text: string): string {
  // Comments say "process" and "Buffer" in prose; only code counts.
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1')
}

describe('the edge runtime sandbox', () => {
  it('runs these tests inside @edge-runtime/vm, without Node globals', () => {
    expect(typeof (globalThis as { EdgeRuntime?: unknown }).EdgeRuntime).toBe('string')
    for (const name of NODE_ONLY) expect(name in globalThis, `${name} is gone`).toBe(false)
    expect(typeof crypto.subtle.encrypt).toBe('function')
  })

  it('round-trips a session with only what the edge runtime provides', async () => {
    const sessions = createSessions<{ cart: string[] }>({ secrets: SECRET_A })
    const first = await sessions.load(new Request('https://example.com/'))
    first.set('cart', ['apple'])
    const { setCookie } = await sessions.commit(first)
    const again = await sessions.load(setCookie[0]!.split(';')[0]!)
    expect(again.get('cart')).toEqual(['apple'])
  })

  it('with neither node:zlib nor Compression Streams, seals uncompressed and opens compressed cookies with the JavaScript decoder', async () => {
    expect(typeof (globalThis as { DecompressionStream?: unknown }).DecompressionStream).toBe('undefined')
    const cart = Array.from({ length: 30 }, (_, i) => `sku-${1000 + i}`)
    const sizes: number[] = []
    for (const compress of [false, true]) {
      const sessions = createSessions<{ cart: string[] }>({ secrets: SECRET_A, format: v1({ compress }) })
      const session = await sessions.load(new Request('https://example.com/'))
      session.set('cart', cart)
      const { setCookie } = await sessions.commit(session)
      sizes.push(setCookie[0]!.split(';')[0]!.length)
    }
    expect(sizes[1]).toBe(sizes[0])
  })
})

describe('src/ imports no Node-only module and uses no Node global', () => {
  it('finds the library sources', () => {
    expect(Object.keys(sources).length).toBeGreaterThan(20)
    expect(Object.keys(sources)).toContain('../../src/next/sessions.ts')
  })

  for (const [path, text] of Object.entries(sources)) {
    const file = path.replace('../../', '')
    it(file, () => {
      const body = code(text)
      const specifiers = [...body.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!)
      const allowed = Object.entries(ALLOWED_PACKAGES).find(([dir]) => file.startsWith(dir))?.[1]
      for (const specifier of specifiers) {
        if (specifier.startsWith('./') || specifier.startsWith('../')) continue
        expect(allowed !== undefined && allowed.test(specifier), `${file} imports ${specifier}`).toBe(true)
      }
      expect(body).not.toMatch(/\b(process|Buffer|require|__dirname|__filename|setImmediate)\b\s*[.([]/)
    })
  }
})
