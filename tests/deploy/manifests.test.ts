// Offline validation of every manifest in k8s/ and argo/ (no cluster, no kubectl): the repository's manifests
// pass every rule, and for each rule a broken copy is rejected by that rule.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   Manifests are free-form YAML (Doc = Record<string, any>); every rule checks the shape of what it reads. */
import { describe, expect, it } from 'vitest';
import { checkManifests, cloneSet, loadManifestSet, MANIFEST_RULES, retries, weeklyFirings, type Doc, type ManifestSet } from './manifest-rules.js';

const original = loadManifestSet();

/** The parsed document of `kind` (and `name`) in a set, to break it. */
function doc(set: ManifestSet, kind: string, name?: string): Doc {
  const found = set.manifests.find((m) => m.doc.kind === kind && (name === undefined || m.doc.metadata?.name === name));
  if (!found) throw new Error(`no ${kind} ${name ?? ''}`);
  return found.doc;
}
const cron = (set: ManifestSet): Doc => doc(set, 'CronWorkflow').spec;
const template = (set: ManifestSet): Doc => cron(set).workflowSpec.templates.find((t: Doc) => t.container);
const container = (set: ManifestSet): Doc => template(set).container;

interface Broken {
  readonly why: string;
  readonly rule: keyof typeof MANIFEST_RULES;
  readonly message: RegExp;
  readonly breakIt: (set: ManifestSet) => void;
}

const BROKEN: readonly Broken[] = [
  // schema (kubernetes-models / Argo v4 models)
  { why: 'a string where the schema wants an integer', rule: 'schema', message: /startingDeadlineSeconds must be integer/, breakIt: (s) => { cron(s).startingDeadlineSeconds = '3600'; } },
  { why: 'a concurrencyPolicy outside the enum', rule: 'schema', message: /concurrencyPolicy must be equal to one of the allowed values/, breakIt: (s) => { cron(s).concurrencyPolicy = 'Never'; } },
  { why: 'the CronWorkflow without schedules', rule: 'schema', message: /spec must have required property schedules/, breakIt: (s) => { delete cron(s).schedules; } },
  { why: 'a Role rule without verbs', rule: 'schema', message: /rules\/0 must have required property verbs/, breakIt: (s) => { delete doc(s, 'Role').rules[0].verbs; } },
  { why: 'a kind that does not belong here', rule: 'schema', message: /no model for apps\/v1\/Deployment/, breakIt: (s) => { s.manifests.push({ file: 'k8s/extra.yaml', doc: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', namespace: 'xetra', labels: { 'app.kubernetes.io/name': 'xetra-etl' } } } }); } },
  // unknown fields (the models let these through)
  { why: 'spec.timeZone instead of spec.timezone', rule: 'unknown-fields', message: /spec\.timeZone: unknown field 'timeZone' \(did you mean 'timezone'\?\)/, breakIt: (s) => { cron(s).timeZone = 'Europe/Berlin'; } },
  { why: 'a typo deep in the container securityContext', rule: 'unknown-fields', message: /securityContext\.readOnlyRootFileSystem: unknown field/, breakIt: (s) => { container(s).securityContext.readOnlyRootFileSystem = true; } },
  { why: 'a typo in a ConfigMap volume', rule: 'unknown-fields', message: /volumes\[0\]\.configMap\.nmae: unknown field/, breakIt: (s) => { cron(s).workflowSpec.volumes[0].configMap.nmae = 'xetra-config'; } },
  { why: 'an unknown top-level field of a RoleBinding', rule: 'unknown-fields', message: /subject: unknown field/, breakIt: (s) => { doc(s, 'RoleBinding').subject = []; } },
  // names
  { why: 'an upper-case name', rule: 'names', message: /'Xetra-ETL-weekly' is not a DNS-1123 label/, breakIt: (s) => { doc(s, 'CronWorkflow').metadata.name = 'Xetra-ETL-weekly'; } },
  { why: 'a manifest in another namespace', rule: 'names', message: /metadata.namespace is 'argo'/, breakIt: (s) => { doc(s, 'ServiceAccount').metadata.namespace = 'argo'; } },
  { why: 'the app label missing', rule: 'names', message: /label app.kubernetes.io\/name/, breakIt: (s) => { delete doc(s, 'Role').metadata.labels; } },
  // cron
  { why: "the original's schedule: every hour on Saturdays", rule: 'cron', message: /fires 24 times a week/, breakIt: (s) => { cron(s).schedules = ['0 * * * 6']; } },
  { why: 'the singular schedule removed in Argo v4', rule: 'cron', message: /spec\.schedule \(singular\)/, breakIt: (s) => { cron(s).schedule = '0 6 * * 6'; } },
  { why: 'a named weekday', rule: 'cron', message: /'SAT' is not numeric cron/, breakIt: (s) => { cron(s).schedules = ['0 6 * * SAT']; } },
  { why: 'a run in the DST switch hour', rule: 'cron', message: /inside the DST switch window/, breakIt: (s) => { cron(s).schedules = ['30 2 * * 0']; } },
  { why: 'an out-of-range hour', rule: 'cron', message: /out of range 0-23/, breakIt: (s) => { cron(s).schedules = ['0 24 * * 6']; } },
  { why: 'a monthly schedule', rule: 'cron', message: /restricts day of month/, breakIt: (s) => { cron(s).schedules = ['0 6 1 * *']; } },
  // timezone
  { why: 'no timezone (the controller\'s zone decides)', rule: 'timezone', message: /spec.timezone must be set/, breakIt: (s) => { delete cron(s).timezone; } },
  { why: 'a made-up zone', rule: 'timezone', message: /not an IANA time zone/, breakIt: (s) => { cron(s).timezone = 'Europe/Frankfurt'; } },
  { why: 'a non-canonical spelling', rule: 'timezone', message: /not the canonical IANA name/, breakIt: (s) => { cron(s).timezone = 'europe/berlin'; } },
  // run policy
  { why: 'concurrencyPolicy Allow', rule: 'run-policy', message: /use Forbid/, breakIt: (s) => { cron(s).concurrencyPolicy = 'Allow'; } },
  { why: 'no workflow deadline', rule: 'run-policy', message: /workflowSpec.activeDeadlineSeconds must be set/, breakIt: (s) => { delete cron(s).workflowSpec.activeDeadlineSeconds; } },
  { why: 'no startingDeadlineSeconds', rule: 'run-policy', message: /startingDeadlineSeconds must be set/, breakIt: (s) => { delete cron(s).startingDeadlineSeconds; } },
  { why: 'no history limit', rule: 'run-policy', message: /failedJobsHistoryLimit must be 1..10/, breakIt: (s) => { delete cron(s).failedJobsHistoryLimit; } },
  { why: 'no retry strategy', rule: 'run-policy', message: /needs a retryStrategy/, breakIt: (s) => { delete template(s).retryStrategy; } },
  { why: 'retries without back-off', rule: 'run-policy', message: /backoff needs duration and factor/, breakIt: (s) => { delete template(s).retryStrategy.backoff; } },
  { why: 'retrying a config error (exit 2)', rule: 'run-policy', message: /retries exit 2/, breakIt: (s) => { template(s).retryStrategy.expression = 'true'; } },
  { why: 'not retrying pod errors', rule: 'run-policy', message: /does not retry pod errors/, breakIt: (s) => { template(s).retryStrategy.expression = 'lastRetry.status == "Failed" && asInt(lastRetry.exitCode) == 1'; } },
  // security context
  { why: 'running as root', rule: 'security-context', message: /runAsUser\/runAsGroup must be 1000/, breakIt: (s) => { container(s).securityContext.runAsUser = 0; } },
  { why: 'a writable root file system', rule: 'security-context', message: /readOnlyRootFilesystem must be true/, breakIt: (s) => { container(s).securityContext.readOnlyRootFilesystem = false; } },
  { why: 'privilege escalation allowed', rule: 'security-context', message: /allowPrivilegeEscalation must be false/, breakIt: (s) => { delete container(s).securityContext.allowPrivilegeEscalation; } },
  { why: 'an added capability', rule: 'security-context', message: /capabilities must drop ALL and add none/, breakIt: (s) => { container(s).securityContext.capabilities.add = ['NET_ADMIN']; } },
  { why: 'the config mounted writable', rule: 'security-context', message: /volumeMount config at \/config is writable/, breakIt: (s) => { delete container(s).volumeMounts[0].readOnly; } },
  { why: 'no pod-level runAsNonRoot', rule: 'security-context', message: /workflowSpec.securityContext.runAsNonRoot/, breakIt: (s) => { delete cron(s).workflowSpec.securityContext.runAsNonRoot; } },
  // resources
  { why: 'no memory limit', rule: 'resources', message: /resources.limits.memory must be set/, breakIt: (s) => { delete container(s).resources.limits.memory; } },
  { why: 'a request above its limit', rule: 'resources', message: /requests.memory is above resources.limits.memory/, breakIt: (s) => { container(s).resources.requests.memory = '1Gi'; } },
  // references
  { why: 'a ServiceAccount that does not exist', rule: 'references', message: /serviceAccountName 'argo' is not a ServiceAccount/, breakIt: (s) => { cron(s).workflowSpec.serviceAccountName = 'argo'; } },
  { why: 'a RoleBinding to a missing Role', rule: 'references', message: /roleRef Role\/argo-role is not a Role/, breakIt: (s) => { doc(s, 'RoleBinding').roleRef.name = 'argo-role'; } },
  { why: 'a Role granting more than the executor needs', rule: 'references', message: /must grant exactly workflowtaskresults create\/patch/, breakIt: (s) => { doc(s, 'Role').rules[0].verbs.push('delete'); } },
  { why: 'a ConfigMap volume naming a missing ConfigMap', rule: 'references', message: /ConfigMap xetra-config-v2 is not in k8s/, breakIt: (s) => { cron(s).workflowSpec.volumes[0].configMap.name = 'xetra-config-v2'; } },
  { why: 'a secretKeyRef to a missing Secret (the original\'s name)', rule: 'references', message: /Secret xetra-secrets is not in k8s/, breakIt: (s) => { container(s).env[0].valueFrom.secretKeyRef.name = 'xetra-secrets'; } },
  { why: 'a secretKeyRef to a missing key', rule: 'references', message: /has no key AWS_SESSION_TOKEN/, breakIt: (s) => { container(s).env[1].valueFrom.secretKeyRef.key = 'AWS_SESSION_TOKEN'; } },
  { why: 'a volumeMount naming no volume', rule: 'references', message: /volumeMount scratch names no volume/, breakIt: (s) => { container(s).volumeMounts.push({ name: 'scratch', mountPath: '/scratch', readOnly: true }); } },
  // kustomization
  { why: 'a manifest left out of the kustomization', rule: 'kustomization', message: /role.yaml is not in the kustomization/, breakIt: (s) => { s.kustomization.resources = s.kustomization.resources.filter((r: string) => r !== 'role.yaml'); } },
  { why: 'the example Secret in the kustomization', rule: 'kustomization', message: /secret.example.yaml must not be in the kustomization/, breakIt: (s) => { s.kustomization.resources.push('secret.example.yaml'); } },
  { why: 'a resource that is not a file', rule: 'kustomization', message: /lists cronwf.yaml, which is not a manifest/, breakIt: (s) => { s.kustomization.resources.push('cronwf.yaml'); } },
  // example secret
  { why: 'a real-looking key in the example Secret', rule: 'example-secret', message: /stringData.AWS_ACCESS_KEY_ID must be the placeholder/, breakIt: (s) => { doc(s, 'Secret').stringData.AWS_ACCESS_KEY_ID = 'AKIAABCDEFGHIJKLMNOP'; } },
  { why: 'base64 data in the example Secret', rule: 'example-secret', message: /use stringData with placeholders/, breakIt: (s) => { doc(s, 'Secret').data = { AWS_ACCESS_KEY_ID: 'QUtJQQ==' }; } },
  // config map
  { why: 'the ConfigMap drifting from configs/prod.yml', rule: 'config-map', message: /differs from configs\/prod.yml/, breakIt: (s) => { doc(s, 'ConfigMap').data['prod.yml'] = s.prodConfigText.replace('xetra-1234', 'xetra-9999'); } },
  { why: "the original's mis-indented logging (handlers at the top level)", rule: 'config-map', message: /the job would refuse this config: .*handlers/, breakIt: (s) => { doc(s, 'ConfigMap').data['prod.yml'] = s.prodConfigText + 'handlers:\n  console: {}\n'; } },
  { why: 'logging turned down so argo logs shows nothing', rule: 'config-map', message: /hides the job's progress/, breakIt: (s) => { doc(s, 'ConfigMap').data['prod.yml'] = s.prodConfigText.replace("level: 'info'", "level: 'error'"); } },
  { why: 'the config under another key', rule: 'config-map', message: /data must hold exactly prod.yml/, breakIt: (s) => { doc(s, 'ConfigMap').data = { 'xetra-config': s.prodConfigText }; } },
  { why: 'the ConfigMap file edited by hand', rule: 'config-map', message: /edited by hand/, breakIt: (s) => { (s as { configMapText: string }).configMapText = s.configMapText.replace('# GENERATED', '# edited'); } },
  // config path
  { why: '--config pointing at a file the ConfigMap lacks', rule: 'config-path', message: /--config \/config\/xetra-config: ConfigMap xetra-config mounted at \/config has no xetra-config/, breakIt: (s) => { container(s).args = ['--config', '/config/xetra-config']; } },
  { why: '--config outside the mount', rule: 'config-path', message: /is not inside a ConfigMap volume mount/, breakIt: (s) => { container(s).args = ['--config', '/code/configs/prod.yml']; } },
  { why: 'no args (with command set, the image CMD is dropped)', rule: 'config-path', message: /args must pass --config PATH/, breakIt: (s) => { delete container(s).args; } },
  // command
  { why: 'no command (Argo would look the ENTRYPOINT up in a registry)', rule: 'command-matches-image', message: /container.command undefined must equal the Dockerfile ENTRYPOINT/, breakIt: (s) => { delete container(s).command; } },
  { why: "the original's bash command", rule: 'command-matches-image', message: /container.command \["bash"\]/, breakIt: (s) => { container(s).command = ['bash']; } },
  { why: 'a Dockerfile whose ENTRYPOINT moved', rule: 'command-matches-image', message: /must equal the Dockerfile ENTRYPOINT \["node","\/app\/dist\/cli.js"\]/, breakIt: (s) => { (s as { dockerfile: string }).dockerfile = s.dockerfile.replace('ENTRYPOINT ["node", "dist/cli.js"]', 'ENTRYPOINT ["node", "/app/dist/cli.js"]'); } },
  { why: 'another working directory', rule: 'command-matches-image', message: /workingDir \/code must equal the Dockerfile WORKDIR \/app/, breakIt: (s) => { container(s).workingDir = '/code'; } },
  // image
  { why: 'an image tag behind package.json', rule: 'image-tag', message: /tag 0.9.0 must equal package.json's version/, breakIt: (s) => { container(s).image = 'docker.io/library/xetra-etl:0.9.0'; } },
  { why: "the original's Docker Hub image", rule: 'image-tag', message: /must be docker.io\/library\/xetra-etl:<version>/, breakIt: (s) => { container(s).image = 'schwarzl87/xetra-etl:1.0'; } },
  { why: 'imagePullPolicy Always', rule: 'image-tag', message: /imagePullPolicy must be IfNotPresent/, breakIt: (s) => { container(s).imagePullPolicy = 'Always'; } },
];

describe('the manifests in k8s/ and argo/', () => {
  it('load: namespace, RBAC, ConfigMap, example Secret and the CronWorkflow', () => {
    expect(original.manifests.map((m) => `${String(m.doc.kind)}/${String(m.doc.metadata?.name)}`).sort()).toEqual([
      'ConfigMap/xetra-config',
      'CronWorkflow/xetra-etl-weekly',
      'Namespace/xetra',
      'Role/xetra-etl-executor',
      'RoleBinding/xetra-etl-executor',
      'Secret/xetra-aws',
      'ServiceAccount/xetra-etl',
    ]);
  });

  it('pass every rule', () => {
    expect(checkManifests(original)).toEqual([]);
  });
});

describe('each rule rejects a broken manifest', () => {
  it('every rule has at least one broken case', () => {
    const covered = new Set(BROKEN.map((b) => b.rule));
    expect(Object.keys(MANIFEST_RULES).filter((rule) => !covered.has(rule))).toEqual([]);
  });

  it.each(BROKEN.map((b) => [b.rule, b.why, b] as const))('%s: %s', (rule, _why, broken) => {
    const set = cloneSet(original);
    broken.breakIt(set);
    const problems = MANIFEST_RULES[rule]?.(set) ?? [];
    expect(problems.map((p) => p.message).join('\n')).toMatch(broken.message);
  });
});

describe('rule helpers', () => {
  it('weeklyFirings counts one firing per week for the shipped schedule, 24 for the original', () => {
    expect(weeklyFirings('0 6 * * 6').firings).toEqual(['6 6:0']);
    expect(weeklyFirings('0 * * * 6').firings).toHaveLength(24);
    expect(weeklyFirings('*/30 6 * * 1-5').firings).toHaveLength(10);
  });

  it('retries() evaluates the shipped expression like Argo would', () => {
    const expression = String(template(original).retryStrategy.expression);
    expect(retries(expression, { status: 'Failed', exitCode: '2' })).toBe(false);
    expect(retries(expression, { status: 'Failed', exitCode: '1' })).toBe(true);
    expect(retries(expression, { status: 'Failed', exitCode: '143' })).toBe(true);
    expect(retries(expression, { status: 'Error', exitCode: '' })).toBe(true);
    expect(() => retries('lastRetry.exitCode in [1]', { status: 'Failed', exitCode: '1' })).toThrow(/cannot evaluate/);
  });
});
