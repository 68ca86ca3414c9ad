import { CsvSyntaxError } from '../formats/csv-parser.js';

/**
 * Every error the job reports to a user. The CLI prints `message` as one line, so messages name the
 * file, key or row at fault and say what to do.
 */
export class XetraEtlError extends Error {
  override readonly name: string = 'XetraEtlError';
}

/** The original's WrongFormatException: a report or meta format the connector cannot write. */
export class WrongFormatError extends XetraEtlError {
  override readonly name = 'WrongFormatError';
}

/** The original's WrongMetaFileException: the meta file is not the one this job writes. */
export class WrongMetaFileError extends XetraEtlError {
  override readonly name = 'WrongMetaFileError';
}

/** A config file, command-line flag or environment variable is wrong: exit code 2. */
export class ConfigError extends XetraEtlError {
  override readonly name = 'ConfigError';
}

/** A source object cannot be read as Xetra CSV. */
export class SourceDataError extends XetraEtlError {
  override readonly name = 'SourceDataError';
}

/** A bucket or folder is missing or unreachable, or a request to it failed. */
export class StorageError extends XetraEtlError {
  override readonly name = 'StorageError';
}

/** A CSV syntax error as the user sees it: the object and line at fault. */
export function asSourceError(where: string, error: unknown): unknown {
  return error instanceof CsvSyntaxError ? new SourceDataError(`${where}: line ${error.line}: ${error.message}`) : error;
}
