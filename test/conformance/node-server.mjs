// A tiny node:http adapter for a fetch handler (what @hono/node-server does, without the
// dependency): Request in, Response out, Set-Cookie kept as separate header lines.
import { createServer } from 'node:http'

/** Serves `fetch` on 127.0.0.1 on a free port. Resolves to `{ origin, stop }`. */
export function serveNode(fetch, { hostname = '127.0.0.1', port = 0 } = {}) {
  const server = createServer(async (req, res) => {
    try {
      const headers = new Headers()
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1])
      const chunks = []
      for await (const chunk of req) chunks.push(chunk)
      const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks)
      const request = new Request(new URL(req.url ?? '/', `http://${req.headers.host ?? hostname}`), { method: req.method, headers, body })
      const response = await fetch(request)
      const out = {}
      for (const [name, value] of response.headers) if (name !== 'set-cookie') out[name] = value
      const setCookie = response.headers.getSetCookie()
      if (setCookie.length > 0) out['set-cookie'] = setCookie
      res.writeHead(response.status, out)
      res.end(response.body === null ? undefined : Buffer.from(await response.arrayBuffer()))
    } catch (error) {
      console.error(error)
      if (!res.headersSent) res.writeHead(500)
      res.end()
    }
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, hostname, () => {
      const { port: bound } = server.address()
      resolve({
        origin: `http://${hostname}:${bound}`,
        stop: () =>
          new Promise((done) => {
            server.closeAllConnections()
            server.close(() => done())
          }),
      })
    })
  })
}
