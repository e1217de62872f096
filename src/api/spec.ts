import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** Absolute path of the contract, `openapi.yaml` at the repository root. */
export const SPEC_PATH = fileURLToPath(new URL('../../openapi.yaml', import.meta.url));

/** The parts of an OpenAPI 3.1 document this layer reads. */
export interface OpenApiOperation {
  operationId: string;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: unknown }> };
  security?: Record<string, string[]>[];
}

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: unknown;
  $ref?: string;
}

export type HttpMethod = 'get' | 'post' | 'put' | 'delete' | 'patch';
export const HTTP_METHODS: readonly HttpMethod[] = ['get', 'post', 'put', 'delete', 'patch'];

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Partial<Record<HttpMethod, OpenApiOperation>> & { parameters?: OpenApiParameter[] }>;
  components: Record<string, Record<string, unknown>>;
  security?: Record<string, string[]>[];
  [key: string]: unknown;
}

/** The contract as text (served verbatim) and parsed. Read once, synchronously, at app creation. */
export function loadSpec(path: string = SPEC_PATH): { text: string; doc: OpenApiDocument } {
  const text = readFileSync(path, 'utf8');
  let doc = parsed.get(text);
  if (!doc) {
    doc = parse(text) as OpenApiDocument;
    parsed.set(text, doc);
  }
  return { text, doc };
}

// Parsing the YAML takes ~70 ms; the parsed document is only read, never changed, so it is shared.
const parsed = new Map<string, OpenApiDocument>();

/** Follows a local `#/...` JSON pointer inside the document. */
export function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`only local refs are supported: ${ref}`);
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = (node as Record<string, unknown> | undefined)?.[key];
    if (node === undefined) throw new Error(`unresolvable ref ${ref}`);
  }
  return node;
}

/** JSON-pointer escaping of one path segment. */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A parameter with the JSON pointer of its schema inside the document (for validators). */
export interface ResolvedParameter extends OpenApiParameter {
  schemaPointer: string;
}

/** One entry per operation in the document, with path-level parameters merged in. */
export function listOperations(doc: OpenApiDocument): {
  path: string;
  method: HttpMethod;
  pointer: string;
  op: OpenApiOperation;
  parameters: ResolvedParameter[];
}[] {
  const out = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    const pathPointer = `#/paths/${escapePointer(path)}`;
    const resolve = (p: OpenApiParameter, at: string): ResolvedParameter => {
      const base = p.$ref ?? at;
      const param = p.$ref ? (resolvePointer(doc, p.$ref) as OpenApiParameter) : p;
      return { ...param, schemaPointer: `${base}/schema` };
    };
    const shared = (item.parameters ?? []).map((p, i) => resolve(p, `${pathPointer}/parameters/${i}`));
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) continue;
      const pointer = `${pathPointer}/${method}`;
      const own = (op.parameters ?? []).map((p, i) => resolve(p, `${pointer}/parameters/${i}`));
      const ownNames = new Set(own.map((p) => `${p.in}:${p.name}`));
      const parameters = [...shared.filter((p) => !ownNames.has(`${p.in}:${p.name}`)), ...own];
      out.push({ path, method, pointer, op, parameters });
    }
  }
  return out;
}
