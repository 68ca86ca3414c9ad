import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listFiles, writeJobConfig } from './run-cli.js';

export interface Workspace {
  readonly dir: string;
  readonly configPath: string;
  /** Folder of the source bucket `src` and the target bucket `trg`. */
  readonly srcDir: string;
  readonly trgDir: string;
  /** Every file in the target bucket, as sorted keys. */
  targetKeys(): Promise<string[]>;
}

/**
 * A temp folder with a `file:` source bucket seeded from `files`, an empty
 * target bucket, and a silent config derived from configs/local.yml, changed by `edit`.
 */
export async function makeWorkspace(options: { files?: Record<string, string | Uint8Array>; edit?: (config: Record<string, Record<string, unknown>>) => void } = {}): Promise<Workspace> {
  const dir = await mkdtemp(path.join(tmpdir(), 'xetra-etl-'));
  const srcDir = path.join(dir, 'buckets/src');
  const trgDir = path.join(dir, 'buckets/trg');
  await mkdir(srcDir, { recursive: true });
  for (const [key, body] of Object.entries(options.files ?? {})) {
    await mkdir(path.dirname(path.join(srcDir, key)), { recursive: true });
    await writeFile(path.join(srcDir, key), body);
  }
  const configPath = await writeJobConfig(dir, { sourceBucketDir: srcDir, targetBucketDir: trgDir, logLevel: 'silent', ...(options.edit ? { edit: options.edit } : {}) });
  return {
    dir,
    configPath,
    srcDir,
    trgDir,
    targetKeys: () => listFiles(trgDir),
  };
}
