/**
 * The registry's Lua commands, each in its own `.lua` file here: they make registry changes atomic,
 * so a reader never sees a half-published version, `latest` never points at a missing version,
 * and a cancelled job never publishes.
 */
import { luaScript } from '../redis/index.js';

/** Publish a staged artefact as the next version (see publish.lua for keys and replies). */
export const PUBLISH = luaScript(import.meta.url, './publish.lua', 'textclfPublish', 6);
/** Point `latest` at an existing version, with the canary and the shadow (or none). */
export const SET_LATEST = luaScript(import.meta.url, './set-latest.lua', 'textclfSetLatest', 4);
/** Delete a version unless it is latest or pinned. */
export const DELETE_VERSION = luaScript(import.meta.url, './delete-version.lua', 'textclfDeleteVersion', 6);
/** Add an API process's shadow counts to the shadow report of the current run. */
export const SHADOW_RECORD = luaScript(import.meta.url, './shadow-record.lua', 'textclfShadowRecord', 1);
/** Pin a version for an in-flight request. */
export const PIN = luaScript(import.meta.url, './pin.lua', 'textclfPin', 1);
