import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { AppError } from '../errors/index.js';
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
  private readonly params: Ajv2020;

  constructor(private readonly doc: OpenApiDocument) {
    // Two instances: path and query values arrive as strings and need coercion; bodies must not be coerced.
    const make = (coerce: boolean) => {
      const ajv = new Ajv2020({
        strict: false,
        allErrors: true,
        useDefaults: true,
        coerceTypes: coerce ? 'array' : false,
        validateFormats: true,
      });
      addFormats(ajv);
      ajv.addSchema({ ...doc, $id: SPEC_ID });
      return ajv;
    };
    this.bodies = make(false);
    this.params = make(true);
  }

  // Compiled validators by key: ajv caches by schema object identity, and apps are built repeatedly in tests.
  private readonly memo = new Map<string, unknown>();
  private remember<T>(key: string, make: () => T): T {
    if (!this.memo.has(key)) this.memo.set(key, make());
    return this.memo.get(key) as T;
  }

  /** Validator for the schema at `pointer` (`#/components/schemas/Article`). */
  schema(pointer: string): ValidateFunction {
    return this.remember(`schema ${pointer}`, () => this.bodies.compile({ $ref: SPEC_ID + pointer }));
  }

  /**
   * Validator for one request body schema. When the schema is a `oneOf` whose branches differ in
   * their required properties, the branch is picked by those properties first, so a client sees the
   * errors of the shape it meant rather than of every branch.
   */
  body(pointer: string): (value: unknown) => FieldError[] {
    return this.remember(`body ${pointer}`, () => this.makeBody(pointer));
  }

  private makeBody(pointer: string): (value: unknown) => FieldError[] {
    const whole = this.schema(pointer);
    const branches = this.oneOfBranches(pointer);
    return (value) => {
      if (branches && value && typeof value === 'object' && !Array.isArray(value)) {
        const keys = value as Record<string, unknown>;
        const pick = branches.find((b) => b.required.length > 0 && b.required.every((k) => k in keys));
        if (pick) return pick.validate(value) ? [] : toFieldErrors(pick.validate.errors, '/body');
        return [
          {
            path: '/body',
            message: `must have one of: ${branches.map((b) => b.required.join('+')).join(', ')}`,
          },
        ];
      }
      return whole(value) ? [] : toFieldErrors(whole.errors, '/body');
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

  private oneOfBranches(pointer: string): { required: string[]; validate: ValidateFunction }[] | undefined {
    const node = deref(this.doc, resolvePointer(this.doc, pointer)) as { oneOf?: { $ref?: string }[] };
    if (!Array.isArray(node.oneOf) || !node.oneOf.every((b) => typeof b.$ref === 'string')) return undefined;
    return node.oneOf.map((b) => {
      const target = resolvePointer(this.doc, b.$ref as string) as { required?: string[] };
      return { required: target.required ?? [], validate: this.schema(b.$ref as string) };
    });
  }
}

function deref(doc: OpenApiDocument, node: unknown): unknown {
  let n = node as { $ref?: string };
  for (let i = 0; i < 10 && n && typeof n.$ref === 'string'; i++)
    n = resolvePointer(doc, n.$ref) as { $ref?: string };
  return n;
}

/** ajv errors as `{path, message}` with the offending property named in the path. */
export function toFieldErrors(errors: ErrorObject[] | null | undefined, prefix: string): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of errors ?? []) {
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

/** Throws INVALID_REQUEST naming the failing fields when `errors` is not empty. */
export function assertValid(errors: FieldError[]): void {
  if (errors.length === 0) return;
  const first = errors[0] as FieldError;
  throw new AppError('INVALID_REQUEST', `${first.path} ${first.message}`, { errors });
}
