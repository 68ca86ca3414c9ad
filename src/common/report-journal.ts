import type { Logger } from './logger.js';
import type { MetaProcess } from './meta-process.js';
import type { S3BucketConnector } from './s3.js';
import type { ObjectStore } from '../storage/object-store.js';

/** The journal object's key: next to the meta file. */
export const journalKeyFor = (metaKey: string): string => `${metaKey}.pending`;

/** What a run is about to commit: written before the report, removed after the meta update. */
interface PendingReport {
  readonly reportKey: string;
  readonly dates: readonly string[];
  /** Data rows in the meta file before this run; the meta file only grows, one whole PUT per run. */
  readonly metaRows: number;
}

/**
 * Makes "report written, meta file updated" one step as far as later runs can tell. A run that dies
 * between the two leaves a report whose dates are not in the meta file; the next run would extract
 * them again and the rows would live in two reports. So before the report is written its key and
 * dates are recorded here, and the next run (holding the lock) finishes the commit: when the report
 * exists and the meta file has not grown, it appends the recorded dates (roll forward); when the
 * report never got written, it drops the record and the dates are simply extracted again.
 */
export class ReportJournal {
  readonly key: string;

  constructor(
    private readonly store: ObjectStore,
    private readonly trg: S3BucketConnector,
    private readonly metaKey: string,
    private readonly logger: Logger,
  ) {
    this.key = journalKeyFor(metaKey);
  }

  async begin(reportKey: string, dates: readonly string[]): Promise<void> {
    const pending: PendingReport = { reportKey, dates, metaRows: await this.metaRows() };
    await this.store.write(this.key, Buffer.from(`${JSON.stringify(pending)}\n`, 'utf8'), 'application/json');
  }

  async end(): Promise<void> {
    await this.store.delete(this.key);
  }

  /** Finishes or drops what a crashed run left; call with the lock held, before the meta file is read. */
  async recover(meta: MetaProcess): Promise<void> {
    const pending = await this.read();
    if (pending === undefined) return;
    const where = `${this.store.location}/${pending.reportKey}`;
    if (!(await this.reportExists(pending.reportKey))) {
      this.logger.warn(`recovery: an earlier run stopped before its report ${where} was written; its dates will be extracted again`);
    } else if ((await this.metaRows()) === pending.metaRows) {
      await meta.updateMetaFile(pending.dates);
      this.logger.warn(`recovery: an earlier run wrote ${where} but stopped before the meta file; recorded its ${pending.dates.length} date(s) now`);
    } else {
      this.logger.warn(`recovery: an earlier run committed ${where} and stopped just after; nothing to do`);
    }
    await this.end();
  }

  /** After a failed run: drops the record unless a report did get written (then the next run rolls it forward). */
  async discardIfUnwritten(): Promise<void> {
    const pending = await this.read();
    if (pending !== undefined && !(await this.reportExists(pending.reportKey))) await this.end();
  }

  private async read(): Promise<PendingReport | undefined> {
    const body = await this.store.read(this.key);
    if (body === undefined) return undefined;
    const chunks: Uint8Array[] = [];
    for await (const chunk of body) chunks.push(chunk);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as PendingReport;
  }

  private async reportExists(reportKey: string): Promise<boolean> {
    return (await this.store.list(reportKey)).includes(reportKey);
  }

  private async metaRows(): Promise<number> {
    const frame = await this.trg.readCsvToFrame(this.metaKey);
    return frame?.columns[0]?.values.length ?? 0;
  }
}
