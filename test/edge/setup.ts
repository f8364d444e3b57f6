// Runs before every test file inside the edge runtime sandbox (@edge-runtime/vm, the
// runtime Next.js middleware and Vercel Edge Functions use). Vitest's vm pool adds a few
// Node globals to the sandbox for its own convenience; remove them, so a library call
// that reaches for one fails the test instead of passing on Node's behalf.
const NODE_ONLY = ['process', 'Buffer', 'global', 'setImmediate', 'clearImmediate', 'require', 'module', '__dirname', '__filename'] as const

const sandbox = globalThis as Record<string, unknown>
for (const name of NODE_ONLY) delete sandbox[name]

export { NODE_ONLY }
