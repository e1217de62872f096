/**
 * deploy/k8s, rendered offline (./kustomize.ts) for the base and every overlay, validated against the
 * Kubernetes, KEDA and prometheus-operator schemas (./schemas.ts), and checked against the app:
 * probe paths and ports, environment names and values (configSchema), shutdown grace, autoscaling.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { configSchema, parseConfig } from '../../src/config/index.js';
import { build, type K8sObject } from './kustomize.js';
import { validateObject } from './schemas.js';

const ROOT = fileURLToPath(new URL('../../deploy/k8s/', import.meta.url));
const OVERLAYS = ['gpu', 'monitoring'];
const TARGETS = ['base', ...OVERLAYS.map((o) => `overlays/${o}`)];
const NAMESPACE = 'textclf';
const PROBE_PATHS = new Set(['/healthz', '/readyz']);
/** Added to configSchema with the metrics work; named here so that losing one fails with a clear message. */
const PENDING_CONFIG_KEYS = ['JOB_LOCK_MS', 'JOB_STALLED_CHECK_MS', 'JOB_MAX_STALLS'];

// Loose views of the parts of rendered objects the checks read (the schemas have validated them).
/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = K8sObject & { spec?: any; data?: Record<string, string>; stringData?: Record<string, string> };
type Container = any;
/* eslint-enable @typescript-eslint/no-explicit-any */

const cache = new Map<string, Obj[]>();
function render(target: string): Obj[] {
  if (!cache.has(target)) cache.set(target, build(path.join(ROOT, target)) as Obj[]);
  return cache.get(target) as Obj[];
}

function find(objs: Obj[], kind: string, name: string): Obj {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind}/${name} is rendered`);
  return o;
}

const workloads = (objs: Obj[]) => objs.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
/** The textclf containers (not Redis). */
const appContainers = (w: Obj): Container[] =>
  (w.spec.template.spec.containers as Container[]).filter((c) => String(c.image).startsWith('textclf:'));

/** What the container's process sees: envFrom ConfigMaps in order, then `env` values over them. */
function effectiveEnv(objs: Obj[], c: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    assert.ok(from.configMapRef, 'envFrom uses ConfigMaps only');
    Object.assign(env, find(objs, 'ConfigMap', from.configMapRef.name).data);
  }
  for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}

function matches(selector: Record<string, string>, labels: Record<string, string> = {}): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Kubernetes quantity (memory) to bytes: plain, k/M/G or Ki/Mi/Gi. */
function bytes(q: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|k|M|G)?$/.exec(q);
  assert.ok(m, `quantity ${q}`);
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, k: 1e3, M: 1e6, G: 1e9 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * unit;
}

test('every overlay directory is one the test renders', () => {
  const dirs = readdirSync(path.join(ROOT, 'overlays'), { withFileTypes: true }).filter((d) =>
    d.isDirectory(),
  );
  assert.deepEqual(dirs.map((d) => d.name).sort(), [...OVERLAYS].sort());
});

for (const target of TARGETS) {
  describe(target, () => {
    test('renders, and every object passes its schema with no unknown field', () => {
      const objs = render(target);
      assert.ok(objs.length > 0);
      for (const o of objs) {
        const where = `${target}: ${o.kind}/${o.metadata.name}`;
        let unknown: string[] = [];
        assert.doesNotThrow(() => (unknown = validateObject(o)), where);
        assert.deepEqual(unknown, [], `${where}: fields its schema does not know`);
        if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, NAMESPACE, where);
        assert.equal(o.metadata.labels?.['app.kubernetes.io/part-of'], 'textclf', where);
      }
    });

    test('references resolve: Services, ports, ConfigMaps, Secrets, scale targets, Ingress', () => {
      const objs = render(target);
      const templates = workloads(objs).map((w) => w.spec.template);
      for (const svc of objs.filter((o) => o.kind === 'Service')) {
        const pods = templates.filter((t) => matches(svc.spec.selector, t.metadata.labels));
        assert.equal(pods.length, 1, `Service ${svc.metadata.name} selects one workload`);
        const ports = pods[0].spec.containers.flatMap((c: Container) => c.ports ?? []);
        for (const p of svc.spec.ports) {
          assert.ok(
            ports.some((cp: Container) => cp.name === p.targetPort || cp.containerPort === p.targetPort),
            `Service ${svc.metadata.name}: targetPort ${p.targetPort} is a container port`,
          );
        }
      }
      for (const t of templates) {
        for (const v of t.spec.volumes ?? []) {
          if (v.configMap) find(objs, 'ConfigMap', v.configMap.name);
          if (v.secret) {
            const data = find(objs, 'Secret', v.secret.secretName).stringData ?? {};
            for (const item of v.secret.items ?? []) assert.ok(item.key in data, `Secret key ${item.key}`);
          }
        }
      }
      for (const o of objs.filter((x) => ['HorizontalPodAutoscaler', 'ScaledObject'].includes(x.kind))) {
        find(objs, 'Deployment', o.spec.scaleTargetRef.name);
      }
      const hpa = find(objs, 'HorizontalPodAutoscaler', 'textclf-api');
      const so = find(objs, 'ScaledObject', 'textclf-worker');
      assert.notEqual(hpa.spec.scaleTargetRef.name, so.spec.scaleTargetRef.name, 'KEDA makes its own HPA');
      const pdb = find(objs, 'PodDisruptionBudget', 'textclf-api');
      assert.ok(templates.some((t) => matches(pdb.spec.selector.matchLabels, t.metadata.labels)));
      for (const rule of find(objs, 'Ingress', 'textclf-api').spec.rules) {
        for (const p of rule.http.paths) {
          const svc = find(objs, 'Service', p.backend.service.name);
          assert.ok(svc.spec.ports.some((sp: Container) => sp.name === p.backend.service.port.name));
        }
      }
    });

    test('app containers: probes on /healthz and /readyz at PORT, hardened, writable /tmp and /app/data', () => {
      const objs = render(target);
      const apps = workloads(objs).filter((w) => appContainers(w).length > 0);
      assert.deepEqual(apps.map((w) => w.metadata.name).sort(), ['textclf-api', 'textclf-worker']);
      for (const w of apps) {
        const pod = w.spec.template.spec;
        assert.equal(pod.securityContext.runAsNonRoot, true);
        assert.equal(pod.securityContext.runAsUser, 10001, 'the image user');
        for (const c of appContainers(w)) {
          const where = `${w.metadata.name}/${c.name}`;
          assert.match(c.image, /^textclf:(cpu|gpu)$/, where);
          assert.deepEqual(c.args, [w.metadata.name.replace('textclf-', '')], `${where}: role argument`);
          const port = Number(effectiveEnv(objs, c).PORT);
          const http = (c.ports as Container[]).find((p) => p.name === 'http');
          assert.equal(http?.containerPort, port, `${where}: containerPort "http" is the PORT it listens on`);
          for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
            const get = c[kind]?.httpGet;
            assert.ok(get, `${where}: ${kind} is an httpGet`);
            assert.ok(PROBE_PATHS.has(get.path), `${where}: ${kind} path ${get.path} is served`);
            assert.ok(get.port === 'http' || get.port === port, `${where}: ${kind} port`);
          }
          assert.equal(c.readinessProbe.httpGet.path, '/readyz', where);
          assert.equal(c.livenessProbe.httpGet.path, '/healthz', `${where}: liveness touches no dependency`);
          assert.ok(c.resources?.requests?.cpu && c.resources?.limits?.memory, `${where}: resources`);
          assert.equal(c.securityContext.readOnlyRootFilesystem, true, where);
          assert.equal(c.securityContext.allowPrivilegeEscalation, false, where);
          for (const dir of ['/tmp', '/app/data']) {
            const mount = (c.volumeMounts as Container[]).find((m) => m.mountPath === dir);
            const vol = (pod.volumes as Container[]).find((v) => v.name === mount?.name);
            assert.ok(vol?.emptyDir, `${where}: an emptyDir at ${dir}`);
          }
        }
      }
      const api = appContainers(find(objs, 'Deployment', 'textclf-api'))[0];
      assert.deepEqual(api.lifecycle?.preStop?.exec?.command?.[0], 'sleep', 'API preStop sleeps');
      const keys = effectiveEnv(objs, api).API_KEYS_FILE;
      assert.ok(
        (api.volumeMounts as Container[]).some((m) => keys?.startsWith(`${m.mountPath}/`)),
        'API_KEYS_FILE is in a mounted volume',
      );
    });

    test('every environment variable set is a key of configSchema, and the values parse', () => {
      const objs = render(target);
      const known = new Set(Object.keys(configSchema.shape));
      const missing = PENDING_CONFIG_KEYS.filter((k) => !known.has(k));
      assert.deepEqual(
        missing,
        [],
        `${missing.join(', ')} not in configSchema (src/config/index.ts) yet: they are being added there`,
      );
      const names = new Set(Object.keys(find(objs, 'ConfigMap', 'textclf-config').data ?? {}));
      for (const w of workloads(objs)) {
        for (const c of appContainers(w)) {
          for (const e of c.env ?? []) names.add(e.name);
          assert.doesNotThrow(() => parseConfig(effectiveEnv(objs, c)), `${w.metadata.name}: env parses`);
        }
      }
      assert.deepEqual(
        [...names].filter((n) => !known.has(n)),
        [],
        'names the app does not know',
      );
    });

    test('shutdown grace and memory caps agree with the config', () => {
      const objs = render(target);
      for (const w of workloads(objs).filter((x) => appContainers(x).length > 0)) {
        const pod = w.spec.template.spec;
        for (const c of appContainers(w)) {
          const config = parseConfig(effectiveEnv(objs, c));
          const preStop = Number(c.lifecycle?.preStop?.exec?.command?.[1] ?? 0);
          assert.ok(
            pod.terminationGracePeriodSeconds > preStop + config.SHUTDOWN_GRACE_MS / 1000,
            `${w.metadata.name}: terminationGracePeriodSeconds above preStop + SHUTDOWN_GRACE_MS`,
          );
          if (config.WORKER_MAX_MEMORY_MB > 0) {
            assert.ok(
              config.WORKER_MAX_MEMORY_MB * 2 ** 20 < bytes(c.resources.limits.memory),
              'heap cap < limit',
            );
          }
        }
      }
    });

    test('autoscaling: the API on CPU from 2 pods, the workers by KEDA on pending jobs from 0', () => {
      const objs = render(target);
      const worker = find(objs, 'Deployment', 'textclf-worker');
      const api = find(objs, 'Deployment', 'textclf-api');
      for (const d of [worker, api])
        assert.equal(d.spec.replicas, undefined, `${d.metadata.name}: autoscaled`);
      assert.ok(find(objs, 'HorizontalPodAutoscaler', 'textclf-api').spec.minReplicas >= 2);

      const so = find(objs, 'ScaledObject', 'textclf-worker').spec;
      assert.equal(so.minReplicaCount, 0);
      assert.ok(so.maxReplicaCount >= 1);
      const [trigger, ...others] = so.triggers;
      assert.equal(others.length, 0);
      assert.equal(trigger.type, 'metrics-api');
      assert.equal(trigger.metadata.valueLocation, 'pending');
      // KEDA's operator calls from its own namespace: service.namespace, at the API's Service port.
      const url = new URL(trigger.metadata.url);
      const svc = find(objs, 'Service', 'textclf-api');
      assert.equal(url.hostname, `${svc.metadata.name}.${svc.metadata.namespace}.svc`);
      assert.equal(Number(url.port), svc.spec.ports[0].port);
      assert.equal(url.pathname, '/metrics/queue');
      const concurrency = parseConfig(effectiveEnv(objs, appContainers(worker)[0])).WORKER_CONCURRENCY;
      assert.equal(Number(trigger.metadata.targetValue), concurrency, 'one pending job per worker slot');
    });

    test('Redis: AOF fsync always, noeviction, a PVC, maxmemory under its limit, only app pods let in', () => {
      const objs = render(target);
      const conf = find(objs, 'ConfigMap', 'redis-config').data?.['redis.conf'] ?? '';
      const settings = new Map(
        conf
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l && !l.startsWith('#'))
          .map((l) => [l.split(/\s+/)[0], l.split(/\s+/).slice(1).join(' ')]),
      );
      assert.equal(settings.get('appendonly'), 'yes');
      assert.equal(settings.get('appendfsync'), 'always');
      assert.equal(settings.get('maxmemory-policy'), 'noeviction');
      const sts = find(objs, 'StatefulSet', 'redis');
      const redis = sts.spec.template.spec.containers[0];
      const maxmemory = /^(\d+)gb$/.exec(settings.get('maxmemory') ?? '');
      assert.ok(maxmemory && Number(maxmemory[1]) * 2 ** 30 < bytes(redis.resources.limits.memory));
      assert.ok(
        redis.volumeMounts.some((m: Container) => m.name === sts.spec.volumeClaimTemplates[0].metadata.name),
      );
      const url = new URL(find(objs, 'ConfigMap', 'textclf-config').data?.REDIS_URL ?? '');
      const svc = find(objs, 'Service', url.hostname);
      assert.equal(Number(url.port), svc.spec.ports[0].port);
      const np = find(objs, 'NetworkPolicy', 'redis').spec;
      assert.ok(matches(np.podSelector.matchLabels, sts.spec.template.metadata.labels));
      assert.deepEqual(np.ingress[0].from[0].podSelector.matchExpressions[1].values, ['api', 'worker']);
      assert.deepEqual(np.ingress[0].ports, [{ protocol: 'TCP', port: 6379 }]);
    });
  });
}

test('the Ingress routes every API path of openapi.yaml but the ops ones, and takes MAX_BODY_BYTES', () => {
  const objs = render('base');
  const ingress = find(objs, 'Ingress', 'textclf-api');
  const rules = ingress.spec.rules.flatMap((r: Container) => r.http.paths) as Container[];
  const routed = (p: string) =>
    rules.some((r) =>
      r.pathType === 'Exact' ? r.path === p : p === r.path || p.startsWith(`${r.path.replace(/\/$/, '')}/`),
    );
  const spec = YAML.parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8'));
  for (const p of Object.keys(spec.paths)) {
    const ops = /^\/(healthz|readyz|metrics)(\/|$)/.test(p);
    assert.equal(routed(p), !ops, `${p} ${ops ? 'stays inside the cluster' : 'is routed'}`);
  }
  // Outside the contract: the dashboard's assets and the queue board.
  for (const p of ['/assets/index-1234.js', '/queues', '/queues/api/queues'])
    assert.ok(routed(p), `${p} is routed`);
  assert.ok(!routed('/metrics/queue') && !routed('/nothing'), 'only what is listed is routed');
  const size = /^(\d+)m$/.exec(
    ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-body-size'] ?? '',
  );
  assert.ok(size && Number(size[1]) * 2 ** 20 >= parseConfig({}).MAX_BODY_BYTES, 'body size');
});

test('base: every app image is the CPU one', () => {
  for (const w of workloads(render('base')))
    for (const c of appContainers(w)) assert.equal(c.image, 'textclf:cpu');
});

test('gpu: the worker on textclf:gpu with one GPU, its toleration and the tensorflow backend; the API as in base', () => {
  const objs = render('overlays/gpu');
  const worker = find(objs, 'Deployment', 'textclf-worker').spec.template.spec;
  const c = worker.containers[0];
  assert.equal(c.image, 'textclf:gpu');
  assert.equal(c.resources.limits['nvidia.com/gpu'], 1);
  assert.equal(c.resources.limits.memory, '4Gi', 'base limits kept by the merge');
  assert.ok(worker.tolerations.some((t: Container) => t.key === 'nvidia.com/gpu'));
  const env = effectiveEnv(objs, c);
  assert.equal(parseConfig(env).TEXTCLF_BACKEND, 'tensorflow');
  assert.ok(env.WORKER_MAX_MEMORY_MB, 'base env kept by the merge');
  assert.deepEqual(
    find(objs, 'Deployment', 'textclf-api'),
    find(render('base'), 'Deployment', 'textclf-api'),
  );
});

test('monitoring: the ServiceMonitor scrapes /metrics on the http port of the api and worker Services', () => {
  const objs = render('overlays/monitoring');
  const sm = find(objs, 'ServiceMonitor', 'textclf').spec;
  assert.deepEqual(
    sm.endpoints.map((e: Container) => [e.port, e.path]),
    [['http', '/metrics']],
  );
  const [name, component] = sm.selector.matchExpressions;
  const scraped = objs.filter(
    (o) =>
      o.kind === 'Service' &&
      name.values.includes(o.metadata.labels?.['app.kubernetes.io/name']) &&
      component.values.includes(o.metadata.labels?.['app.kubernetes.io/component']),
  );
  assert.deepEqual(scraped.map((s) => s.metadata.name).sort(), ['textclf-api', 'textclf-worker']);
  for (const s of scraped) assert.ok(s.spec.ports.some((p: Container) => p.name === 'http'));
});
