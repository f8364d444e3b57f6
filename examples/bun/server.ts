// The smallest sealed-session server on Bun (the handler is in ../shared/visits.ts).
//
//   npm run build    # once, from the repository root
//   bun examples/bun/server.ts
//
// then open http://localhost:3000 (browsers keep the Secure __Host- cookie on localhost).
// In your own app: `bun add sealed-session`; here `sealed-session` resolves to this
// repository's build through its package.json.
import { visitCounter } from '../shared/visits.ts'

const server = Bun.serve({ hostname: '127.0.0.1', port: Number(Bun.env.PORT ?? 3000), fetch: visitCounter(`Bun ${Bun.version}`, Bun.env.SESSION_SECRET) })
console.log(`Listening on http://localhost:${server.port}`)
