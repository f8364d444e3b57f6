// The demo Worker for test/load/run.mjs, with its Workers KV wrapped so the run can count
// and break it:
// - every KV call logs one line, {"kvCall":"get"} or {"kvCall":"put"}, beside the demo's
//   {"sessionEvent":…} lines, so the runner asserts exact numbers per scenario;
// - the request header `x-load-kv: throw` makes KV fail for that request (a 503 from KV),
//   `x-load-kv: hang` makes it never answer (the engine gives up after revocationTimeout);
// - `GET /__load/mark?id=ID` logs {"loadMark":"ID"} and answers 204. The runner sends it after
//   a phase's last response: once the mark is in the log, every line before it is too.
// Test-only: the demo itself never reads these headers or paths.
import demo from '../../examples/worker/src/index.ts'

interface KV {
  get(key: string, options?: { cacheTtl?: number }): Promise<string | null>
  put(key: string, value: string, options?: { expiration?: number }): Promise<void>
}

type Env = Record<string, unknown> & { SESSION_REVOCATIONS: KV }
type ExecutionContext = Parameters<typeof demo.fetch>[2]

function logged(call: 'get' | 'put'): void {
  console.log(JSON.stringify({ kvCall: call }))
}

function wrap(kv: KV, fault: string | null): KV {
  return {
    get(key, options) {
      logged('get')
      if (fault === 'throw') return Promise.reject(new Error('KV GET failed: 503 (injected)'))
      if (fault === 'hang') return new Promise(() => {})
      return kv.get(key, options)
    },
    put(key, value, options) {
      logged('put')
      if (fault === 'throw') return Promise.reject(new Error('KV PUT failed: 503 (injected)'))
      if (fault === 'hang') return new Promise(() => {})
      return kv.put(key, value, options)
    },
  }
}

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
    const url = new URL(request.url)
    if (url.pathname === '/__load/mark') {
      console.log(JSON.stringify({ loadMark: url.searchParams.get('id') ?? '' }))
      return new Response(null, { status: 204 })
    }
    const SESSION_REVOCATIONS = wrap(env.SESSION_REVOCATIONS, request.headers.get('x-load-kv'))
    return demo.fetch(request, { ...env, SESSION_REVOCATIONS }, ctx)
  },
}
