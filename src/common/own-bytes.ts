/**
 * Bytes that can be transferred to another thread: `b` itself when it views the whole of a plain
 * ArrayBuffer (a large Buffer does), else a copy. A pooled Buffer's memory must not be transferred
 * (Node 22+ refuses), and copying a data set or a training checkpoint (hundreds of MB at scale)
 * only to send it would put another such block in the process's peak.
 */
export function ownBytes(b: Uint8Array): Uint8Array {
  const whole = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer;
  return whole ? new Uint8Array(b.buffer, 0, b.byteLength) : new Uint8Array(b);
}
