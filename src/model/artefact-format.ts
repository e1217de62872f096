/** The artefact's binary layout: header, sections, checks and decoding (no TensorFlow.js). */
import { sha256Hex, sha256HexAsync } from '../common/index.js';
import { AppError } from '../errors/index.js';
import { Vectorizer } from '../text/index.js';
import type { ArtefactMetadata } from './classifier.js';
import type { NetworkParams, NetworkShape } from './network.js';
import { dequantizeRows } from './quantize.js';

export const MAGIC = Buffer.from('TEXTCLF\u0002', 'latin1');
export const FORMAT = 2;
export const PARAM_ORDER = ['hiddenKernel', 'hiddenBias', 'outputKernel', 'outputBias'] as const;
/** Separates vocabulary terms in the terms section; tokens never contain it. */
export const TERM_SEPARATOR = '\u0000';

/**
 * The JSON header of an artefact. The bulky parts follow it as binary sections, in this order:
 * vocabulary terms (UTF-8, NUL-separated), idf (float64 LE), weights (float32 LE, `weightSpecs`
 * order). Keeping them out of the JSON makes loading cheap and lets it be done in slices.
 */
export interface ArtefactHeader {
  format: number;
  labels: string[];
  shape: NetworkShape;
  vectorizer: { options: unknown; numDocuments: number; terms: number };
  metadata: ArtefactMetadata;
  /** TensorFlow.js LayersModel topology and weight manifest (tf.loadLayersModel can read them). */
  modelTopology: unknown;
  weightSpecs: { name: string; shape: number[]; dtype: 'float32' }[];
  /** Byte lengths of the sections. */
  sections: { terms: number; idf: number; weights: number };
  /**
   * `int8-rows`: the weights section starts with the hidden kernel as int8 (padded to 4 bytes) and
   * a float32 scale per row (see `quantize.ts`), then the other weights as float32. Absent: all float32.
   */
  quantization?: 'int8-rows';
  /** sha256 of all sections together, hex. */
  sha256: string;
}

export const asBytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Float32 weight data (`weightSpecs` order) from an `int8-rows` weights section. */
function dequantizedWeights(section: Buffer, sizes: number[], units: number): ArrayBuffer {
  const [kernel, ...rest] = sizes as [number, ...number[]];
  const rows = units === 0 ? 0 : kernel / units;
  const padded = kernel + ((4 - (kernel % 4)) % 4);
  if (section.length !== padded + 4 * (rows + rest.reduce((a, b) => a + b, 0)))
    throw corrupt('weights have the wrong size');
  const aligned = new Uint8Array(section.length);
  aligned.set(section);
  const values = new Int8Array(aligned.buffer, 0, kernel);
  const scales = new Float32Array(aligned.buffer, padded, rows);
  const out = new Float32Array(sizes.reduce((a, b) => a + b, 0));
  out.set(dequantizeRows({ values, scales }, units));
  out.set(new Float32Array(aligned.buffer, padded + 4 * rows), kernel);
  return out.buffer;
}

function corrupt(why: string, cause?: unknown): AppError {
  return new AppError('ARTEFACT_CORRUPT', `model artefact is corrupt: ${why}`, {}, { cause });
}

/** The verified pieces of an artefact, not yet turned into a model. */
export interface ArtefactParts {
  header: ArtefactHeader;
  terms: string[];
  idf: Float64Array;
  /** The weights section (a copy, 4-byte aligned), as TensorFlow.js weight data. */
  weightData: ArrayBuffer;
  params: NetworkParams;
}

function splitHeader(bytes: Uint8Array): { header: ArtefactHeader; body: Buffer } {
  const buf = asBytes(bytes);
  if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC))
    throw corrupt('not a textclf artefact (or an unsupported format)');
  const headerLength = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  let header: ArtefactHeader;
  try {
    header = JSON.parse(buf.subarray(start, start + headerLength).toString('utf8')) as ArtefactHeader;
  } catch (err) {
    throw corrupt('unreadable header', err);
  }
  if (header.format !== FORMAT) throw corrupt(`unsupported format ${String(header.format)}`);
  const body = buf.subarray(start + headerLength);
  const s = header.sections;
  if (!s || s.terms + s.idf + s.weights !== body.length) throw corrupt('sections have the wrong size');
  return { header, body };
}

/**
 * Decodes the sections. `pause` runs between the steps (vocabulary, weights) so that an async
 * caller can let the event loop turn; each step is one large copy or split. With `inPlace`, float32
 * weights that lie 4-byte aligned in `body`'s buffer are viewed there rather than copied (the
 * caller then must not change those bytes while it uses the params), and `weightData` is absent.
 */
function* decodeSteps(
  header: ArtefactHeader,
  body: Buffer,
  inPlace = false,
): Generator<void, Omit<ArtefactParts, 'weightData'> & { weightData?: ArrayBuffer }> {
  const { terms: tLen, idf: iLen } = header.sections;
  const { vocabularySize: v, hiddenUnits: h, numClasses: c } = header.shape;
  const sizes = [v * h, h, h * c, c];
  if (!header.quantization && header.sections.weights !== sizes.reduce((a, b) => a + b, 0) * 4)
    throw corrupt('weights have the wrong size');
  const termText = body.subarray(0, tLen).toString('utf8');
  const terms = termText.length === 0 ? [] : termText.split(TERM_SEPARATOR);
  if (terms.length !== header.vectorizer.terms || iLen !== terms.length * 8)
    throw corrupt('vocabulary has the wrong size');
  const idf = new Float64Array(terms.length);
  asBytes(idf).set(body.subarray(tLen, tLen + iLen));
  yield;
  let weightData: ArrayBuffer | undefined;
  const at = body.byteOffset + tLen + iLen;
  if (header.quantization === 'int8-rows')
    weightData = dequantizedWeights(body.subarray(tLen + iLen), sizes, h);
  else if (!inPlace || at % 4 !== 0) {
    weightData = new ArrayBuffer(header.sections.weights);
    new Uint8Array(weightData).set(body.subarray(tLen + iLen));
  }
  let offset = weightData ? 0 : at;
  const arrays = sizes.map((n) => {
    const a = new Float32Array(weightData ?? body.buffer, offset, n);
    offset += n * 4;
    return a;
  });
  const params = {
    hiddenKernel: arrays[0]!,
    hiddenBias: arrays[1]!,
    outputKernel: arrays[2]!,
    outputBias: arrays[3]!,
  };
  return { header, terms, idf, ...(weightData ? { weightData } : {}), params };
}

function decodeParts(header: ArtefactHeader, body: Buffer): ArtefactParts {
  const steps = decodeSteps(header, body);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value as ArtefactParts; // copied, so weightData is there
  }
}

/** Parses and verifies an artefact (checksum included) without building a model. */
export function readArtefact(bytes: Uint8Array): ArtefactParts {
  const { header, body } = splitHeader(bytes);
  if (sha256Hex(body) !== header.sha256) throw corrupt('checksum mismatch');
  return decodeParts(header, body);
}

/**
 * A pause that lets the event loop turn only once `budgetMs` of work has passed since the last
 * turn. Under load each turn waits behind every queued request, so yielding after every slice
 * would stretch a load to seconds; yielding every ~25 ms bounds both the stall and the wall time.
 */
function timeSlicer(budgetMs: number): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < budgetMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    last = performance.now();
  };
}

/**
 * Verifies and decodes an artefact into its parts and vectoriser: the checksum on the thread pool,
 * the rest in slices with event-loop turns between them, so a process loading a new version
 * beside the one it serves keeps answering requests (no stall of hundreds of ms on a large
 * vocabulary). Aligned float32 weights are viewed in place in `bytes` (see `decodeSteps`).
 * @throws AppError ARTEFACT_CORRUPT when the bytes fail their checks.
 */
export async function decodeArtefact(
  bytes: Uint8Array,
): Promise<{ parts: Omit<ArtefactParts, 'weightData'>; vectorizer: Vectorizer }> {
  const { header, body } = splitHeader(bytes);
  if ((await sha256HexAsync(body)) !== header.sha256) throw corrupt('checksum mismatch');
  const pause = timeSlicer(25);
  const steps = decodeSteps(header, body, true);
  let step = steps.next();
  while (!step.done) {
    await pause();
    step = steps.next();
  }
  const parts = step.value;
  await pause();
  const vectorizer = await Vectorizer.restore(
    { ...header.vectorizer, terms: parts.terms, idf: parts.idf },
    pause,
  );
  await pause();
  return { parts, vectorizer };
}
