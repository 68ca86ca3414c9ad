import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const sampleRoot = path.join(repoRoot, 'sample/xetra');

export interface Workspace {
  readonly dir: string;
  readonly configPath: string;
  /** Folder of the source bucket `src` and the target bucket `trg`. */
  readonly srcDir: string;
  readonly trgDir: string;
  /** Every file in the target bucket, as sorted keys. */
  targetKeys(): Promise<string[]>;
  readTarget(key: string): Promise<Buffer>;
}

type Sections = Record<string, Record<string, unknown>>;

/**
 * A temp folder with a `file:` source and target bucket and a config derived from configs/local.yml.
 * `edit` changes the parsed config before it is written; `files` seeds the source bucket.
 */
export async function makeWorkspace(options: { files?: Record<string, string | Uint8Array>; sampleDates?: string[]; edit?: (config: Sections) => void } = {}): Promise<Workspace> {
  const dir = await mkdtemp(path.join(tmpdir(), 'xetra-etl-'));
  const srcDir = path.join(dir, 'buckets/src');
  const trgDir = path.join(dir, 'buckets/trg');
  await mkdir(srcDir, { recursive: true });
  await mkdir(trgDir, { recursive: true });
  for (const date of options.sampleDates ?? []) await cp(path.join(sampleRoot, date), path.join(srcDir, date), { recursive: true });
  for (const [key, body] of Object.entries(options.files ?? {})) {
    await mkdir(path.dirname(path.join(srcDir, key)), { recursive: true });
    await writeFile(path.join(srcDir, key), body);
  }
  const config = parse(await readFile(path.join(repoRoot, 'configs/local.yml'), 'utf8')) as Sections;
  Object.assign(config.s3 ?? {}, { src_endpoint_url: 'file:buckets', src_bucket: 'src', trg_endpoint_url: 'file:buckets', trg_bucket: 'trg' });
  Object.assign(config.logging ?? {}, { level: 'silent' });
  options.edit?.(config);
  const configPath = path.join(dir, 'config.yml');
  await writeFile(configPath, stringify(config));
  return {
    dir,
    configPath,
    srcDir,
    trgDir,
    targetKeys: () => listFiles(trgDir),
    readTarget: (key) => readFile(path.join(trgDir, key)),
  };
}

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}
