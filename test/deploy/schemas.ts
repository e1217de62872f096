/**
 * Offline schema validation of rendered objects: Kubernetes 1.27's OpenAPI schemas (kubernetes-models
 * 4.5), KEDA 2.10's ScaledObject CRD (@kubernetes-models/keda 0.4) and prometheus-operator 0.65's
 * ServiceMonitor CRD (@kubernetes-models/prometheus-operator 4.4): the versions installable on Node 20.
 */
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import type { K8sObject } from './kustomize.js';

interface ModelClass {
  apiVersion: string;
  kind: string;
  prototype: { validate(): void };
}

const MODELS: ModelClass[] = [
  ConfigMap,
  Namespace,
  Secret,
  Service,
  Deployment,
  StatefulSet,
  HorizontalPodAutoscaler,
  Ingress,
  NetworkPolicy,
  PodDisruptionBudget,
  ScaledObject,
  ServiceMonitor,
];
const BY_TYPE = new Map(MODELS.map((m) => [`${m.apiVersion} ${m.kind}`, m]));

/**
 * Validates `o` against its schema; throws the schema's errors. The schemas allow unknown fields (as
 * Kubernetes' OpenAPI does; the API server rejects them only under strict field validation), so a
 * misspelt or misplaced field would pass: the returned list names every such field instead.
 * How: the compiled validator reads each property its schema defines, so the object goes in behind
 * a Proxy that records reads, and any own key left unread is one the schema does not know.
 */
export function validateObject(o: K8sObject): string[] {
  const model = BY_TYPE.get(`${o.apiVersion} ${o.kind}`);
  if (!model)
    throw new Error(`no schema for ${o.apiVersion} ${o.kind}: add its model to test/deploy/schemas.ts`);
  const nodes: { path: string; target: object; read: Set<PropertyKey> }[] = [];
  const wrap = (v: unknown, at: string): unknown => {
    if (v === null || typeof v !== 'object') return v;
    const children = new Map(Object.entries(v).map(([k, c]) => [k, wrap(c, `${at}/${k}`)]));
    const read = new Set<PropertyKey>();
    if (!Array.isArray(v)) nodes.push({ path: at, target: v, read });
    return new Proxy(v, {
      get(t, k, receiver) {
        read.add(k);
        return typeof k === 'string' && children.has(k) ? children.get(k) : Reflect.get(t, k, receiver);
      },
    });
  };
  model.prototype.validate.call(wrap(o, ''));
  return nodes.flatMap((n) =>
    Object.keys(n.target)
      .filter((k) => !n.read.has(k))
      .map((k) => `${n.path}/${k}`),
  );
}
