import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { PrettyOptions, PrettyStream } from 'pino-pretty';
import type { LoggingConfig } from '../config/schema.js';

export type { Logger } from 'pino';

/**
 * Logs go to stderr, as the original's StreamHandler did, leaving stdout for the run summary:
 * readable lines on a terminal, JSON lines otherwise (Argo, docker logs, files).
 */
export function createLogger(config: LoggingConfig, destination?: DestinationStream): Logger {
  const options = { level: config.level, base: { name: 'xetra-etl' } };
  if (destination) return pino(options, destination);
  const readable = config.format === 'pretty' || (config.format === 'auto' && process.stderr.isTTY);
  if (readable) {
    // Loaded only for a terminal: it costs about 50 ms of start-up that JSON logging does not need.
    const pretty = createRequire(import.meta.url)('pino-pretty') as (options: PrettyOptions) => PrettyStream;
    return pino(options, pretty({ destination: 2, sync: true, ignore: 'pid,hostname,name', translateTime: 'SYS:HH:MM:ss' }));
  }
  return pino(options, pino.destination({ dest: 2, sync: true }));
}

export const silentLogger: Logger = pino({ level: 'silent' });
