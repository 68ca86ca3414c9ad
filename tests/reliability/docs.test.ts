// docs/reliability.md's table is checked against the tests, both ways: every row names a test that
// exists, and every test of the reliability and bad-input files has a row.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/run-cli.js';

const COVERED = ['tests/errors/bad-input.test.ts', ...(await readdir(path.join(repoRoot, 'tests/reliability'))).filter((f) => f.endsWith('.test.ts') && f !== 'docs.test.ts').map((f) => `tests/reliability/${f}`)];

interface Row {
  readonly file: string;
  readonly title: string;
  readonly cells: string[];
}

async function tableRows(): Promise<Row[]> {
  const doc = await readFile(path.join(repoRoot, 'docs/reliability.md'), 'utf8');
  const table = doc.slice(doc.indexOf('## The table'), doc.indexOf('## Least privilege'));
  return table
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| **') && !line.startsWith('| case'))
    .map((line) => {
      const cells = line.slice(2, -2).split(' | ');
      const match = /^`([^`]+)`: (.+)$/.exec(cells.at(-1) ?? '');
      return { file: match?.[1] ?? '', title: match?.[2] ?? '', cells };
    });
}

/** The literal test titles in a file: it('…') and the crash table's name: '…'. */
function titles(source: string): string[] {
  return [...source.matchAll(/(?:\bit\(|name: )'((?:[^'\\]|\\.)+)'/g)].map((m) => (m[1] ?? '').replace(/\\'/g, "'"));
}

describe('docs/reliability.md', () => {
  it('every row names an existing test, in a covered file, and counts 0 rows lost and 0 duplicate dates where it counts', async () => {
    const rows = await tableRows();
    expect(rows.length).toBeGreaterThan(60);
    for (const row of rows) {
      expect(COVERED, `row ${row.cells[0] ?? ''}`).toContain(row.file);
      const source = await readFile(path.join(repoRoot, row.file), 'utf8');
      expect(source.includes(row.title), `${row.file} has no test titled '${row.title}'`).toBe(true);
      expect(row.cells).toHaveLength(5);
      expect(['0', '–', 'parity drop, counted', 'rejected rows, counted and kept in the rejects object']).toContain(row.cells[2]);
      expect(['0', '–']).toContain(row.cells[3]);
    }
  });

  it('every test in the reliability and bad-input files has a row', async () => {
    const rows = await tableRows();
    for (const file of COVERED) {
      const documented = rows.filter((r) => r.file === file).map((r) => r.title);
      for (const title of titles(await readFile(path.join(repoRoot, file), 'utf8'))) {
        expect(documented.some((d) => title.includes(d)), `${file}: '${title}' has no row in docs/reliability.md`).toBe(true);
      }
    }
  });
});
