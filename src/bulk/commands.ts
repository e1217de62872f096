/** The bulk jobs' Lua commands, each in its own `.lua` file here. */
import { luaScript } from '../redis/index.js';

/** Pin a version for a bulk job (the registry's pin set, a longer-lived holder). */
export const BULK_PIN = luaScript(import.meta.url, './pin.lua', 'textclfBulkPin', 1);
/** Set fields of a job's record unless it is terminal. */
export const BULK_UPDATE = luaScript(import.meta.url, './update.lua', 'textclfBulkUpdate', 1);
/** Store a result chunk and advance the job's progress, if it is still running. */
export const BULK_COMMIT_CHUNK = luaScript(
  import.meta.url,
  './commit-chunk.lua',
  'textclfBulkCommitChunk',
  2,
);
