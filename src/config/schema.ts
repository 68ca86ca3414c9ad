import * as z from 'zod';
import { DEFAULT_REQUEST_TIMEOUT_MS, S3FileTypes } from '../common/constants.js';
import { parseIsoDate } from '../common/dates.js';
import { unsupportedDirectives } from '../common/strftime.js';

const name = z.string().min(1, 'must not be empty');

const envVarName = z
  .string()
  .refine((v) => v === '' || /^[A-Za-z_][A-Za-z0-9_]*$/.test(v), 'must be the NAME of an environment variable, e.g. AWS_ACCESS_KEY_ID')
  .refine((v) => !/^(AKIA|ASIA)[A-Z0-9]{16}$/.test(v), 'looks like a literal AWS access key id; put the NAME of the environment variable that holds it here, never the key itself')
  // A secret access key is 40 characters of mixed case and digits; names of variables are not like that.
  .refine((v) => !(v.length >= 30 && !v.includes('_') && /[a-z]/.test(v) && /[A-Z]/.test(v) && /[0-9]/.test(v)), 'looks like a literal AWS secret access key; put the NAME of the environment variable that holds it here, never the key itself')
  .optional();

const endpointUrl = z
  .string()
  .refine((v) => /^(https?:\/\/[^/\s]+\/?$|file:.+)/.test(v), 'must be an http(s):// endpoint such as https://s3.amazonaws.com, or file:PATH for a local folder whose sub-folders are buckets');

const isoDate = z.string().refine((v) => parseIsoDate(v) !== undefined, 'must be a real date written YYYY-MM-DD (zero-padded)');

const dateFormat = z.string().superRefine((v, ctx) => {
  const bad = unsupportedDirectives(v);
  if (bad.length > 0) ctx.addIssue({ code: 'custom', message: `uses unsupported strftime directive(s) ${bad.join(', ')}; supported: %Y %y %m %d %H %M %S %f %j %%` });
});

/** The original's `s3` section; `region` is new, the key names are env var names as in the original. */
export const s3Schema = z.strictObject({
  access_key: envVarName,
  secret_key: envVarName,
  src_endpoint_url: endpointUrl,
  src_bucket: name,
  trg_endpoint_url: endpointUrl,
  trg_bucket: name,
  region: name.optional(),
  /** New: attempts per S3 request, the first included (the SDK's standard retry strategy, with backoff). */
  max_attempts: z.number().int().min(1).max(20).default(3),
  /** New: an S3 request (or a stalled response) idle this long fails and is retried. */
  request_timeout_ms: z.number().int().min(100).max(3_600_000).default(DEFAULT_REQUEST_TIMEOUT_MS),
});

/** The original's `XetraSourceConfig`: every key required, none extra. */
export const sourceSchema = z
  .strictObject({
    src_first_extract_date: isoDate,
    src_columns: z.array(name).min(1),
    src_col_date: name,
    src_col_isin: name,
    src_col_time: name,
    src_col_start_price: name,
    src_col_min_price: name,
    src_col_max_price: name,
    src_col_traded_vol: name,
    /** New, optional: 'skip' goes on past rows that cannot be read, counts them and writes them to a rejects object; default 'fail'. */
    bad_rows: z.enum(['fail', 'skip']).optional(),
  })
  .superRefine((source, ctx) => {
    const used = ['src_col_date', 'src_col_isin', 'src_col_time', 'src_col_start_price', 'src_col_min_price', 'src_col_max_price', 'src_col_traded_vol'] as const;
    for (const key of used) {
      if (!source.src_columns.includes(source[key])) {
        ctx.addIssue({ code: 'custom', path: [key], message: `names column '${source[key]}', which is not in src_columns; add it there` });
      }
    }
  });

/** The original's `XetraTargetConfig`. */
export const targetSchema = z.strictObject({
  trg_col_isin: name,
  trg_col_date: name,
  trg_col_op_price: name,
  trg_col_clos_price: name,
  trg_col_min_price: name,
  trg_col_max_price: name,
  trg_col_dail_trad_vol: name,
  trg_col_ch_prev_clos: name,
  trg_key: z.string(),
  trg_key_date_format: dateFormat,
  trg_format: z.enum([S3FileTypes.PARQUET, S3FileTypes.CSV], { error: `must be '${S3FileTypes.PARQUET}' or '${S3FileTypes.CSV}'` }),
});

export const metaSchema = z.strictObject({ meta_key: name });

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const loggingSchema = z.strictObject({
  level: z.enum(LOG_LEVELS).default('info'),
  /** auto: readable lines on a terminal, JSON lines otherwise. */
  format: z.enum(['auto', 'json', 'pretty']).default('auto'),
});

/**
 * Source objects in flight at once. Parsing, not the network, bounds a run, so more only holds more bodies
 * in memory: from a loopback S3 server, 4 M rows take as long with 4 as with 8, at 196–200 MiB instead of
 * 218–226 MiB peak (docs/performance.md).
 */
export const DEFAULT_DOWNLOAD_CONCURRENCY = 4;

/** New in the port: how hard a run may work the machine. */
export const performanceSchema = z.strictObject({
  /** Parsing threads: 'auto' is one per core (at most 4); 0 parses on the main thread. */
  workers: z.union([z.literal('auto'), z.number().int().min(0).max(64)]).default('auto'),
  /** Source objects downloading at once. */
  download_concurrency: z.number().int().min(1).max(64).default(DEFAULT_DOWNLOAD_CONCURRENCY),
});

/** New: the run lock next to the meta file (`<meta_key>.lock`), so two runs never append at once. */
export const lockSchema = z.strictObject({
  /** A lock older than this belongs to a dead run and is taken over; keep it above the longest run. */
  stale_after_minutes: z.number().int().min(1).max(10_080).default(360),
});

export const configSchema = z.strictObject({
  s3: s3Schema,
  source: sourceSchema,
  target: targetSchema,
  meta: metaSchema,
  logging: loggingSchema.default({ level: 'info', format: 'auto' }),
  performance: performanceSchema.default({ workers: 'auto', download_concurrency: DEFAULT_DOWNLOAD_CONCURRENCY }),
  lock: lockSchema.default({ stale_after_minutes: 360 }),
});

export type XetraConfig = z.infer<typeof configSchema>;
export type XetraSourceConfig = z.infer<typeof sourceSchema>;
export type XetraTargetConfig = z.infer<typeof targetSchema>;
export type LoggingConfig = z.infer<typeof loggingSchema>;
