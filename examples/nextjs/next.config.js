// One app, three ways to run its session check before the routes:
//   proxy.node.js         Next 16's proxy convention, Node.js runtime (the default here)
//   middleware.edge.js    middleware on the edge runtime (Next 15's default; deprecated in 16)
//   middleware.nodejs.js  middleware on the Node.js runtime (Next 15.5)
// A Next.js app may hold only one of proxy.* and middleware.*, so the suffix in
// pageExtensions picks one: SESSION_EXAMPLE_RUNTIME=edge or =nodejs selects a middleware.
// In your own app, name the file proxy.js (Next 16) or middleware.js (Next 15) and drop this.
const runtime = ['edge', 'nodejs'].includes(process.env.SESSION_EXAMPLE_RUNTIME) ? process.env.SESSION_EXAMPLE_RUNTIME : 'node'

/** @type {import('next').NextConfig} */
const config = {
  pageExtensions: ['jsx', 'js', `${runtime}.js`],
  // Lets test/next/run.mjs build both variants side by side.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  poweredByHeader: false,
}

export default config
