import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** A Lua script kept in its own `.lua` file beside the code that owns it. */
export interface ScriptSpec {
  /** Command name on the connection; prefixed `textclf` so it never shadows a Redis command. */
  name: string;
  /** How many of the arguments are keys (the rest are ARGV). */
  numberOfKeys: number;
  /** The script's text. */
  lua: string;
}

/**
 * Reads a `.lua` file next to `base` (a module's `import.meta.url`) once, at import time. The
 * scripts ship as files under `src/`, as the image runs the sources.
 */
export function luaScript(base: string, file: string, name: string, numberOfKeys: number): ScriptSpec {
  return { name, numberOfKeys, lua: readFileSync(new URL(file, base), 'utf8') };
}

type Caller<R> = (...keysThenArgs: (string | number | Buffer)[]) => Promise<R>;

/**
 * Defines `spec` on `redis` (once per connection) and returns a caller. ioredis sends the script's
 * sha (EVALSHA) and its text only when Redis does not know it yet (after a restart, say), so the
 * text does not travel with every call as it does with EVAL.
 */
export function redisCommand<R>(redis: Redis, spec: ScriptSpec): Caller<R> {
  const commands = redis as unknown as Record<string, Caller<R> | undefined>;
  if (typeof commands[spec.name] !== 'function') {
    redis.defineCommand(spec.name, { numberOfKeys: spec.numberOfKeys, lua: spec.lua });
  }
  return (...args) => (commands[spec.name] as Caller<R>).apply(redis, args);
}
