/**
 * Messages between the BullMQ worker (main thread) and the training thread. Only plain data and
 * transferable bytes cross; Redis stays in the main thread.
 */
import type { BackendChoice, WebGpuAdapterChoice } from '../config/index.js';
import type { SerialError } from '../errors/index.js';
import type { JobProgress, TrainingOptionsInput } from '../contract/index.js';
import type { VersionMeta } from '../registry/index.js';
import type { EpochTiming } from '../training/index.js';
import type { PackedDataset } from '../text/index.js';
import type { Lineage } from './job-service.js';

/** `workerData` of a training thread. */
export interface ThreadInput {
  /** The dataset's gzipped blobs (transferred) and counts: the thread streams them, never unzips them whole. */
  dataset: PackedDataset;
  datasetHash: string;
  options: TrainingOptionsInput;
  resumeFrom?: Uint8Array;
  /** Incremental jobs: the base version's artefact bytes, and the lineage the version records. */
  base?: Uint8Array;
  lineage?: Lineage;
  backend: BackendChoice;
  /** Config `WEBGPU_ADAPTER`, for an explicit `webgpu` backend. */
  webgpuAdapter?: WebGpuAdapterChoice;
  /** Least time between checkpoints sent to the parent (0: after every epoch). */
  checkpointEveryMs?: number;
  /** Nice value the thread gives itself (Linux: per thread), so serving on the same host goes first. */
  nice?: number;
}

/** Main → thread. */
export type ToThread = { type: 'cancel'; reason: string };

/** Thread → main. */
export type FromThread =
  | { type: 'progress'; progress: JobProgress; timing: EpochTiming }
  | { type: 'checkpoint'; bytes: Uint8Array; epoch: number }
  | { type: 'result'; artefact: Uint8Array; meta: VersionMeta }
  | { type: 'error'; error: SerialError };
