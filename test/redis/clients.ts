// The Bun and @upstash/redis wrappers of docs/REVOCATION.md, type-checked (npm run
// typecheck) against those clients' declared signatures: neither bun-types nor
// @upstash/redis is installed here. The Bun wrapper also runs for real on Bun
// (client.mjs); node-redis and ioredis run in redis.test.ts.
import type { RedisLike } from 'sealed-session/redis'

/** Bun's built-in `Bun.RedisClient`, the method used, as bun-types declares it. */
interface BunRedisClient {
  send(command: string, args: string[]): Promise<any>
}

/** `Redis` from @upstash/redis (HTTP), its `eval` as the package declares it. */
interface UpstashRedis {
  eval: <TArgs extends unknown[], TData = unknown>(script: string, keys: string[], args: TArgs) => Promise<TData>
}

export const bun = (client: BunRedisClient): RedisLike => ({
  eval: (script, keys, args) => client.send('EVAL', [script, String(keys.length), ...keys, ...args]),
})

export const upstash = (redis: UpstashRedis): RedisLike => redis

/** A reply as @upstash/redis's default deserialization turns it: each string that parses as JSON is parsed (numbers only when exact). */
export function upstashDecoded(reply: unknown): unknown {
  if (Array.isArray(reply)) return reply.map(upstashDecoded)
  if (typeof reply !== 'string') return reply
  try {
    const parsed: unknown = JSON.parse(reply)
    return typeof parsed === 'number' && String(parsed) !== reply ? reply : parsed
  } catch {
    return reply
  }
}
