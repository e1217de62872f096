import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors/index.js';
import { Vectorizer } from '../text/index.js';
import { TextClassifier, type ArtefactMetadata } from './classifier.js';
import type { NetworkParams, NetworkShape } from './network.js';

const MAGIC = Buffer.from('TEXTCLF\u0001', 'latin1');
const FORMAT = 1;
const PARAM_ORDER = ['hiddenKernel', 'hiddenBias', 'outputKernel', 'outputBias'] as const;

/** The JSON header of an artefact; weights follow it as little-endian float32. */
interface Header {
  format: number;
  labels: string[];
  shape: NetworkShape;
  vectorizer: unknown;
  metadata: ArtefactMetadata;
  /** TensorFlow.js LayersModel topology and weight manifest (tf.loadLayersModel can read them). */
  modelTopology: unknown;
  weightSpecs: { name: string; shape: number[]; dtype: 'float32' }[];
  weightsSha256: string;
}

/** sha256 of bytes, hex. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * One self-contained blob per trained model: magic, header length, JSON header (TensorFlow.js
 * topology and weight manifest, vectoriser, labels, options, metrics), then the weights.
 */
export function serializeArtefact(c: TextClassifier): Uint8Array {
  const params = c.params();
  const weights = Buffer.concat(
    PARAM_ORDER.map((k) => Buffer.from(params[k].buffer, params[k].byteOffset, params[k].byteLength)),
  );
  const layers = [c.model.getLayer('hidden'), c.model.getLayer('output')];
  const weightSpecs = layers.flatMap((l) =>
    l.weights.map((w) => ({
      name: w.originalName,
      shape: [...w.shape] as number[],
      dtype: 'float32' as const,
    })),
  );
  const header: Header = {
    format: FORMAT,
    labels: [...c.labels],
    shape: c.shape,
    vectorizer: c.vectorizer.toJSON(),
    metadata: c.metadata,
    modelTopology: c.model.toJSON(undefined, false),
    weightSpecs,
    weightsSha256: sha256(weights),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length, 0);
  return Buffer.concat([MAGIC, length, headerBytes, weights]);
}

function corrupt(why: string, cause?: unknown): AppError {
  return new AppError('ARTEFACT_CORRUPT', `model artefact is corrupt: ${why}`, {}, { cause });
}

/** The parts of an artefact, verified but not yet turned into a model. */
export function readArtefact(bytes: Uint8Array): {
  header: Header;
  weightData: ArrayBuffer;
  params: NetworkParams;
} {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC))
    throw corrupt('not a textclf artefact');
  const headerLength = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  let header: Header;
  try {
    header = JSON.parse(buf.subarray(start, start + headerLength).toString('utf8')) as Header;
  } catch (err) {
    throw corrupt('unreadable header', err);
  }
  if (header.format !== FORMAT) throw corrupt(`unsupported format ${String(header.format)}`);
  const weights = buf.subarray(start + headerLength);
  if (sha256(weights) !== header.weightsSha256) throw corrupt('weights checksum mismatch');
  const { vocabularySize: v, hiddenUnits: h, numClasses: c } = header.shape;
  const sizes = [v * h, h, h * c, c];
  if (weights.length !== sizes.reduce((a, b) => a + b, 0) * 4) throw corrupt('weights have the wrong size');
  const weightData = new ArrayBuffer(weights.length);
  new Uint8Array(weightData).set(weights);
  let offset = 0;
  const arrays = sizes.map((n) => {
    const a = new Float32Array(weightData, offset * 4, n);
    offset += n;
    return a;
  });
  const params: NetworkParams = {
    hiddenKernel: arrays[0]!,
    hiddenBias: arrays[1]!,
    outputKernel: arrays[2]!,
    outputBias: arrays[3]!,
  };
  return { header, weightData, params };
}

/**
 * Rebuilds a classifier from `serializeArtefact` bytes.
 * @throws AppError ARTEFACT_CORRUPT when the bytes fail their checks.
 */
export function deserializeArtefact(bytes: Uint8Array): TextClassifier {
  const { header, params } = readArtefact(bytes);
  const vectorizer = Vectorizer.fromJSON(header.vectorizer);
  return new TextClassifier(vectorizer, header.labels, header.shape, params, header.metadata);
}

/** Writes the artefact to `dir/model.textclf` (atomically, via a temporary file). */
export async function saveArtefact(c: TextClassifier, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'model.textclf');
  await writeFile(`${file}.tmp`, serializeArtefact(c));
  await rename(`${file}.tmp`, file);
  return file;
}

/** Loads `dir/model.textclf` (or `dir` itself when it is the file). */
export async function loadArtefact(dirOrFile: string): Promise<TextClassifier> {
  let bytes: Buffer;
  try {
    bytes = await readFile(dirOrFile.endsWith('.textclf') ? dirOrFile : join(dirOrFile, 'model.textclf'));
  } catch (err) {
    throw new AppError(
      'INVALID_FILE',
      `cannot read model from ${dirOrFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      { file: dirOrFile },
      { cause: err },
    );
  }
  return deserializeArtefact(bytes);
}
