import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { AppError } from '../errors/index.js';
import { trainOptionsSchema } from '../training/index.js';
import type { OpenApiDocument, ResolvedParameter } from './spec.js';
import { resolvePointer } from './spec.js';

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

const SPEC_ID = 'urn:textclf:openapi';
const MAX_REPORTED_ERRORS = 20;

export interface FieldError {
  path: string;
  message: string;
}

/** Compiles validators for parts of the contract; schemas are referenced by JSON pointer into it. */
export class SpecValidator {
  private readonly bodies: Ajv2020;
  private readonly fastBodies: Ajv2020;
  private readonly params: Ajv2020;

  constructor(private readonly doc: OpenApiDocument) {
    // Two instances: path and query values arrive as strings and need coercion; bodies must not be coerced.
    // allErrors only where inputs are small: on a huge invalid body it would collect millions of errors.
    const make = (coerce: boolean, allErrors = true) => {
      const ajv = new Ajv2020({
        strict: false,
        allErrors,
        useDefaults: true,
        coerceTypes: coerce ? 'array' : false,
        validateFormats: true,
        // Errors carry their schema: a oneOf that several branches matched can then name them.
        verbose: true,
      });
      addFormats(ajv);
      ajv.addSchema({ ...doc, $id: SPEC_ID });
      return ajv;
    };
    this.bodies = make(false);
    this.fastBodies = make(false, false);
    this.params = make(true);
  }

  // Compiled validators by key: ajv caches by schema object identity, and apps are built repeatedly in tests.
  private readonly memo = new Map<string, unknown>();
  private remember<T>(key: string, make: () => T): T {
    if (!this.memo.has(key)) this.memo.set(key, make());
    return this.memo.get(key) as T;
  }

  /** Validator for the schema at `pointer` (`#/components/schemas/Article`). */
  schema(pointer: string, allErrors = true): ValidateFunction {
    const ajv = allErrors ? this.bodies : this.fastBodies;
    return this.remember(`schema ${allErrors} ${pointer}`, () => ajv.compile({ $ref: SPEC_ID + pointer }));
  }

  /** Runs the stop-at-first-error validator; only small invalid values are validated again for every error. */
  private checker(pointer: string): (value: unknown, detailed: boolean) => FieldError[] {
    const fast = this.schema(pointer, false);
    const full = this.schema(pointer, true);
    return (value, detailed) => {
      if (fast(value)) return [];
      if (!detailed) return toFieldErrors(fast.errors, '/body');
      full(value);
      return toFieldErrors(full.errors, '/body');
    };
  }

  /**
   * Validator for one request body schema. When the schema is a `oneOf` whose branches differ in
   * their required properties, the branch is picked by those properties first, so a client sees the
   * errors of the shape it meant rather than of every branch.
   */
  body(pointer: string): (value: unknown, detailed?: boolean) => FieldError[] {
    return this.remember(`body ${pointer}`, () => this.makeBody(pointer));
  }

  private makeBody(pointer: string): (value: unknown, detailed?: boolean) => FieldError[] {
    const whole = this.checker(pointer);
    const branches = this.oneOfBranches(pointer);
    return (value, detailed = true) => {
      if (branches && value && typeof value === 'object' && !Array.isArray(value)) {
        const keys = value as Record<string, unknown>;
        const pick = branches.find((b) => b.required.length > 0 && b.required.every((k) => k in keys));
        if (pick) return pick.check(value, detailed);
        return [
          {
            path: '/body',
            message: `must have one of: ${branches.map((b) => b.required.join('+')).join(', ')}`,
          },
        ];
      }
      return whole(value, detailed);
    };
  }

  /**
   * Validator for the path or query parameters of an operation; coerces and fills defaults in place.
   * Unknown query parameters are rejected like unknown body fields.
   */
  parameters(
    list: ResolvedParameter[],
    where: 'path' | 'query',
  ): (value: Record<string, unknown>) => FieldError[] {
    const own = list.filter((p) => p.in === where);
    const key = `params ${where} ${JSON.stringify(own.map((p) => [p.name, p.schemaPointer, p.required]))}`;
    return this.remember(key, () => this.makeParameters(own, where));
  }

  private makeParameters(
    own: ResolvedParameter[],
    where: 'path' | 'query',
  ): (value: Record<string, unknown>) => FieldError[] {
    const schema = {
      type: 'object',
      properties: Object.fromEntries(own.map((p) => [p.name, { $ref: SPEC_ID + p.schemaPointer }])),
      required: own.filter((p) => p.required).map((p) => p.name),
      additionalProperties: false,
    };
    const validate = this.params.compile(schema);
    return (value) => (validate(value) ? [] : toFieldErrors(validate.errors, `/${where}`));
  }

  private oneOfBranches(
    pointer: string,
  ): { required: string[]; check: (value: unknown, detailed: boolean) => FieldError[] }[] | undefined {
    const node = deref(this.doc, resolvePointer(this.doc, pointer)) as { oneOf?: { $ref?: string }[] };
    if (!Array.isArray(node.oneOf) || !node.oneOf.every((b) => typeof b.$ref === 'string')) return undefined;
    return node.oneOf.map((b) => {
      const target = resolvePointer(this.doc, b.$ref as string) as { required?: string[] };
      return { required: target.required ?? [], check: this.checker(b.$ref as string) };
    });
  }
}

function deref(doc: OpenApiDocument, node: unknown): unknown {
  let n = node as { $ref?: string };
  for (let i = 0; i < 10 && n && typeof n.$ref === 'string'; i++)
    n = resolvePointer(doc, n.$ref) as { $ref?: string };
  return n;
}

/**
 * The message for a `oneOf` of required-property branches that more than one matched (an article
 * with both `label` and `labels`): no branch failed, so no branch error says what is wrong.
 */
function severalBranches(e: ErrorObject): string | undefined {
  if (e.keyword !== 'oneOf' || !Array.isArray((e.params as { passingSchemas?: unknown }).passingSchemas))
    return undefined;
  const names = (Array.isArray(e.schema) ? (e.schema as { required?: string[] }[]) : []).flatMap(
    (b) => b.required ?? [],
  );
  return names.length ? `must have only one of: ${names.join(', ')}` : 'matches more than one allowed form';
}

/** ajv errors as `{path, message}` with the offending property named in the path. */
export function toFieldErrors(errors: ErrorObject[] | null | undefined, prefix: string): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of errors ?? []) {
    const both = severalBranches(e);
    if (both) {
      out.push({ path: prefix + e.instancePath, message: both });
      continue;
    }
    // oneOf/anyOf summaries repeat what their branches already said.
    if (e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'if') continue;
    let path = prefix + e.instancePath;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'additionalProperties') {
      path += `/${String((e.params as { additionalProperty: string }).additionalProperty)}`;
      message = 'is not allowed';
    } else if (e.keyword === 'pattern' && (e.params as { pattern: string }).pattern === '\\S') {
      message = 'must not be empty or whitespace only';
    } else if (e.keyword === 'required') {
      path += `/${String((e.params as { missingProperty: string }).missingProperty)}`;
      message = 'is required';
    }
    const key = `${path} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, message });
    if (out.length >= MAX_REPORTED_ERRORS) break;
  }
  return out.length > 0 ? out : [{ path: prefix, message: 'is invalid' }];
}

/** The query parameters of `POST /train` that carry training options (NDJSON and CSV bodies). */
const OPTION_QUERY = new Set([
  ...Object.keys(trainOptionsSchema.shape).filter((k) => k !== 'autotune'),
  'autotuneSeconds',
  'autotuneTrials',
  'autotuneMetric',
]);

/** Training options, as JSON body fields (`/body/options/...`) or query parameters. */
function isOptionPath(path: string): boolean {
  if (/^\/body\/options(\/|$)/.test(path)) return true;
  const query = /^\/query\/(\w+)$/.exec(path);
  return query !== null && OPTION_QUERY.has(query[1]!);
}

/**
 * Throws naming the failing fields when `errors` is not empty: INVALID_OPTIONS when only training
 * options are at fault (so clients can tell a bad option from a malformed request), else
 * INVALID_REQUEST.
 */
export function assertValid(errors: FieldError[]): void {
  if (errors.length === 0) return;
  const first = errors[0] as FieldError;
  const code = errors.every((e) => isOptionPath(e.path)) ? 'INVALID_OPTIONS' : 'INVALID_REQUEST';
  throw new AppError(code, `${first.path} ${first.message}`, { errors });
}
