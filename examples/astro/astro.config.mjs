import node from '@astrojs/node'
import { defineConfig, envField } from 'astro/config'

export default defineConfig({
  // Every page is rendered on demand unless it says `export const prerender = true`.
  output: 'server',
  adapter: node({ mode: 'standalone' }),
  env: {
    // Read by the server at run time (optional, so a build without it succeeds).
    schema: { SESSION_SECRET: envField.string({ context: 'server', access: 'secret', optional: true }) },
  },
  security: {
    // checkOrigin (on by default) refuses cross-site form posts before the middleware runs.
    // Astro compares Origin with the URL it rebuilds from Host: trust these host names.
    allowedDomains: [{ hostname: '127.0.0.1' }, { hostname: 'localhost' }],
  },
})
