/**
 * A small offline `kustomize build` for deploy/k8s: neither kustomize nor kubectl is available to
 * the tests, and npm has no package that builds kustomizations. It implements only what those
 * kustomizations use, exactly, and throws on anything else, so that a kustomization growing a
 * feature this lacks fails the test instead of being rendered wrong:
 *
 * - `resources` (files, or directories holding a Kustomization) and `components` (Components: their
 *   resources join the set, then their transformers apply to all of it, as in kustomize);
 * - `namespace` (set on every object but a Namespace, the only cluster-scoped kind used);
 * - `labels` with `pairs` only (metadata.labels; no selectors, no templates);
 * - `patches` with `path` only: a strategic-merge patch naming its target by apiVersion, kind and
 *   name. Lists merge by the Kubernetes patch merge key for the few fields in MERGE_KEYS and are
 *   replaced for those in ATOMIC_LISTS; a patch touching any other list throws.
 *
 * Order within a kustomization: namespace, patches, labels (none of them reads what another writes
 * here, so the order kustomize uses gives the same result).
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const FIELDS = new Set(['apiVersion', 'kind', 'namespace', 'labels', 'resources', 'components', 'patches']);
const CLUSTER_SCOPED = new Set(['Namespace']);
/** Kubernetes' patchMergeKey of the list fields a patch may merge into. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
};
/** List fields with no merge key: a patch replaces them whole. */
const ATOMIC_LISTS = new Set(['tolerations', 'args', 'command', 'envFrom', 'accessModes']);

/** Renders the kustomization in `dir` (a Kustomization) to its list of objects. */
export function build(dir: string): K8sObject[] {
  const { k, objects } = accumulate(dir, 'Kustomization', []);
  const out = transform(dir, k, objects);
  assertUnique(out, dir);
  return out;
}

/** Parses every YAML document of a file; YAML 1.1, as Kubernetes' own decoder (`on`, `yes` are booleans). */
export function loadYaml(file: string): unknown[] {
  return YAML.parseAllDocuments(readFileSync(file, 'utf8'), { version: '1.1' }).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    return value == null ? [] : [value];
  });
}

function readKustomization(dir: string, kind: 'Kustomization' | 'Component'): JsonObject {
  const [k] = loadYaml(path.join(dir, 'kustomization.yaml')) as JsonObject[];
  if (!k || k.kind !== kind) throw new Error(`${dir}: expected a ${kind}`);
  const unsupported = Object.keys(k).filter((f) => !FIELDS.has(f));
  if (unsupported.length > 0)
    throw new Error(`${dir}: the test renderer does not support ${unsupported.join(', ')}`);
  return k;
}

/** Resources, then components, of the kustomization (or component) in `dir`, added to `objects`. */
function accumulate(dir: string, kind: 'Kustomization' | 'Component', objects: K8sObject[]) {
  const k = readKustomization(dir, kind);
  let out = [...objects];
  for (const r of strings(k.resources, dir)) {
    const p = path.resolve(dir, r);
    out.push(...(statSync(p).isDirectory() ? build(p) : (loadYaml(p) as K8sObject[])));
  }
  for (const c of strings(k.components, dir)) {
    const p = path.resolve(dir, c);
    const inner = accumulate(p, 'Component', out);
    out = transform(p, inner.k, inner.objects);
  }
  return { k, objects: out };
}

function transform(dir: string, k: JsonObject, objects: K8sObject[]): K8sObject[] {
  let out = structuredClone(objects);
  if (typeof k.namespace === 'string') {
    for (const o of out) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
  }
  for (const p of (k.patches ?? []) as JsonObject[]) {
    if (Object.keys(p).join() !== 'path' || typeof p.path !== 'string') {
      throw new Error(`${dir}: only \`patches: [{ path }]\` is supported`);
    }
    out = applyPatch(out, loadYaml(path.resolve(dir, p.path)) as K8sObject[], `${dir}/${p.path}`);
  }
  for (const l of (k.labels ?? []) as JsonObject[]) {
    if (Object.keys(l).join() !== 'pairs') throw new Error(`${dir}: labels: only \`pairs\` is supported`);
    for (const o of out) o.metadata.labels = { ...o.metadata.labels, ...(l.pairs as Record<string, string>) };
  }
  return out;
}

function applyPatch(objects: K8sObject[], patches: K8sObject[], where: string): K8sObject[] {
  for (const patch of patches) {
    if (patch.metadata.namespace) throw new Error(`${where}: give no namespace (targets match by name)`);
    const same = (o: K8sObject) =>
      o.apiVersion === patch.apiVersion && o.kind === patch.kind && o.metadata.name === patch.metadata.name;
    const targets = objects.filter(same);
    if (targets.length !== 1)
      throw new Error(`${where}: ${targets.length} targets for ${patch.kind}/${patch.metadata.name}`);
    const i = objects.findIndex(same);
    objects[i] = mergeObject(
      objects[i] as unknown as JsonObject,
      patch as unknown as JsonObject,
      '',
    ) as unknown as K8sObject;
  }
  return objects;
}

/** Strategic merge of `patch` into `base` (both left unchanged); `null` in the patch deletes. */
export function strategicMerge(base: object, patch: object): JsonObject {
  return mergeObject(base as JsonObject, patch as JsonObject, '');
}

function mergeObject(base: JsonObject, patch: JsonObject, at: string): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const here = `${at}/${key}`;
    if (key.startsWith('$')) throw new Error(`${here}: patch directives are not supported`);
    const old = out[key];
    if (value === null) delete out[key];
    else if (Array.isArray(value)) out[key] = mergeList(key, Array.isArray(old) ? old : [], value, here);
    else if (isObject(value)) out[key] = mergeObject(isObject(old) ? old : {}, value, here);
    else out[key] = value;
  }
  return out;
}

function mergeList(field: string, base: Json[], patch: Json[], at: string): Json[] {
  if (ATOMIC_LISTS.has(field)) return patch;
  const key = MERGE_KEYS[field];
  if (!key) throw new Error(`${at}: the test renderer does not know how to merge this list`);
  const out = [...base];
  for (const item of patch) {
    if (!isObject(item) || typeof item[key] !== 'string') throw new Error(`${at}: items need a "${key}"`);
    const i = out.findIndex((o) => isObject(o) && o[key] === item[key]);
    if (i < 0) out.push(item);
    else out[i] = mergeObject(out[i] as JsonObject, item, `${at}[${key}=${item[key]}]`);
  }
  return out;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: Json | undefined, dir: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))
    throw new Error(`${dir}: expected a list of paths`);
  return v as string[];
}

function assertUnique(objects: K8sObject[], dir: string): void {
  const seen = new Set<string>();
  for (const o of objects) {
    const id = `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (seen.has(id)) throw new Error(`${dir}: ${id} is defined twice`);
    seen.add(id);
  }
}
