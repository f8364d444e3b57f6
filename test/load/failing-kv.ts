// The demo Worker with a revocation store that fails: KV that throws (KV_FAULT=throw) or
// never answers (KV_FAULT=hang). Used by test/load/run.mjs to check the failure policy
// under load: signed out for the request, cookie kept, a `revocation-error` event.
import demo from '../../examples/worker/src/index.ts'

type Env = Record<string, unknown> & { KV_FAULT?: string }

const throwing = {
  get: (): Promise<string | null> => Promise.reject(new Error('KV GET failed: 503 (injected)')),
  put: (): Promise<void> => Promise.reject(new Error('KV PUT failed: 503 (injected)')),
}
const hanging = {
  get: (): Promise<string | null> => new Promise(() => {}),
  put: (): Promise<void> => new Promise(() => {}),
}

type ExecutionContext = Parameters<typeof demo.fetch>[2]

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
    const SESSION_REVOCATIONS = env.KV_FAULT === 'hang' ? hanging : throwing
    return demo.fetch(request, { ...env, SESSION_REVOCATIONS }, ctx)
  },
}

