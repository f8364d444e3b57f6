// One app, two ways to run its session check before the routes:
//   proxy.node.js       Next 16's proxy convention, Node.js runtime (the default here)
//   middleware.edge.js  the deprecated middleware convention, which still runs on the edge runtime
// A Next.js app may hold only one of proxy.* and middleware.*, so the suffix in
// pageExtensions picks one: SESSION_EXAMPLE_RUNTIME=edge selects the middleware. In your
// own app, name the file proxy.js (or middleware.js for the edge runtime) and drop this.
const runtime = process.env.SESSION_EXAMPLE_RUNTIME === 'edge' ? 'edge' : 'node'

/** @type {import('next').NextConfig} */
const config = {
  pageExtensions: ['jsx', 'js', `${runtime}.js`],
  // Lets test/next/run.mjs build both variants side by side.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  poweredByHeader: false,
}

export default config
