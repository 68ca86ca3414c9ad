// The Dockerfile policy (dockerfile-ast): the real Dockerfile and .dockerignore pass every rule, and for each
// rule a broken copy is rejected by that rule. The image itself is built and run by scripts/container/ci.sh.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDockerfile, DOCKERFILE_RULES, finalStage, parseDockerfile } from './dockerfile-rules.js';
import { repoRoot } from './manifest-rules.js';

const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8');

interface Broken {
  readonly why: string;
  readonly rule: keyof typeof DOCKERFILE_RULES;
  readonly message: RegExp;
  /** The broken Dockerfile (or .dockerignore) from the real one. */
  readonly dockerfile?: (text: string) => string;
  readonly dockerignore?: (text: string) => string;
}

/** Replaces `from` (which must be there) by `to`, so a case can never silently stop breaking anything. */
function swap(from: string | RegExp, to: string): (text: string) => string {
  return (text) => {
    const out = text.replace(from, to);
    if (out === text) throw new Error(`'${String(from)}' is not in the file any more; update this case`);
    return out;
  };
}

const runtimeFrom = /FROM (\S+) AS runtime/;

const BROKEN: readonly Broken[] = [
  { why: 'one stage for build and runtime', rule: 'multi-stage', message: /1 stage\(s\)/, dockerfile: (t) => t.slice(0, t.indexOf('FROM ', t.indexOf('AS build') + 1)) + 'USER node\nENTRYPOINT ["node", "dist/cli.js"]\nCMD ["--config", "/config/prod.yml"]\n' },
  { why: 'the runtime copying node_modules from the build stage', rule: 'multi-stage', message: /may take only \/app\/dist from build/, dockerfile: swap('COPY --from=build /app/dist ./dist', 'COPY --from=build /app ./') },
  { why: 'an unnamed build stage', rule: 'multi-stage', message: /needs a name/, dockerfile: swap(' AS build', '') },
  { why: 'the original base image (Python 3.9 buster)', rule: 'pinned-lts-base', message: /FROM python:3.9-slim-buster/, dockerfile: swap(runtimeFrom, 'FROM python:3.9-slim-buster AS runtime') },
  { why: 'an unpinned tag', rule: 'pinned-lts-base', message: /FROM node:24-bookworm-slim: use a pinned/, dockerfile: swap(runtimeFrom, 'FROM node:24-bookworm-slim AS runtime') },
  { why: 'an end-of-life Node', rule: 'pinned-lts-base', message: /FROM node:20.19.5-bookworm-slim/, dockerfile: swap(runtimeFrom, 'FROM node:20.19.5-bookworm-slim AS runtime') },
  { why: 'latest', rule: 'pinned-lts-base', message: /node:latest/, dockerfile: swap(runtimeFrom, 'FROM node:latest AS runtime') },
  { why: 'two different bases', rule: 'pinned-lts-base', message: /different bases/, dockerfile: swap(runtimeFrom, 'FROM node:22.23.3-bookworm-slim AS runtime') },
  { why: 'a build stage that does not compile', rule: 'build-stage', message: /must compile with `npm run build`/, dockerfile: swap('RUN npm run build\n', '') },
  { why: 'a build stage installing without the lock file', rule: 'build-stage', message: /must install with `npm ci`/, dockerfile: swap('npm ci --no-audit --no-fund --ignore-scripts\n', 'npm install\n') },
  { why: 'dev dependencies in the runtime', rule: 'runtime-deps', message: /must install with `npm ci --omit=dev`/, dockerfile: swap('npm ci --omit=dev', 'npm ci') },
  { why: 'npm install in the runtime', rule: 'runtime-deps', message: /use npm ci \(the lock file\), not npm install/, dockerfile: swap('npm ci --omit=dev', 'npm install --omit=dev') },
  { why: 'no NODE_ENV', rule: 'node-env-production', message: /ENV NODE_ENV=production/, dockerfile: swap('ENV NODE_ENV=production\n', '') },
  { why: 'one malloc arena per thread', rule: 'malloc-arenas', message: /ENV MALLOC_ARENA_MAX=2/, dockerfile: swap('ENV MALLOC_ARENA_MAX=2\n', '') },
  { why: 'root (no USER), as the original', rule: 'non-root-user', message: /must end as USER node .* not root \(no USER\)/, dockerfile: swap('USER node\n', '') },
  { why: 'USER root', rule: 'non-root-user', message: /not root/, dockerfile: swap('USER node\n', 'USER root\n') },
  { why: 'a COPY after USER', rule: 'non-root-user', message: /after every RUN and COPY/, dockerfile: swap('USER node\n', 'USER node\nCOPY configs/prod.yml /config/other.yml\n') },
  { why: 'no ENTRYPOINT, as the original', rule: 'exec-entrypoint', message: /exactly one ENTRYPOINT \(has 0\)/, dockerfile: swap('ENTRYPOINT ["node", "dist/cli.js"]\n', '') },
  { why: 'a shell-form ENTRYPOINT (SIGTERM would go to sh, not node)', rule: 'exec-entrypoint', message: /got the shell form/, dockerfile: swap('ENTRYPOINT ["node", "dist/cli.js"]', 'ENTRYPOINT node dist/cli.js') },
  { why: 'another CMD', rule: 'exec-entrypoint', message: /CMD must be the exec form \["--config", "\/config\/prod.yml"\], got \["\/code\/configs\/xetra-config"\]/, dockerfile: swap('CMD ["--config", "/config/prod.yml"]', 'CMD ["/code/configs/xetra-config"]') },
  { why: 'another WORKDIR', rule: 'exec-entrypoint', message: /WORKDIR must be \/app/, dockerfile: (t) => t.replace(/WORKDIR \/app\n(?![\s\S]*WORKDIR)/, 'WORKDIR /code\n') },
  { why: 'no config in the image, as the original', rule: 'default-config', message: /COPY configs\/prod.yml \/config\/prod.yml/, dockerfile: swap('COPY configs/prod.yml /config/prod.yml\n', '') },
  { why: 'ADD', rule: 'no-secrets-or-add', message: /ADD src \.\/src: use COPY/, dockerfile: swap('COPY src ./src', 'ADD src ./src') },
  { why: 'a credential in the image', rule: 'no-secrets-or-add', message: /ENV AWS_ACCESS_KEY_ID=x: no credentials/, dockerfile: swap('ENV NODE_ENV=production\n', 'ENV NODE_ENV=production\nENV AWS_ACCESS_KEY_ID=x\n') },
  { why: 'a deny-list .dockerignore', rule: 'dockerignore', message: /must start with `\*`/, dockerignore: () => 'node_modules\n.git\n' },
  { why: 'tests in the build context', rule: 'dockerignore', message: /lets tests into the build context/, dockerignore: (t) => `${t}!tests/\n` },
  { why: 'the default config kept out', rule: 'dockerignore', message: /must let configs\/prod.yml in/, dockerignore: swap('!configs/prod.yml\n', '') },
];

describe('the Dockerfile', () => {
  it('passes every policy rule', () => {
    expect(checkDockerfile(dockerfile, dockerignore)).toEqual([]);
  });

  it('runs node dist/cli.js --config /config/prod.yml as node in /app', () => {
    expect(finalStage(parseDockerfile(dockerfile))).toEqual({ entrypoint: ['node', 'dist/cli.js'], cmd: ['--config', '/config/prod.yml'], workdir: '/app', user: 'node' });
  });
});

describe('each Dockerfile rule rejects a broken copy', () => {
  it('every rule has at least one broken case', () => {
    const covered = new Set(BROKEN.map((b) => b.rule));
    expect(Object.keys(DOCKERFILE_RULES).filter((rule) => !covered.has(rule))).toEqual([]);
  });

  it.each(BROKEN.map((b) => [b.rule, b.why, b] as const))('%s: %s', (rule, _why, broken) => {
    const file = broken.dockerfile ? broken.dockerfile(dockerfile) : dockerfile;
    const ignore = broken.dockerignore ? broken.dockerignore(dockerignore) : dockerignore;
    const problems = checkDockerfile(file, ignore).filter((p) => p.rule === rule);
    expect(problems.map((p) => p.message).join('\n')).toMatch(broken.message);
  });
});
