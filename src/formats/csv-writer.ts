import type { Column, Frame } from '../common/frame.js';
import { rowCount } from '../common/frame.js';
import { pythonFloatRepr } from './python-float.js';

/** `DataFrame.to_csv(index=False)` as pandas writes it on Linux: minimal quoting, LF, NaN as empty. */
export function frameToCsv(frame: Frame): string {
  const lines = [frame.columns.map((c) => quote(c.name)).join(',')];
  const rows = rowCount(frame);
  for (let row = 0; row < rows; row++) {
    lines.push(frame.columns.map((column) => cell(column, row)).join(','));
  }
  return `${lines.join('\n')}\n`;
}

function cell(column: Column, row: number): string {
  const value = column.values[row];
  if (value === null || value === undefined) return '';
  if (column.type === 'string') return quote(value as string);
  if (column.type === 'int64') return String(value);
  return Number.isNaN(value) ? '' : pythonFloatRepr(value as number);
}

function quote(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
