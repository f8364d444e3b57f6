// The smallest sealed-session server on Deno (the handler is in ../shared/visits.ts).
//
//   npm run build    # once, from the repository root
//   deno run --allow-net=127.0.0.1 --allow-env=SESSION_SECRET,PORT examples/deno/main.ts
//
// then open http://localhost:8000 (browsers keep the Secure __Host- cookie on localhost).
// In your own app: `deno add jsr:@sealed-session/sealed-session` (deno.json is ready for
// JSR, not yet published) or `deno add npm:sealed-session`; here `sealed-session` resolves
// to this repository's build through its package.json (the conformance runner drives it).
import { visitCounter } from '../shared/visits.ts'

const handle = visitCounter(`Deno ${Deno.version.deno}`, Deno.env.get('SESSION_SECRET'))
Deno.serve({ hostname: '127.0.0.1', port: Number(Deno.env.get('PORT') ?? 8000) }, handle)
