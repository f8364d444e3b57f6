// The bindings and main module of wrangler.toml, as `wrangler types` would declare them.
/// <reference types="@cloudflare/workers-types" />
declare namespace Cloudflare {
  interface Env extends DemoBindings {}
  interface GlobalProps {
    mainModule: typeof import('../../examples/worker/src/index.ts')
  }
}
type DemoBindings = import('../../examples/worker/src/index.ts').Bindings
