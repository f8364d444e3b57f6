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
  // security.checkOrigin is on by default: a cross-site form post gets 403 before the
  // middleware runs. It compares Origin with the Host this server sees; behind a proxy that
  // sets X-Forwarded-Host, list the public host names in security.allowedDomains.
})
