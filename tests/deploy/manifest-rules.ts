// Offline validation of k8s/ and argo/: the kubernetes-models / Argo models schema checks, then a stricter layer
// of our own. Every rule returns problems for a set of manifests; tests/deploy/manifests.test.ts runs them on the
// repository's files (no problem allowed) and on broken copies (each rule must object).
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-explicit-any --
   Manifests are free-form YAML (Doc = Record<string, any>); every rule checks the shape of what it reads. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse } from 'yaml';
import { CronWorkflow } from '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/CronWorkflow';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { parseConfig } from '../../src/config/load-config.js';
import { renderConfigMap } from '../../scripts/container/sync-configmap.js';
import { finalStage, parseDockerfile } from './dockerfile-rules.js';
import { unknownFields } from './strict-fields.js';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export type Doc = Record<string, any>;

export interface Manifest {
  /** e.g. argo/cronwf-xetra-etl.yaml */
  readonly file: string;
  readonly doc: Doc;
}

export interface ManifestSet {
  readonly manifests: Manifest[];
  /** k8s/kustomization.yaml, parsed. */
  readonly kustomization: Doc;
  /** The text of k8s/configmap.yaml. */
  readonly configMapText: string;
  readonly prodConfigText: string;
  readonly dockerfile: string;
  readonly packageVersion: string;
}

export interface Problem {
  readonly rule: string;
  readonly file: string;
  readonly message: string;
}

const MANIFEST_DIRS = ['k8s', 'argo'];
const NAMESPACE = 'xetra';
/** uid/gid of the image's `node` user (the Node base image's useradd --uid 1000). */
const NODE_UID = 1000;

export function loadManifestSet(root = repoRoot): ManifestSet {
  const manifests: Manifest[] = [];
  for (const dir of MANIFEST_DIRS) {
    for (const name of readdirSync(path.join(root, dir)).sort()) {
      if (!/\.ya?ml$/.test(name) || name === 'kustomization.yaml') continue;
      const file = `${dir}/${name}`;
      for (const document of parseAllDocuments(readFileSync(path.join(root, file), 'utf8'))) {
        if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]?.message ?? 'YAML error'}`);
        const doc = document.toJS() as Doc | null;
        if (doc !== null) manifests.push({ file, doc });
      }
    }
  }
  const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');
  return {
    manifests,
    kustomization: parse(read('k8s/kustomization.yaml')) as Doc,
    configMapText: read('k8s/configmap.yaml'),
    prodConfigText: read('configs/prod.yml'),
    dockerfile: read('Dockerfile'),
    packageVersion: (JSON.parse(read('package.json')) as { version: string }).version,
  };
}

/** A deep copy to break on purpose. */
export function cloneSet(set: ManifestSet): ManifestSet {
  return structuredClone(set);
}

// ------------------------------------------------------------------------------------------------- helpers

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'argoproj.io/v1alpha1/CronWorkflow': CronWorkflow,
};

const kindOf = (doc: Doc): string => `${String(doc.apiVersion)}/${String(doc.kind)}`;
const find = (set: ManifestSet, kind: string, name?: string): Manifest[] =>
  set.manifests.filter((m) => m.doc.kind === kind && (name === undefined || m.doc.metadata?.name === name));

function only(set: ManifestSet, kind: string): Manifest | undefined {
  const all = find(set, kind);
  return all.length === 1 ? all[0] : undefined;
}

function cronWorkflow(set: ManifestSet): { m: Manifest; spec: Doc; wf: Doc; template: Doc; container: Doc } | undefined {
  const m = only(set, 'CronWorkflow');
  const spec = m?.doc.spec;
  const wf = spec?.workflowSpec;
  const templates: Doc[] = Array.isArray(wf?.templates) ? wf.templates : [];
  const template = templates.find((t) => t.container !== undefined);
  if (!m || !spec || !wf || !template) return undefined;
  return { m, spec, wf, template, container: template.container };
}

/** Kubernetes quantities: cpu in millicores, memory in bytes. */
export function quantity(value: unknown): number {
  const text = String(value);
  const match = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti|k|M|G)?$/.exec(text);
  if (!match) return NaN;
  const n = Number(match[1]);
  const unit = match[2] ?? '';
  const factor: Record<string, number> = { '': 1, m: 1e-3, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9 };
  return n * (factor[unit] ?? NaN);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A 5-field cron line with numeric fields; returns the set of (weekday, hour, minute) it fires at in one week. */
export function weeklyFirings(schedule: string): { firings: string[]; error?: string } {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) return { firings: [], error: `'${schedule}' has ${fields.length} fields, not 5` };
  const ranges: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 6]];
  const sets: number[][] = [];
  for (const [i, field] of fields.entries()) {
    const [lo, hi] = ranges[i] ?? [0, 0];
    const values = new Set<number>();
    for (const part of field.split(',')) {
      const m = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(part);
      if (!m) return { firings: [], error: `field ${i + 1} '${field}' is not numeric cron (use numbers, *, -, /, ','; no names like MON)` };
      const step = m[2] === undefined ? 1 : Number(m[2]);
      let from = lo;
      let to = hi;
      if (m[1] !== '*') {
        const [a = NaN, b] = (m[1] ?? '').split('-').map(Number);
        from = a;
        to = b ?? (m[2] === undefined ? a : hi); // 'n/step' runs from n to the end of the range
      }
      if (from < lo || to > hi || from > to || step < 1) return { firings: [], error: `field ${i + 1} '${field}' is out of range ${lo}-${hi}` };
      for (let v = from; v <= to; v += step) values.add(v);
    }
    sets.push([...values]);
  }
  const [minutes = [], hours = [], days = [], months = []] = sets;
  const weekdays = sets[4] ?? [];
  if (days.length !== 31 || months.length !== 12) return { firings: [], error: `'${schedule}' restricts day of month or month; a weekly job uses '* *' there` };
  return { firings: weekdays.flatMap((d) => hours.flatMap((h) => minutes.map((m) => `${d} ${h}:${m}`))) };
}

/** Evaluates an Argo retry expression (expr language: ==, !=, ||, &&, asInt) for one last attempt. */
export function retries(expression: string, lastRetry: { status: string; exitCode: string }): boolean {
  if (!/^[\w\s."'=!|&()<>-]*$/.test(expression) || /\b(?:and|or|not|in)\b/.test(expression)) throw new Error(`cannot evaluate '${expression}' here: use ==, !=, ||, &&, asInt()`);
  const asInt = (v: string): number => {
    if (!/^-?\d+$/.test(v)) throw new Error(`asInt('${v}')`);
    return Number(v);
  };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a checked, tiny expression over two fixed names
  return Boolean(new Function('lastRetry', 'asInt', `return (${expression});`)(lastRetry, asInt));
}

// ------------------------------------------------------------------------------------------------- rules

type Rule = (set: ManifestSet) => { file: string; message: string }[];

export const MANIFEST_RULES: Readonly<Record<string, Rule>> = {
  /** The kubernetes-models / Argo v4 models: types, enums, required fields, cron pattern. */
  schema: (set) =>
    set.manifests.flatMap(({ file, doc }) => {
      const Model = MODELS[kindOf(doc)];
      if (!Model) return [{ file, message: `no model for ${kindOf(doc)}; only ${Object.keys(MODELS).join(', ')} belong here` }];
      try {
        new Model(doc).validate();
        return [];
      } catch (error) {
        return [{ file, message: error instanceof Error ? error.message : String(error) }];
      }
    }),

  /** Unknown fields, against the models' TypeScript declarations (the models themselves let them through). */
  'unknown-fields': (set) =>
    set.manifests.flatMap(({ file, doc }) => (MODELS[kindOf(doc)] ? unknownFields(doc).map((p) => ({ file, message: `${p.path}: ${p.message}` })) : [])),

  /** DNS-1123 names, one namespace, the app label, no duplicates. */
  names: (set) => {
    const out: { file: string; message: string }[] = [];
    const seen = new Set<string>();
    for (const { file, doc } of set.manifests) {
      const name = String(doc.metadata?.name ?? '');
      if (!DNS_LABEL.test(name) || name.length > 63) out.push({ file, message: `metadata.name '${name}' is not a DNS-1123 label (lower case, digits, '-', at most 63)` });
      if (doc.kind === 'Namespace') {
        if (name !== NAMESPACE) out.push({ file, message: `the namespace is '${name}', expected '${NAMESPACE}'` });
      } else if (doc.metadata?.namespace !== NAMESPACE) {
        out.push({ file, message: `metadata.namespace is '${String(doc.metadata?.namespace)}', expected '${NAMESPACE}'` });
      }
      if (doc.metadata?.labels?.['app.kubernetes.io/name'] !== 'xetra-etl') out.push({ file, message: `${name}: label app.kubernetes.io/name: xetra-etl missing` });
      const key = `${String(doc.kind)}/${name}`;
      if (seen.has(key)) out.push({ file, message: `${key} is defined twice` });
      seen.add(key);
    }
    if (find(set, 'Namespace').length !== 1) out.push({ file: 'k8s/', message: 'exactly one Namespace manifest expected' });
    return out;
  },

  /** Argo >= 3.6 `schedules`: once a week, numeric weekday, an hour clear of DST switches (01:00-03:59 local). */
  cron: (set) => {
    const cw = cronWorkflow(set);
    if (!cw) return [{ file: 'argo/', message: 'exactly one CronWorkflow with a container template expected' }];
    const { file } = cw.m;
    const out: { file: string; message: string }[] = [];
    if (cw.spec.schedule !== undefined) out.push({ file, message: 'spec.schedule (singular) was removed in Argo v4: use spec.schedules: [...]' });
    const schedules: unknown = cw.spec.schedules;
    if (!Array.isArray(schedules) || schedules.length === 0) return [...out, { file, message: 'spec.schedules must list the schedule' }];
    const firings = schedules.flatMap((s: unknown) => {
      const result = weeklyFirings(String(s));
      if (result.error) out.push({ file, message: `spec.schedules: ${result.error}` });
      return result.firings;
    });
    if (out.length > 0) return out;
    if (new Set(firings).size !== 1) out.push({ file, message: `spec.schedules fires ${new Set(firings).size} times a week (${firings.slice(0, 5).join(', ')}${firings.length > 5 ? ', ...' : ''}); the job runs once a week` });
    for (const firing of firings) {
      const hour = Number(/ (\d+):/.exec(firing)?.[1]);
      if (hour >= 1 && hour <= 3) out.push({ file, message: `spec.schedules fires at ${hour}:xx, inside the DST switch window (01:00-03:59 local): a run may be skipped or doubled` });
    }
    return out;
  },

  /** An explicit, canonical IANA time zone. */
  timezone: (set) => {
    const cw = cronWorkflow(set);
    if (!cw) return [];
    const tz: unknown = cw.spec.timezone;
    if (typeof tz !== 'string' || tz === '') return [{ file: cw.m.file, message: 'spec.timezone must be set (an IANA name such as Europe/Berlin); otherwise the controller\'s zone decides' }];
    try {
      const resolved = new Intl.DateTimeFormat('en', { timeZone: tz }).resolvedOptions().timeZone;
      if (resolved !== tz) return [{ file: cw.m.file, message: `spec.timezone '${tz}' is not the canonical IANA name (${resolved})` }];
    } catch {
      return [{ file: cw.m.file, message: `spec.timezone '${tz}' is not an IANA time zone` }];
    }
    return [];
  },

  /** Forbid + deadlines + history limits + retries with back-off for transient failures only. */
  'run-policy': (set) => {
    const cw = cronWorkflow(set);
    if (!cw) return [];
    const { file } = cw.m;
    const out: string[] = [];
    const positive = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
    if (cw.spec.concurrencyPolicy !== 'Forbid') out.push(`spec.concurrencyPolicy is ${String(cw.spec.concurrencyPolicy)}: two runs at once would both append to the meta file; use Forbid`);
    if (!positive(cw.spec.startingDeadlineSeconds)) out.push('spec.startingDeadlineSeconds must be set');
    if (!positive(cw.wf.activeDeadlineSeconds)) out.push('workflowSpec.activeDeadlineSeconds must be set: with Forbid, a hung run blocks every later one');
    if (!positive(cw.template.activeDeadlineSeconds)) out.push(`template ${String(cw.template.name)}: activeDeadlineSeconds must be set`);
    if (positive(cw.wf.activeDeadlineSeconds) && positive(cw.template.activeDeadlineSeconds) && cw.template.activeDeadlineSeconds > cw.wf.activeDeadlineSeconds) out.push('the template deadline is longer than the workflow deadline');
    for (const key of ['successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) {
      const v: unknown = cw.spec[key];
      if (!positive(v) || (v as number) > 10) out.push(`spec.${key} must be 1..10 (got ${String(v)})`);
    }
    const retry = cw.template.retryStrategy as Doc | undefined;
    if (!retry) return [...out, 'the template needs a retryStrategy'].map((message) => ({ file, message }));
    const limit = Number(retry.limit);
    if (!(limit >= 1 && limit <= 5)) out.push(`retryStrategy.limit must be 1..5 (got ${String(retry.limit)})`);
    if (!retry.backoff?.duration || retry.backoff?.factor === undefined) out.push('retryStrategy.backoff needs duration and factor');
    if (typeof retry.expression !== 'string') {
      out.push('retryStrategy.expression must limit retries to transient failures (never exit 2, a config error)');
    } else {
      try {
        if (retry.retryPolicy !== 'Always') out.push('retryStrategy.retryPolicy must be Always so the expression sees both Failed and Error attempts');
        if (retries(retry.expression, { status: 'Failed', exitCode: '2' })) out.push(`retryStrategy.expression retries exit 2 (a config error): ${retry.expression}`);
        if (!retries(retry.expression, { status: 'Error', exitCode: '-1' })) out.push('retryStrategy.expression does not retry pod errors (eviction, node loss)');
        if (!retries(retry.expression, { status: 'Failed', exitCode: '1' })) out.push('retryStrategy.expression does not retry a failed run (exit 1: S3 unreachable)');
      } catch (error) {
        out.push(`retryStrategy.expression: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return out.map((message) => ({ file, message }));
  },

  /** Non-root uid 1000, read-only root fs, no privilege escalation, no capabilities, a writable /tmp only. */
  'security-context': (set) => {
    const cw = cronWorkflow(set);
    if (!cw) return [];
    const out: string[] = [];
    const pod = cw.wf.securityContext ?? {};
    const c = cw.container.securityContext ?? {};
    if (pod.runAsNonRoot !== true) out.push('workflowSpec.securityContext.runAsNonRoot must be true');
    if (pod.seccompProfile?.type !== 'RuntimeDefault') out.push('workflowSpec.securityContext.seccompProfile.type must be RuntimeDefault');
    if (c.runAsNonRoot !== true) out.push('container securityContext.runAsNonRoot must be true');
    // The image's USER is the name `node`; the kubelet can only verify a numeric uid, so state it.
    if (c.runAsUser !== NODE_UID || c.runAsGroup !== NODE_UID) out.push(`container securityContext.runAsUser/runAsGroup must be ${NODE_UID} (the image's node user)`);
    if (c.readOnlyRootFilesystem !== true) out.push('container securityContext.readOnlyRootFilesystem must be true');
    if (c.allowPrivilegeEscalation !== false) out.push('container securityContext.allowPrivilegeEscalation must be false');
    if (c.privileged === true) out.push('container securityContext.privileged must not be true');
    if (!Array.isArray(c.capabilities?.drop) || !c.capabilities.drop.includes('ALL') || (c.capabilities.add ?? []).length > 0) out.push('container securityContext.capabilities must drop ALL and add none');
    const volumes: Doc[] = cw.wf.volumes ?? [];
    for (const mount of (cw.container.volumeMounts ?? []) as Doc[]) {
      const volume = volumes.find((v) => v.name === mount.name);
      if (mount.readOnly !== true && !(volume?.emptyDir && mount.mountPath === '/tmp')) out.push(`volumeMount ${String(mount.name)} at ${String(mount.mountPath)} is writable; only an emptyDir at /tmp may be`);
    }
    return out.map((message) => ({ file: cw.m.file, message }));
  },

  /** Requests and limits for cpu and memory, requests <= limits. */
  resources: (set) => {
    const cw = cronWorkflow(set);
    if (!cw) return [];
    const r = cw.container.resources ?? {};
    const out: string[] = [];
    for (const kind of ['requests', 'limits']) {
      for (const res of ['cpu', 'memory']) {
        if (!Number.isFinite(quantity(r[kind]?.[res]))) out.push(`resources.${kind}.${res} must be set (got ${String(r[kind]?.[res])})`);
      }
    }
    for (const res of ['cpu', 'memory']) {
      if (quantity(r.requests?.[res]) > quantity(r.limits?.[res])) out.push(`resources.requests.${res} is above resources.limits.${res}`);
    }
    return out.map((message) => ({ file: cw.m.file, message }));
  },

  /** ServiceAccount, Role(Binding), ConfigMap, Secret and volumes referenced by the CronWorkflow all exist and fit. */
  references: (set) => {
    const cw = cronWorkflow(set);
    if (!cw) return [];
    const out: { file: string; message: string }[] = [];
    const say = (file: string, message: string): void => void out.push({ file, message });
    const sa = String(cw.wf.serviceAccountName ?? '');
    if (find(set, 'ServiceAccount', sa).length !== 1) say(cw.m.file, `workflowSpec.serviceAccountName '${sa}' is not a ServiceAccount in k8s/`);
    const bindings = find(set, 'RoleBinding').filter((b) => (b.doc.subjects ?? []).some((s: Doc) => s.kind === 'ServiceAccount' && s.name === sa && s.namespace === NAMESPACE));
    if (bindings.length === 0) say(cw.m.file, `no RoleBinding grants anything to ServiceAccount ${sa}`);
    for (const binding of bindings) {
      const ref = binding.doc.roleRef ?? {};
      const role = ref.kind === 'Role' ? find(set, 'Role', ref.name)[0] : undefined;
      if (!role) {
        say(binding.file, `roleRef ${String(ref.kind)}/${String(ref.name)} is not a Role in k8s/`);
        continue;
      }
      // Least privilege: what the emissary executor needs, nothing more.
      const rules = JSON.stringify((role.doc.rules ?? []).map((r: Doc) => ({ apiGroups: r.apiGroups, resources: r.resources, verbs: [...(r.verbs ?? [])].sort() })));
      const needed = JSON.stringify([{ apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] }]);
      if (rules !== needed) say(role.file, `Role ${String(ref.name)} must grant exactly workflowtaskresults create/patch in argoproj.io (Argo's executor), got ${rules}`);
    }
    const volumes: Doc[] = cw.wf.volumes ?? [];
    for (const v of volumes) {
      if (v.configMap && find(set, 'ConfigMap', v.configMap.name).length !== 1) say(cw.m.file, `volume ${String(v.name)}: ConfigMap ${String(v.configMap.name)} is not in k8s/`);
      if (v.secret && find(set, 'Secret', v.secret.secretName).length !== 1) say(cw.m.file, `volume ${String(v.name)}: Secret ${String(v.secret.secretName)} is not in k8s/`);
    }
    for (const mount of (cw.container.volumeMounts ?? []) as Doc[]) {
      if (!volumes.some((v) => v.name === mount.name)) say(cw.m.file, `volumeMount ${String(mount.name)} names no volume`);
    }
    for (const env of (cw.container.env ?? []) as Doc[]) {
      const ref = env.valueFrom?.secretKeyRef ?? env.valueFrom?.configMapKeyRef;
      if (!ref) continue;
      const kind = env.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap';
      const target = find(set, kind, ref.name)[0];
      const keys = Object.keys({ ...(target?.doc.data ?? {}), ...(target?.doc.stringData ?? {}) });
      if (!target) say(cw.m.file, `env ${String(env.name)}: ${kind} ${String(ref.name)} is not in k8s/`);
      else if (!keys.includes(ref.key)) say(cw.m.file, `env ${String(env.name)}: ${kind} ${String(ref.name)} has no key ${String(ref.key)}`);
    }
    return out;
  },

  /** The kustomization lists every manifest of k8s/ but the example Secret, and nothing else. */
  kustomization: (set) => {
    const listed: string[] = Array.isArray(set.kustomization.resources) ? set.kustomization.resources.map(String) : [];
    const files = [...new Set(set.manifests.filter((m) => m.file.startsWith('k8s/')).map((m) => m.file.slice('k8s/'.length)))];
    const out: string[] = [];
    if (set.kustomization.kind !== 'Kustomization') out.push('k8s/kustomization.yaml must be kind Kustomization');
    if (set.kustomization.namespace !== NAMESPACE) out.push(`the kustomization's namespace must be ${NAMESPACE}`);
    for (const f of files) {
      if (f === 'secret.example.yaml' && listed.includes(f)) out.push('secret.example.yaml must not be in the kustomization: `apply -k` would overwrite the real Secret with placeholders');
      if (f !== 'secret.example.yaml' && !listed.includes(f)) out.push(`${f} is not in the kustomization's resources`);
    }
    for (const l of listed) if (!files.includes(l)) out.push(`resources lists ${l}, which is not a manifest in k8s/`);
    for (const key of ['configMapGenerator', 'secretGenerator', 'patches', 'images']) if (set.kustomization[key] !== undefined) out.push(`${key} is not used here: the manifests are plain files`);
    return out.map((message) => ({ file: 'k8s/kustomization.yaml', message }));
  },

  /** The example Secret holds placeholders only. */
  'example-secret': (set) =>
    find(set, 'Secret').flatMap(({ file, doc }) => {
      const out: string[] = [];
      if (!file.endsWith('.example.yaml')) out.push('a Secret in the repository must be an example (*.example.yaml)');
      if (doc.data !== undefined) out.push('use stringData with placeholders, not base64 data');
      for (const [key, value] of Object.entries((doc.stringData ?? {}) as Record<string, unknown>)) {
        if (value !== 'REPLACE_ME') out.push(`stringData.${key} must be the placeholder REPLACE_ME, not a value`);
      }
      return out.map((message) => ({ file, message }));
    }),

  /** The ConfigMap is configs/prod.yml, byte for byte; the job config loads and logs at info or finer. */
  'config-map': (set) => {
    const out: { file: string; message: string }[] = [];
    const cms = find(set, 'ConfigMap', 'xetra-config');
    if (cms.length !== 1) return [{ file: 'k8s/', message: 'ConfigMap xetra-config missing' }];
    const cm = cms[0] as Manifest;
    const keys = Object.keys(cm.doc.data ?? {});
    if (JSON.stringify(keys) !== JSON.stringify(['prod.yml'])) out.push({ file: cm.file, message: `data must hold exactly prod.yml, has ${keys.join(', ') || 'nothing'}` });
    const text: unknown = cm.doc.data?.['prod.yml'];
    if (text !== set.prodConfigText) out.push({ file: cm.file, message: 'data.prod.yml differs from configs/prod.yml: run `npx tsx scripts/container/sync-configmap.ts`' });
    else if (set.configMapText !== renderConfigMap(set.prodConfigText)) out.push({ file: cm.file, message: 'k8s/configmap.yaml was edited by hand: run `npx tsx scripts/container/sync-configmap.ts`' });
    try {
      const config = parseConfig(String(text), 'k8s/configmap.yaml data.prod.yml');
      if (!['info', 'debug', 'trace'].includes(config.logging.level)) out.push({ file: cm.file, message: `logging.level ${config.logging.level} hides the job's progress from argo logs; use info` });
      if (config.s3.access_key !== undefined || config.s3.secret_key !== undefined) out.push({ file: cm.file, message: 's3.access_key/secret_key: leave them out so the SDK default chain (the Secret\'s env vars or a role) is used' });
      for (const url of [config.s3.src_endpoint_url, config.s3.trg_endpoint_url]) if (!url.startsWith('https://')) out.push({ file: cm.file, message: `endpoint ${url}: production talks to S3 over https` });
    } catch (error) {
      out.push({ file: cm.file, message: `the job would refuse this config: ${error instanceof Error ? error.message : String(error)}` });
    }
    return out;
  },

  /** `--config PATH` in args is a file the ConfigMap volume provides. */
  'config-path': (set) => {
    const cw = cronWorkflow(set);
    if (!cw) return [];
    const args: string[] = (cw.container.args ?? []).map(String);
    const at = args.indexOf('--config');
    const configPath = at >= 0 ? args[at + 1] : undefined;
    if (configPath === undefined) return [{ file: cw.m.file, message: 'args must pass --config PATH (with command set, the image\'s CMD is ignored)' }];
    const volumes: Doc[] = cw.wf.volumes ?? [];
    for (const mount of (cw.container.volumeMounts ?? []) as Doc[]) {
      const volume = volumes.find((v) => v.name === mount.name);
      const dir = String(mount.mountPath).replace(/\/$/, '');
      if (!volume?.configMap || !configPath.startsWith(`${dir}/`)) continue;
      const file = configPath.slice(dir.length + 1);
      const cm = find(set, 'ConfigMap', volume.configMap.name)[0];
      const items: Doc[] | undefined = volume.configMap.items;
      const provided = items ? items.map((i) => String(i.path)) : Object.keys(cm?.doc.data ?? {});
      if (mount.subPath !== undefined) return [{ file: cw.m.file, message: 'do not mount the config with subPath (it never sees ConfigMap updates)' }];
      return provided.includes(file) ? [] : [{ file: cw.m.file, message: `--config ${configPath}: ConfigMap ${String(volume.configMap.name)} mounted at ${dir} has no ${file} (has ${provided.join(', ')})` }];
    }
    return [{ file: cw.m.file, message: `--config ${configPath} is not inside a ConfigMap volume mount` }];
  },

  /** command = the Dockerfile's ENTRYPOINT, workingDir = its WORKDIR, args as the image's CMD. */
  'command-matches-image': (set) => {
    const cw = cronWorkflow(set);
    if (!cw) return [];
    const image = finalStage(parseDockerfile(set.dockerfile));
    const out: string[] = [];
    if (JSON.stringify(cw.container.command) !== JSON.stringify(image.entrypoint)) out.push(`container.command ${JSON.stringify(cw.container.command)} must equal the Dockerfile ENTRYPOINT ${JSON.stringify(image.entrypoint)} (set explicitly: Argo's executor cannot look it up for an image loaded into Minikube)`);
    if (cw.container.workingDir !== image.workdir) out.push(`container.workingDir ${String(cw.container.workingDir)} must equal the Dockerfile WORKDIR ${String(image.workdir)}`);
    if (JSON.stringify(cw.container.args) !== JSON.stringify(image.cmd)) out.push(`container.args ${JSON.stringify(cw.container.args)} must equal the Dockerfile CMD ${JSON.stringify(image.cmd)}`);
    if (cw.template.script !== undefined) out.push('use a container template, not a script template (the original ran bash)');
    return out.map((message) => ({ file: cw.m.file, message }));
  },

  /** The image is xetra-etl:<package.json version>, pulled only if not present (a Minikube-loaded image). */
  'image-tag': (set) => {
    const cw = cronWorkflow(set);
    if (!cw) return [];
    const image = String(cw.container.image ?? '');
    const out: string[] = [];
    const m = /^(?:docker\.io\/library\/)?xetra-etl:([^@]+)$/.exec(image);
    if (!m) out.push(`container.image '${image}' must be docker.io/library/xetra-etl:<version>`);
    else if (m[1] !== set.packageVersion) out.push(`container.image tag ${m[1] ?? ''} must equal package.json's version ${set.packageVersion}`);
    if (cw.container.imagePullPolicy !== 'IfNotPresent') out.push(`container.imagePullPolicy must be IfNotPresent (got ${String(cw.container.imagePullPolicy)}): Always fails for an image loaded into Minikube`);
    return out.map((message) => ({ file: cw.m.file, message }));
  },
};

export function checkManifests(set: ManifestSet): Problem[] {
  return Object.entries(MANIFEST_RULES).flatMap(([rule, check]) => check(set).map((p) => ({ rule, ...p })));
}
