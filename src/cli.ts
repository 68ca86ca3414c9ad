#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError, XetraEtlError } from './common/errors.js';
import { runJob, type RunSummary } from './run-job.js';

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
/** The shell's 128 + signal number, which is also what Kubernetes and Argo report. */
const EXIT_ON_SIGNAL = { SIGINT: 130, SIGTERM: 143 } as const;
/** How long a stop may take (an in-flight request finishing) before the process exits regardless. */
const STOP_GRACE_MS = 20_000;

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command()
  .name('xetra-etl')
  .description('Build the Xetra daily report (report 1) for every source date not yet in the meta file.')
  .version(version, '-V, --version')
  .argument('[config]', 'a configuration file in YAML format (same as --config)')
  .option('-c, --config <file>', 'a configuration file in YAML format')
  .option('--today <YYYY-MM-DD>', 'pin "today" (the last date extracted) instead of reading the clock')
  .option('--force-unlock', 'remove the run lock left by a crashed run, then run; only when no other run is active')
  .showHelpAfterError()
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

type StopSignal = keyof typeof EXIT_ON_SIGNAL;

/**
 * The first SIGTERM/SIGINT stops the run at its next safe point (see XetraETL.load); a second one, or
 * the grace period running out, exits at once. Either way no partial report object is left behind.
 */
function stopOnSignals(controller: AbortController): () => StopSignal | undefined {
  let received: StopSignal | undefined;
  for (const signal of Object.keys(EXIT_ON_SIGNAL) as StopSignal[]) {
    process.on(signal, () => {
      if (received !== undefined) process.exit(EXIT_ON_SIGNAL[signal]);
      received = signal;
      process.stderr.write(`xetra-etl: ${signal} received, stopping\n`);
      controller.abort(new Error(`stopped by ${signal}`));
      setTimeout(() => process.exit(EXIT_ON_SIGNAL[signal]), STOP_GRACE_MS).unref();
    });
  }
  return () => received;
}

async function main(argv: string[]): Promise<number> {
  try {
    program.parse(argv);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    throw error;
  }
  const options = program.opts<{ config?: string; today?: string; forceUnlock?: boolean }>();
  const positional = program.args[0];
  if (options.config !== undefined && positional !== undefined && options.config !== positional) {
    return usage(`give the config once: either as an argument or with --config, not both`);
  }
  const configPath = options.config ?? positional;
  if (configPath === undefined) return usage('missing the config file: xetra-etl --config prod.yml');
  const controller = new AbortController();
  const stoppedBy = stopOnSignals(controller);
  try {
    printSummary(await runJob({ configPath, today: options.today, signal: controller.signal, forceUnlock: options.forceUnlock === true }));
    const signal = stoppedBy();
    if (signal === undefined) return 0;
    process.stderr.write(`xetra-etl: ${signal} came after the report was written; the meta file was updated to match\n`);
    return EXIT_ON_SIGNAL[signal];
  } catch (error) {
    const signal = stoppedBy();
    if (signal !== undefined) {
      process.stderr.write(`xetra-etl: stopped by ${signal}: no report was written and the meta file is unchanged\n`);
      return EXIT_ON_SIGNAL[signal];
    }
    if (error instanceof XetraEtlError) {
      process.stderr.write(`xetra-etl: error: ${error.message}\n`);
      return error instanceof ConfigError ? EXIT_USAGE : EXIT_FAILED;
    }
    process.stderr.write(`xetra-etl: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_FAILED;
  }
}

function usage(message: string): number {
  process.stderr.write(`xetra-etl: error: ${message}\nRun 'xetra-etl --help' for usage.\n`);
  return EXIT_USAGE;
}

function printSummary(summary: RunSummary): void {
  const dates = summary.datesProcessed;
  const span = dates.length === 0 ? 'none (every date up to today is already in the meta file)' : `${dates[0] ?? ''} .. ${dates.at(-1) ?? ''} (${dates.length})`;
  const lines = [
    summary.reportKey === undefined ? 'xetra-etl: no report written (no source rows for the new dates)' : `xetra-etl: report written to ${summary.reportLocation}`,
    `  dates processed: ${span}`,
    `  source files:    ${summary.files} read, ${summary.headerOnlyFiles} of them header-only`,
    `  rows read:       ${summary.rows} (${summary.dropped} dropped for empty values)`,
    ...(summary.rejectsLocation === '' ? [] : [`  rows rejected:   ${summary.rejects?.length ?? 0} (source.bad_rows: skip), written to ${summary.rejectsLocation}`]),
    `  report rows:     ${summary.reportRows}`,
    `  meta file:       ${summary.metaLocation}`,
    `  time:            ${summary.seconds.toFixed(2)} s`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

const exitCode = await main(process.argv);
// After a stop the run has cleaned up (upload abandoned, lock released); an abandoned request may
// still hold a socket open, which must not keep the process alive until the grace timer.
if (exitCode === EXIT_ON_SIGNAL.SIGTERM || exitCode === EXIT_ON_SIGNAL.SIGINT) process.exit(exitCode);
process.exitCode = exitCode;
