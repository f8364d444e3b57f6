import { createRequestHandler } from 'react-router'

// The React Router build, bundled into this Worker by @cloudflare/vite-plugin.
const handler = createRequestHandler(() => import('virtual:react-router/server-build'), import.meta.env.MODE)

export default {
  fetch(request: Request): Promise<Response> {
    return handler(request)
  },
}
