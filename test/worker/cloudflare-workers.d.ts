// The part of `cloudflare:workers` these tests use (workerd provides the module at run time).
declare module 'cloudflare:workers' {
  import type { KVLike } from '../../src/kv.js'
  export const env: { SESSION_SECRETS: string; SESSION_REVOCATIONS: KVLike & { list(): Promise<{ keys: { name: string }[] }> } }
  export const exports: { default: { fetch(request: Request | string, init?: RequestInit): Promise<Response> } }
}
