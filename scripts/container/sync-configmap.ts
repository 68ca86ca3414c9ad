// Writes k8s/configmap.yaml from configs/prod.yml, so the job config the cluster mounts is the file in the
// repository, byte for byte. tests/deploy/manifests.test.ts fails when the two drift apart.
//
//   npx tsx scripts/container/sync-configmap.ts
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const PROD_CONFIG = path.join(repoRoot, 'configs', 'prod.yml');
export const CONFIG_MAP = path.join(repoRoot, 'k8s', 'configmap.yaml');

/** The ConfigMap manifest holding `prodYml` under the key prod.yml (a literal block keeps it byte-identical). */
export function renderConfigMap(prodYml: string): string {
  if (!prodYml.endsWith('\n') || prodYml.endsWith('\n\n')) throw new Error('configs/prod.yml must end with exactly one newline');
  if (/[ \t]$/m.test(prodYml) || prodYml.includes('\t')) throw new Error('configs/prod.yml must have no tabs and no trailing spaces');
  const body = prodYml
    .slice(0, -1)
    .split('\n')
    .map((line) => (line === '' ? '' : `    ${line}`))
    .join('\n');
  return [
    '# GENERATED from configs/prod.yml by `npx tsx scripts/container/sync-configmap.ts`: edit that file, not this one.',
    '# Mounted at /config in the CronWorkflow, so the job reads it as /config/prod.yml.',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: xetra-config',
    '  namespace: xetra',
    '  labels:',
    '    app.kubernetes.io/name: xetra-etl',
    'data:',
    '  prod.yml: |',
    body,
    '',
  ].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(CONFIG_MAP, renderConfigMap(readFileSync(PROD_CONFIG, 'utf8')));
  console.log(`wrote ${path.relative(repoRoot, CONFIG_MAP)} from ${path.relative(repoRoot, PROD_CONFIG)}`);
}
