// The release workflow cannot run here (no GitHub runner, no registry); this checks its structure: it runs on
// version tags only, tests before it publishes, builds this repository's Dockerfile, and tags the image with
// package.json's version and the commit SHA, with credentials from the repository's secrets.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './manifest-rules.js';

interface Step {
  uses?: string;
  run?: string;
  id?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: { push?: { tags?: string[]; branches?: string[] }; [event: string]: unknown };
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = parse(readFileSync(path.join(repoRoot, '.github/workflows/release.yml'), 'utf8')) as Workflow;
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
const steps = (job: string): Step[] => workflow.jobs[job]?.steps ?? [];
const runs = (job: string): string => steps(job).map((s) => s.run ?? '').join('\n');
const buildStep = (): Step | undefined => steps('publish').find((s) => s.uses?.startsWith('docker/build-push-action@'));

/** GitHub's tag filter glob, enough of it for these patterns: `*` is any run of characters but '/'. */
const globMatches = (glob: string, ref: string): boolean => new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`).test(ref);

describe('the release workflow', () => {
  it('runs on version tags only, and the current version would trigger it', () => {
    expect(Object.keys(workflow.on)).toEqual(['push']);
    expect(workflow.on.push?.branches).toBeUndefined();
    const tags = workflow.on.push?.tags ?? [];
    expect(tags).toEqual(['v*.*.*']);
    expect(tags.some((t) => globMatches(t, `v${pkg.version}`))).toBe(true);
    expect(tags.some((t) => globMatches(t, 'main'))).toBe(false);
  });

  it('tests (lint, types, the whole suite) before anything is published', () => {
    expect(runs('test')).toMatch(/npm ci/);
    for (const command of ['npm run lint', 'npm run typecheck', 'npm test']) expect(runs('test')).toContain(command);
    expect(workflow.jobs.publish?.needs).toBe('test');
  });

  it('checks that the tag is package.json\'s version, in both jobs', () => {
    for (const job of ['test', 'publish']) expect(runs(job)).toContain('test "${GITHUB_REF_NAME#v}" = ');
    expect(runs('publish')).toContain(`version="$(node -p "require('./package.json').version")"`);
  });

  it("builds this repository's Dockerfile and pushes <version> and the commit SHA", () => {
    const build = buildStep();
    expect(build?.with).toMatchObject({ context: '.', file: './Dockerfile', push: true, tags: '${{ steps.image.outputs.tags }}' });
    const tagStep = steps('publish').find((s) => s.id === 'image');
    expect(tagStep?.run).toContain('echo "tags=${name}:${version},${name}:${GITHUB_SHA}" >> "$GITHUB_OUTPUT"');
    expect(tagStep?.run).toMatch(/name="ghcr\.io\/\$\{GITHUB_REPOSITORY_OWNER,,\}\/xetra-etl"/);
    // The image the CronWorkflow names is the same repository name and version.
    const cron = readFileSync(path.join(repoRoot, 'argo/cronwf-xetra-etl.yaml'), 'utf8');
    expect(cron).toContain(`image: docker.io/library/xetra-etl:${pkg.version}`);
  });

  it('logs in with the repository token, and only the publish job may write packages', () => {
    const login = steps('publish').find((s) => s.uses?.startsWith('docker/login-action@'));
    expect(login?.with).toEqual({ registry: 'ghcr.io', username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' });
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(workflow.jobs.publish?.permissions).toEqual({ contents: 'read', packages: 'write' });
    expect(workflow.jobs.test?.permissions).toBeUndefined();
    // No credential is written into the file itself.
    expect(JSON.stringify(workflow)).not.toMatch(/AKIA|ghp_|password: [^$]/);
  });

  it('pins every action to a major version', () => {
    const uses = Object.keys(workflow.jobs).flatMap((job) => steps(job).flatMap((s) => (s.uses ? [s.uses] : [])));
    expect(uses.length).toBeGreaterThan(0);
    for (const action of uses) expect(action).toMatch(/^[\w-]+\/[\w-]+@v\d+$/);
  });
});
