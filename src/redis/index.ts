/** Redis plumbing: connections, the private redis-server, key names, pub/sub, Lua commands, health. */
export { createRedis, pingRedis } from './connection.js';
export type { ConnectionRole } from './connection.js';
export { startPrivateRedis, spawnRedisServer, freePort, RedisUnavailableError } from './server.js';
export type { RedisServerHandle } from './server.js';
export { makeKeys } from './keys.js';
export type { Keys } from './keys.js';
export { PubSubHub } from './pubsub.js';
export { RedisHealth } from './health.js';
export { luaScript, redisCommand } from './commands.js';
export type { ScriptSpec } from './commands.js';
export { RedisMemory, isOutOfMemory, refusedForMemory } from './memory.js';
export { getLargeBuffer, setLargeBuffer, READ_SLICE_BYTES, WRITE_SLICE_BYTES } from './large-value.js';
export type { MemoryStatus } from './memory.js';
