import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type * as z from 'zod';
import { ConfigError } from '../common/errors.js';
import { configSchema, type XetraConfig } from './schema.js';

export interface LoadedConfig {
  readonly config: XetraConfig;
  readonly path: string;
  /** Relative `file:` endpoints resolve against this folder. */
  readonly dir: string;
}

export async function loadConfig(file: string): Promise<LoadedConfig> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new ConfigError(`${file}: cannot read the config file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return { config: parseConfig(text, file), path: absolute, dir: path.dirname(absolute) };
}

export function parseConfig(text: string, file: string): XetraConfig {
  const doc = parseDocument(text);
  const syntax = doc.errors[0];
  if (syntax) {
    const line = syntax.linePos?.[0].line;
    const reason = (syntax.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`${file}${line ? `:${line}` : ''}: YAML syntax error: ${reason}`);
  }
  const result = configSchema.safeParse(adaptPythonLogging(doc.toJS()));
  if (!result.success) throw new ConfigError(describeIssues(file, result.error.issues));
  return result.data;
}

/**
 * Python configs carry a `logging.config.dictConfig` section; keep only its root level, so a config
 * written for the original job loads unchanged.
 */
function adaptPythonLogging(raw: unknown): unknown {
  if (!isRecord(raw) || !isRecord(raw.logging) || !('version' in raw.logging)) return raw;
  const root = raw.logging.root;
  const level = isRecord(root) && typeof root.level === 'string' ? root.level.toLowerCase() : 'info';
  return { ...raw, logging: { level: level === 'warning' ? 'warn' : level === 'critical' ? 'fatal' : level } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeIssues(file: string, issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.map((issue) => {
    const where = issue.path.join('.') || '(top level)';
    if (issue.code === 'unrecognized_keys') {
      return `${where}: unknown key(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}; remove them or fix their spelling`;
    }
    if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) {
      return `${where}: missing; this key is required`;
    }
    return `${where}: ${issue.message}`;
  });
  return `${file}: invalid config: ${lines.join('; ')}`;
}
