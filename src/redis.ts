/**
 * `sealed-session/redis`: the revocation store and the session data store (`overflow`) on Redis (node-redis, ioredis, Bun's
 * built-in client, `@upstash/redis`), for Node, Bun and Deno fleets. Its interface,
 * `RevocationStore`, is exported from `sealed-session`.
 * @packageDocumentation
 */
export { redisRevocations, type RedisLike, type RedisRevocationsOptions } from './stores/redis.js'
export { redisSessionData, type RedisSessionDataOptions } from './stores/redis-data.js'
