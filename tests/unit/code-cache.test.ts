// The V8 code cache for a CommonJS bundle (src/common/code-cache.ts), in fresh Node processes as the job uses it:
// a cache is taken only for the very code it was made from, and the code runs the same with or without one.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from '../support/run-cli.js';

const helper = pathToFileURL(path.join(repoRoot, 'src/common/code-cache.ts')).href;

interface Loaded {
  cache: string;
  answer: number;
  name: string;
}

/** Loads `file` in a fresh process, calls its `answer()`, and with `save` writes the cache for the next one. */
function loadInFreshProcess(file: string, save = false): Loaded {
  const code = `
    import { requireWithCodeCache } from ${JSON.stringify(helper)};
    const loaded = requireWithCodeCache(${JSON.stringify(file)});
    console.log(JSON.stringify({ cache: loaded.cache, answer: loaded.exports.answer(), name: loaded.exports.name }));
    if (${save}) loaded.saveCodeCache();
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', cwd: repoRoot });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout.trim()) as Loaded;
}

const bundle = (factor: number): string => `const path = require('node:path');\nmodule.exports = { answer: () => ${factor} * 21, name: path.basename(__filename) };\n`;

describe('requireWithCodeCache', () => {
  it('runs a CommonJS file, then takes the cache written for it', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'code-cache-')), 'bundle.cjs');
    await writeFile(file, bundle(2));
    expect(loadInFreshProcess(file, true)).toEqual({ cache: 'absent', answer: 42, name: 'bundle.cjs' });
    expect(existsSync(`${file}.v8-cache`)).toBe(true);
    expect(loadInFreshProcess(file)).toEqual({ cache: 'accepted', answer: 42, name: 'bundle.cjs' });
  });

  it('never runs the code of a cache made for other code, even of the same length', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'code-cache-')), 'bundle.cjs');
    await writeFile(file, bundle(2));
    loadInFreshProcess(file, true);
    await writeFile(file, bundle(3));
    expect(loadInFreshProcess(file)).toEqual({ cache: 'rejected', answer: 63, name: 'bundle.cjs' });
  });

  it('compiles the file anew when V8 refuses the cache', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'code-cache-')), 'bundle.cjs');
    await writeFile(file, bundle(2));
    loadInFreshProcess(file, true);
    const saved = await readFile(`${file}.v8-cache`);
    saved.fill(7, 32); // the digest still matches; V8's data is garbage
    await writeFile(`${file}.v8-cache`, saved);
    expect(loadInFreshProcess(file)).toEqual({ cache: 'rejected', answer: 42, name: 'bundle.cjs' });
  });

  it('the build writes a cache for the S3 code that this Node takes', async () => {
    await ensureBuilt();
    const file = path.join(repoRoot, 'dist/s3-store.cjs');
    const code = `
      import { requireS3Bundle } from ${JSON.stringify(pathToFileURL(path.join(repoRoot, 'src/storage/open-store.ts')).href)};
      const { cache, exports } = requireS3Bundle(${JSON.stringify(file)});
      console.log(cache, typeof exports.S3Client, typeof exports.S3ObjectStore);
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', cwd: repoRoot, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('accepted function function');
    expect(readFileSync(`${file}.v8-cache`).byteLength).toBeGreaterThan(100_000);
  });
});
