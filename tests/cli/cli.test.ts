import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliPath, ensureBuilt, fullSuite, haveSharedData, listFiles, repoRoot, runCli, sharedXetra, writeJobConfig } from '../support/run-cli.js';
import { makeWorkspace } from '../support/workspace.js';

beforeAll(() => ensureBuilt());

const sampleFile = async (date: string, hour: string) => readFile(path.join(repoRoot, `sample/xetra/${date}/${date}_BINS_XETR${hour}.csv`), 'utf8');

describe('xetra-etl command line', () => {
  it('prints usage with --help and exits 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: xetra-etl \[options\] \[config\]/);
    expect(result.stdout).toContain('--today <YYYY-MM-DD>');
  });

  it("prints package.json's version with --version", async () => {
    const { version } = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(await runCli(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('exits 2 with a usage line when no config is given, or an unknown flag', async () => {
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('xetra-etl: error: missing the config file');
    const unknown = await runCli(['--confg', 'x.yml']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--confg'");
  });

  it('exits 2 for a config file that does not exist, naming it', async () => {
    const result = await runCli(['--config', 'nope.yml']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('xetra-etl: error: nope.yml: cannot read the config file (ENOENT)');
  });

  it('exits 2 for an impossible --today', async () => {
    const ws = await makeWorkspace();
    const result = await runCli([ws.configPath, '--today', '2017-02-30']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe("xetra-etl: error: --today '2017-02-30' is not a date YYYY-MM-DD");
  });

  it('runs with the positional form as the original did, and exits 1 on bad data with nothing written', async () => {
    const header = (await sampleFile('2017-07-24', '07')).split('\n')[0] ?? '';
    const good = await makeWorkspace({ files: { '2017-07-24/2017-07-24_BINS_XETR07.csv': await sampleFile('2017-07-24', '07') } });
    const ok = await runCli([good.configPath, '--today', '2017-07-24']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('dates processed: 2017-07-24 .. 2017-07-24 (1)');
    expect((await listFiles(good.trgDir)).filter((k) => k.startsWith('report1/'))).toHaveLength(1);

    const bad = await makeWorkspace({ files: { '2017-07-24/2017-07-24_BINS_XETR07.csv': `${header.replace('MinPrice', 'LowPrice')}\n` } });
    const failed = await runCli([bad.configPath, '--today', '2017-07-24']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^xetra-etl: error: file:.*2017-07-24_BINS_XETR07\.csv: line 1: the header has no column 'MinPrice'/m);
    expect(await listFiles(bad.trgDir)).toEqual([]);
  });

  it('reports a bad object found by a parsing thread with its key and line, writing nothing', async () => {
    const files: Record<string, string> = {};
    for (let hour = 0; hour < 24; hour++) {
      const hh = String(hour).padStart(2, '0');
      files[`2017-07-24/2017-07-24_BINS_XETR${hh}.csv`] = await sampleFile('2017-07-24', hh);
    }
    const xetr12 = '2017-07-24/2017-07-24_BINS_XETR12.csv';
    const lines = (files[xetr12] ?? '').split('\n');
    lines[3] = (lines[3] ?? '').replace(/,(\d+),(\d+)$/, ',12x,$2');
    files[xetr12] = lines.join('\n');
    const ws = await makeWorkspace({ files, edit: (c) => (c.performance = { workers: 2 }) });
    const result = await runCli([ws.configPath, '--today', '2017-07-24']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/xetra-etl: error: file:.*2017-07-24_BINS_XETR12\.csv: line 4: column TradedVolume has '12x', which is not a whole number/);
    expect(await listFiles(ws.trgDir)).toEqual([]);
  });

  it('logs JSON lines to stderr when not on a terminal, and readable lines when asked', async () => {
    const files = { '2017-07-24/2017-07-24_BINS_XETR07.csv': await sampleFile('2017-07-24', '07') };
    const json = await makeWorkspace({ files, edit: (c) => Object.assign(c.logging ?? {}, { level: 'info', format: 'auto' }) });
    const lines = (await runCli([json.configPath, '--today', '2017-07-24'])).stderr.split('\n').filter((l) => l.startsWith('{'));
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages[0]).toBe('Xetra ETL job started');
    expect(messages).toContain('Xetra meta file successfully updated.');
    expect(messages.at(-1)).toBe('Xetra ETL job finished.');

    const pretty = await makeWorkspace({ files, edit: (c) => Object.assign(c.logging ?? {}, { level: 'info', format: 'pretty' }) });
    const text = (await runCli([pretty.configPath, '--today', '2017-07-24'])).stderr;
    expect(text).toMatch(/INFO.*Xetra ETL job started/);
    expect(text).not.toMatch(/^\{"level"/m);
  });
});

describe('stopping', () => {
  it.skipIf(!haveSharedData && !fullSuite)('on SIGTERM mid-run exits 143 and leaves no report and no meta file', async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'xetra-stop-'));
    const target = path.join(work, 'trg');
    const config = await writeJobConfig(work, { sourceBucketDir: sharedXetra, targetBucketDir: target, firstExtractDate: '2017-07-24', logLevel: 'info', edit: (c) => Object.assign(c.logging ?? {}, { format: 'json' }) });
    const child = spawn(process.execPath, [cliPath, '--config', config, '--today', '2017-07-28'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // Well inside the extract: the real 07-25 trading hours still lie ahead.
      if (stderr.includes('2017-07-24_BINS_XETR09.csv') && child.exitCode === null && !child.killed) child.kill('SIGTERM');
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stderr).toContain('xetra-etl: SIGTERM received, stopping');
    expect(stderr).toContain('xetra-etl: stopped by SIGTERM: no report was written and the meta file is unchanged');
    expect(stderr).not.toContain('2017-07-28_BINS_XETR00.csv');
    expect(code).toBe(143);
    expect(await listFiles(target)).toEqual([]);
  });
});
