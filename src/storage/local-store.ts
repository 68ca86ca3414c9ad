import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StorageError } from '../common/errors.js';
import { isCode } from './local-file.js';
import { compareKeys, type ObjectStore } from './object-store.js';

/** Uploads in progress are written under this name first, then renamed, and never listed. */
const PARTIAL_MARK = '.xetra-etl-partial-';

/** A bucket that is a folder: key `a/b.csv` is the file `<folder>/a/b.csv`. */
export class LocalObjectStore implements ObjectStore {
  constructor(
    private readonly folder: string,
    readonly location: string,
  ) {}

  async assertReachable(): Promise<void> {
    const info = await stat(this.folder).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw new StorageError(`bucket folder ${this.folder} does not exist; create it, or fix the endpoint url or bucket name in the config`);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    await this.walk('', prefix, keys);
    return keys.sort(compareKeys);
  }

  localFile(key: string): string {
    return this.pathOf(key);
  }

  async read(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const file = this.pathOf(key);
    // Opening first turns a missing file into "no such key" instead of a stream error later.
    const handle = await open(file, 'r').catch((error: unknown) => {
      if (isCode(error, 'ENOENT') || isCode(error, 'EISDIR')) return undefined;
      throw new StorageError(`cannot read ${this.location}/${key}: ${String(error)}`);
    });
    if (!handle) return undefined;
    if ((await handle.stat()).isDirectory()) {
      await handle.close();
      return undefined;
    }
    // 64 KiB chunks: larger ones measured slower (and more memory in flight to the parsing threads).
    return createReadStream(file, { fd: handle, highWaterMark: 1 << 16 });
  }

  async write(key: string, body: Uint8Array, _contentType?: string, signal?: AbortSignal): Promise<void> {
    const file = this.pathOf(key);
    const partial = path.join(path.dirname(file), `${PARTIAL_MARK}${String(process.pid)}-${path.basename(file)}`);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(partial, body, { signal });
      signal?.throwIfAborted();
      await rename(partial, file);
    } catch (error) {
      await rm(partial, { force: true });
      if (signal?.aborted) throw signal.reason;
      throw new StorageError(`cannot write ${this.location}/${key}: ${String(error)}`);
    }
  }

  async createExclusive(key: string, body: Uint8Array): Promise<boolean> {
    const file = this.pathOf(key);
    // A name of its own per call: two creates of one key in the same process must not share a partial file.
    const partial = path.join(path.dirname(file), `${PARTIAL_MARK}${String(process.pid)}-${randomUUID()}-${path.basename(file)}`);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(partial, body);
      // link() fails with EEXIST when the name is taken, atomically, and never shows a half-written file.
      await link(partial, file);
      return true;
    } catch (error) {
      if (isCode(error, 'EEXIST')) return false;
      throw new StorageError(`cannot create ${this.location}/${key}: ${String(error)}`);
    } finally {
      await rm(partial, { force: true });
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true }).catch((error: unknown) => {
      throw new StorageError(`cannot delete ${this.location}/${key}: ${String(error)}`);
    });
  }

  private pathOf(key: string): string {
    const parts = key.split('/');
    if (key === '' || key.startsWith('/') || parts.includes('..')) {
      throw new StorageError(`key '${key}' cannot be stored in a local folder bucket`);
    }
    return path.join(this.folder, ...parts);
  }

  /** Descends only into folders that can hold keys starting with `prefix`. */
  private async walk(relative: string, prefix: string, keys: string[]): Promise<void> {
    const entries = await readdir(path.join(this.folder, relative), { withFileTypes: true }).catch((error: unknown) => {
      throw new StorageError(`cannot list ${this.location}: ${String(error)}`);
    });
    for (const entry of entries) {
      if (entry.name.startsWith(PARTIAL_MARK)) continue;
      const key = relative + entry.name;
      if (entry.isDirectory()) {
        const folderKey = `${key}/`;
        if (folderKey.startsWith(prefix) || prefix.startsWith(folderKey)) await this.walk(folderKey, prefix, keys);
      } else if (key.startsWith(prefix)) {
        keys.push(key);
      }
    }
  }
}
