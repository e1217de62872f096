import { isUtf8 } from 'node:buffer';
import { AppError } from '../errors/index.js';

/** Deepest nesting of arrays/objects accepted in a JSON body; real requests need 4. */
export const MAX_JSON_DEPTH = 32;

/** Keys that can reach `Object.prototype` when a parsed body is later merged or spread. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Checks raw JSON bytes before parsing: valid UTF-8 (JSON.parse would otherwise see U+FFFD where
 * the bytes were broken) and nesting depth (bounded so later recursive walks cannot blow the stack).
 * @throws AppError INVALID_JSON or INVALID_REQUEST
 */
export function checkJsonBytes(buf: Uint8Array, maxDepth = MAX_JSON_DEPTH): void {
  if (!isUtf8(buf)) throw new AppError('INVALID_JSON', 'The request body is not valid UTF-8');
  // Most bodies open only a few objects and arrays: counting brackets natively proves the depth
  // bound without the byte-by-byte walk (a classify request opens one).
  if (openings(buf, maxDepth) <= maxDepth) return;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) {
        throw new AppError('INVALID_REQUEST', `JSON nesting deeper than ${maxDepth} levels`, {
          errors: [{ path: '/body', message: `must not nest deeper than ${maxDepth} levels` }],
        });
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

/** How many `{` and `[` bytes `buf` holds, counting no further than `cap + 1`. */
function openings(buf: Uint8Array, cap: number): number {
  let n = 0;
  for (const byte of [0x7b, 0x5b]) {
    for (let i = buf.indexOf(byte); i >= 0 && n <= cap; i = buf.indexOf(byte, i + 1)) n++;
  }
  return n;
}

/**
 * Rejects prototype-pollution keys anywhere in a parsed value. Depth is already bounded by
 * `checkJsonBytes`, so recursion is safe.
 * @throws AppError INVALID_REQUEST naming the path of the key
 */
export function assertNoForbiddenKeys(value: unknown, path = '/body'): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) assertNoForbiddenKeys(value[i], `${path}/${i}`);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const key of Object.keys(value)) {
    const at = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (FORBIDDEN_KEYS.has(key)) {
      throw new AppError('INVALID_REQUEST', `Forbidden key "${key}"`, {
        errors: [{ path: at, message: 'is a forbidden key' }],
      });
    }
    assertNoForbiddenKeys((value as Record<string, unknown>)[key], at);
  }
}

/** UTF-8 length of a string without allocating a buffer. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * Enforces the per-text size limit on a list of texts.
 * @throws AppError PAYLOAD_TOO_LARGE naming the first text over the limit
 */
export function assertTextSizes(
  texts: Iterable<string>,
  maxBytes: number,
  pathOf: (i: number) => string,
): void {
  let i = 0;
  for (const t of texts) {
    // Fast path: a string of n UTF-16 units is at most 3n UTF-8 bytes.
    if (t.length * 3 > maxBytes && utf8Length(t) > maxBytes) {
      throw new AppError('PAYLOAD_TOO_LARGE', `Text ${pathOf(i)} is larger than ${maxBytes} bytes`, {
        limit: maxBytes,
        errors: [{ path: pathOf(i), message: `must be at most ${maxBytes} bytes` }],
      });
    }
    i++;
  }
}
