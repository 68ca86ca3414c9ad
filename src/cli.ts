#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError, XetraEtlError } from './common/errors.js';
import { runJob, type RunSummary } from './run-job.js';

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command()
  .name('xetra-etl')
  .description('Build the Xetra daily report (report 1) for every source date not yet in the meta file.')
  .version(version, '-V, --version')
  .argument('[config]', 'a configuration file in YAML format (same as --config)')
  .option('-c, --config <file>', 'a configuration file in YAML format')
  .option('--today <YYYY-MM-DD>', 'pin "today" (the last date extracted) instead of reading the clock')
  .showHelpAfterError()
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

async function main(argv: string[]): Promise<number> {
  try {
    program.parse(argv);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    throw error;
  }
  const options = program.opts<{ config?: string; today?: string }>();
  const positional = program.args[0];
  if (options.config !== undefined && positional !== undefined && options.config !== positional) {
    return usage(`give the config once: either as an argument or with --config, not both`);
  }
  const configPath = options.config ?? positional;
  if (configPath === undefined) return usage('missing the config file: xetra-etl --config prod.yml');
  try {
    printSummary(await runJob({ configPath, today: options.today }));
    return 0;
  } catch (error) {
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
    `  report rows:     ${summary.reportRows}`,
    `  meta file:       ${summary.metaLocation}`,
    `  time:            ${summary.seconds.toFixed(2)} s`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

process.exitCode = await main(process.argv);
