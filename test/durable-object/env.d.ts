// The bindings of this folder's wrangler.toml, as `wrangler types` would declare them. Its
// binding names differ from the demo's (test/worker/env.d.ts), since both declare one Env.
/// <reference types="@cloudflare/workers-types" />
/// <reference types="@cloudflare/vitest-plugin/types" />
declare namespace Cloudflare {
  interface Env extends DurableObjectTestBindings {}
}
type DurableObjectTestBindings = Omit<import('./worker.ts').Bindings, 'SESSION_SECRETS'>
