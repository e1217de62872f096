/** The model registry in Redis: immutable versions, artefacts, the `latest` alias with its canary and shadow, shadow reports, pins and retention, changed atomically by Lua. */
export { ModelRegistry } from './registry.js';
export type { VersionMeta, ModelEvent, PublishOutcome } from './records.js';
export type { ServingSetup, ShadowCounts } from './setup.js';
export { VersionPins } from './pins.js';
