// The Dockerfile policy, as rules over the dockerfile-ast parse of the file (and its .dockerignore). Each rule
// returns problems; tests/deploy/dockerfile-policy.test.ts runs them on the real files and on broken copies.
import { DockerfileParser, type Instruction, type JSONInstruction, ModifiableInstruction } from 'dockerfile-ast';

export interface Problem {
  readonly rule: string;
  readonly message: string;
}

export interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

export interface ParsedDockerfile {
  readonly stages: readonly Stage[];
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const stages: { image: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const from = DockerfileParser.parse(instruction.toString()).getFROMs()[0];
      stages.push({ image: from?.getImage() ?? '', name: from?.getBuildStage() ?? undefined, instructions: [] });
    }
    stages.at(-1)?.instructions.push(instruction);
  }
  return { stages };
}

/** The arguments of an exec-form (JSON array) instruction; undefined for the shell form. */
export function execForm(instruction: Instruction | undefined): string[] | undefined {
  const json = instruction as JSONInstruction | undefined;
  if (!json || typeof json.getOpeningBracket !== 'function' || json.getOpeningBracket() === null) return undefined;
  return json.getJSONStrings().map((s) => s.getJSONValue());
}

const of = (stage: Stage | undefined, keyword: string): Instruction[] => stage?.instructions.filter((i) => i.getKeyword() === keyword) ?? [];
const text = (i: Instruction): string => i.getRawArgumentsContent() ?? '';
/** The value of a flag such as COPY's --from (dockerfile-ast keeps flags apart from the arguments). */
const flag = (i: Instruction, name: string): string | undefined =>
  i instanceof ModifiableInstruction ? (i.getFlags().find((f) => f.getName() === name)?.getValue() ?? undefined) : undefined;

/** What the final stage runs, for the manifest checks (command, args, working directory). */
export function finalStage(parsed: ParsedDockerfile): { entrypoint?: string[]; cmd?: string[]; workdir?: string; user?: string } {
  const last = parsed.stages.at(-1);
  return {
    entrypoint: execForm(of(last, 'ENTRYPOINT').at(-1)),
    cmd: execForm(of(last, 'CMD').at(-1)),
    workdir: of(last, 'WORKDIR').map(text).at(-1),
    user: of(last, 'USER').map(text).at(-1),
  };
}

/** node:<x.y.z>-bookworm-slim with an even (LTS) major that is still maintained: 22 or 24. */
const PINNED_LTS_BASE = /^node:(22|24)\.\d+\.\d+-bookworm-slim$/;

export const DOCKERFILE_RULES: Readonly<Record<string, (d: ParsedDockerfile, dockerignore: string) => string[]>> = {
  'multi-stage': (d) => {
    const out: string[] = [];
    if (d.stages.length < 2) out.push(`${d.stages.length} stage(s): build and runtime must be separate stages`);
    if (d.stages.slice(0, -1).some((s) => s.name === undefined)) out.push('every stage but the last needs a name (FROM ... AS build)');
    const last = d.stages.at(-1);
    for (const copy of of(last, 'COPY')) {
      const from = flag(copy, 'from');
      if (from !== undefined && !/^\/app\/dist\s+\.\/dist$/.test(text(copy))) out.push(`the runtime stage may take only /app/dist from ${from}: '${text(copy)}'`);
    }
    return out;
  },
  'pinned-lts-base': (d) => {
    const out: string[] = [];
    for (const stage of d.stages) {
      if (!PINNED_LTS_BASE.test(stage.image)) out.push(`FROM ${stage.image}: use a pinned maintained Node LTS, node:<22|24>.<minor>.<patch>-bookworm-slim`);
    }
    if (new Set(d.stages.map((s) => s.image)).size > 1) out.push(`the stages use different bases (${[...new Set(d.stages.map((s) => s.image))].join(', ')})`);
    return out;
  },
  'build-stage': (d) => {
    const runs = d.stages.slice(0, -1).flatMap((s) => of(s, 'RUN').map(text));
    const out: string[] = [];
    if (!runs.some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r))) out.push('the build stage must install with `npm ci` (dev dependencies included)');
    if (!runs.some((r) => /\bnpm run build\b|\btsc\b/.test(r))) out.push('the build stage must compile with `npm run build` (tsc)');
    return out;
  },
  'runtime-deps': (d) => {
    const runs = of(d.stages.at(-1), 'RUN').map(text);
    const out: string[] = [];
    if (!runs.some((r) => /\bnpm ci\b[^&|;]*--omit=dev/.test(r))) out.push('the runtime stage must install with `npm ci --omit=dev`');
    for (const r of runs) {
      if (/\bnpm (install|i|add)\b/.test(r)) out.push(`'${r}': use npm ci (the lock file), not npm install`);
      if (/\bnpm run build\b|\btsc\b/.test(r)) out.push(`'${r}': the runtime stage does not build`);
    }
    return out;
  },
  'node-env-production': (d) => {
    const envs = of(d.stages.at(-1), 'ENV').map(text);
    return envs.some((e) => /^NODE_ENV[= ]production$/.test(e.trim())) ? [] : ['the runtime stage must set ENV NODE_ENV=production'];
  },
  'malloc-arenas': (d) => {
    const envs = of(d.stages.at(-1), 'ENV').map(text);
    return envs.some((e) => /^MALLOC_ARENA_MAX[= ]2$/.test(e.trim())) ? [] : ['the runtime stage must set ENV MALLOC_ARENA_MAX=2 (docs/runbook.md, resources)'];
  },
  'non-root-user': (d) => {
    const last = d.stages.at(-1);
    const users = of(last, 'USER').map(text);
    const out: string[] = [];
    if (users.at(-1) !== 'node') out.push(`the runtime stage must end as USER node (the image's uid 1000), not ${users.at(-1) ?? 'root (no USER)'}`);
    const instructions = last?.instructions ?? [];
    const lastUser = instructions.findLastIndex((i) => i.getKeyword() === 'USER');
    if (instructions.some((i, k) => k > lastUser && (i.getKeyword() === 'RUN' || i.getKeyword() === 'COPY'))) out.push('USER node must come after every RUN and COPY of the runtime stage');
    return out;
  },
  'exec-entrypoint': (d) => {
    const last = d.stages.at(-1);
    const out: string[] = [];
    const entrypoints = of(last, 'ENTRYPOINT');
    const cmds = of(last, 'CMD');
    if (entrypoints.length !== 1) out.push(`the runtime stage needs exactly one ENTRYPOINT (has ${entrypoints.length})`);
    if (cmds.length !== 1) out.push(`the runtime stage needs exactly one CMD (has ${cmds.length})`);
    const entrypoint = execForm(entrypoints.at(-1));
    const cmd = execForm(cmds.at(-1));
    if (JSON.stringify(entrypoint) !== JSON.stringify(['node', 'dist/cli.js'])) out.push(`ENTRYPOINT must be the exec form ["node", "dist/cli.js"], got ${entrypoint ? JSON.stringify(entrypoint) : 'the shell form'}`);
    if (JSON.stringify(cmd) !== JSON.stringify(['--config', '/config/prod.yml'])) out.push(`CMD must be the exec form ["--config", "/config/prod.yml"], got ${cmd ? JSON.stringify(cmd) : 'the shell form'}`);
    const workdir = of(last, 'WORKDIR').map(text).at(-1);
    if (workdir !== '/app') out.push(`the runtime stage's WORKDIR must be /app (ENTRYPOINT's dist/cli.js is relative to it), got ${workdir ?? 'none'}`);
    return out;
  },
  'default-config': (d) => {
    // The original shipped no config in the image; this one carries configs/prod.yml where CMD looks for it.
    const copies = of(d.stages.at(-1), 'COPY').map(text);
    return copies.some((c) => /^configs\/prod\.yml\s+\/config\/prod\.yml$/.test(c)) ? [] : ['the runtime stage must COPY configs/prod.yml /config/prod.yml (the path CMD names)'];
  },
  'no-secrets-or-add': (d) => {
    const out: string[] = [];
    for (const stage of d.stages) {
      for (const i of stage.instructions) {
        if (i.getKeyword() === 'ADD') out.push(`ADD ${text(i)}: use COPY (ADD fetches URLs and unpacks archives)`);
        if ((i.getKeyword() === 'ENV' || i.getKeyword() === 'ARG') && /(AWS_|SECRET|TOKEN|PASSWORD|CREDENTIAL)/i.test(text(i))) out.push(`${i.getKeyword()} ${text(i)}: no credentials in the image; they come from the environment at run time`);
      }
    }
    return out;
  },
  dockerignore: (_d, dockerignore) => {
    const lines = dockerignore.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    const out: string[] = [];
    if (lines[0] !== '*') out.push('.dockerignore must start with `*` (an allow-list)');
    const allowed = lines.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    const expected = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs', 'scripts/warm-s3-code.ts', 'src', 'configs/prod.yml'];
    for (const e of expected) if (!allowed.includes(e)) out.push(`.dockerignore must let ${e} in`);
    for (const a of allowed) if (!expected.includes(a)) out.push(`.dockerignore lets ${a} into the build context; only ${expected.join(', ')} are needed`);
    return out;
  },
};

export function checkDockerfile(dockerfile: string, dockerignore: string): Problem[] {
  const parsed = parseDockerfile(dockerfile);
  return Object.entries(DOCKERFILE_RULES).flatMap(([rule, check]) => check(parsed, dockerignore).map((message) => ({ rule, message })));
}
