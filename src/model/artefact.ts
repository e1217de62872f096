/** Writing a trained classifier as an artefact and building one from it (TensorFlow.js layers). */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '../common/index.js';
import { AppError } from '../errors/index.js';
import type { Vectorizer } from '../text/index.js';
import {
  asBytes,
  decodeArtefact,
  FORMAT,
  MAGIC,
  PARAM_ORDER,
  TERM_SEPARATOR,
  type ArtefactHeader,
  type ArtefactParts,
} from './artefact-format.js';
import { TextClassifier } from './classifier.js';
import type { NetworkParams } from './network.js';
import { quantizeRows } from './quantize.js';

export { readArtefact } from './artefact-format.js';
export type { ArtefactHeader, ArtefactParts } from './artefact-format.js';

/**
 * One self-contained blob per trained model: magic, header length, JSON header (TensorFlow.js
 * topology and weight manifest, labels, options, metrics), then vocabulary, idf and weights.
 */
export function serializeArtefact(c: TextClassifier): Uint8Array {
  const params = c.params();
  const v = c.vectorizer.parts();
  if (v.terms.some((t) => t.includes(TERM_SEPARATOR))) throw new Error('a vocabulary term contains NUL');
  const quantize = c.metadata.options.quantize === 'int8';
  const sections = [
    Buffer.from(v.terms.join(TERM_SEPARATOR), 'utf8'),
    asBytes(v.idf),
    quantize
      ? quantizedWeights(params, c.shape.hiddenUnits)
      : Buffer.concat(PARAM_ORDER.map((k) => asBytes(params[k]))),
  ] as const;
  const layers = [c.model.getLayer('hidden'), c.model.getLayer('output')];
  const header: ArtefactHeader = {
    format: FORMAT,
    labels: [...c.labels],
    shape: c.shape,
    vectorizer: { options: v.options, numDocuments: v.numDocuments, terms: v.terms.length },
    metadata: c.metadata,
    modelTopology: c.model.toJSON(undefined, false),
    weightSpecs: layers.flatMap((l) =>
      l.weights.map((w) => ({
        name: w.originalName,
        shape: [...w.shape] as number[],
        dtype: 'float32' as const,
      })),
    ),
    sections: { terms: sections[0].length, idf: sections[1].length, weights: sections[2].length },
    ...(quantize ? { quantization: 'int8-rows' as const } : {}),
    sha256: sha256Hex(Buffer.concat(sections)),
  };
  // Trailing spaces (JSON allows them) put the weights at a multiple of 4 bytes from the start, so a
  // reader of a whole buffer can view them as float32 in place instead of copying them.
  const json = JSON.stringify(header);
  const before = MAGIC.length + 4 + Buffer.byteLength(json) + sections[0].length + sections[1].length;
  const headerBytes = Buffer.from(json + ' '.repeat((4 - (before % 4)) % 4), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length, 0);
  return Buffer.concat([MAGIC, length, headerBytes, ...sections]);
}

/** The weights section of an `int8-rows` artefact: int8 kernel, padding, row scales, the rest. */
function quantizedWeights(params: NetworkParams, units: number): Buffer {
  const q = quantizeRows(params.hiddenKernel, units);
  const pad = Buffer.alloc((4 - (q.values.length % 4)) % 4);
  const rest = PARAM_ORDER.slice(1).map((k) => asBytes(params[k]));
  return Buffer.concat([asBytes(q.values), pad, asBytes(q.scales), ...rest]);
}

function build(parts: Pick<ArtefactParts, 'header' | 'params'>, vectorizer: Vectorizer): TextClassifier {
  const { header, params } = parts;
  return new TextClassifier(vectorizer, header.labels, header.shape, params, header.metadata);
}

/**
 * Rebuilds a classifier from `serializeArtefact` bytes, loading in slices (see `decodeArtefact`).
 * @throws AppError ARTEFACT_CORRUPT when the bytes fail their checks.
 */
export async function deserializeArtefact(bytes: Uint8Array): Promise<TextClassifier> {
  const { parts, vectorizer } = await decodeArtefact(bytes);
  // The weights go into tensors (a copy); views into `bytes` are dropped once they are built.
  return build(parts, vectorizer);
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
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new AppError(
      'INVALID_FILE',
      `cannot read model from ${dirOrFile}: ${code}`,
      { file: dirOrFile },
      { cause: err },
    );
  }
  return deserializeArtefact(bytes);
}
