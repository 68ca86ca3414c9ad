/**
 * A streaming RFC 4180 reader with pandas' reading rules where they matter here: quoted fields may
 * hold commas, quotes ("") and line breaks; LF and CRLF both end a record; blank lines are skipped.
 * Text arrives in chunks of any size, so one record may span many chunks.
 */
export type RecordHandler = (fields: string[], line: number) => void;

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

export class CsvParser {
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;
  /** A quote ended the previous chunk inside a quoted field: it is either `""` or the closing quote. */
  private quoteAtChunkEnd = false;
  private skipNextLf = false;
  private recordHasQuote = false;
  private line = 1;
  private recordLine = 1;

  constructor(private readonly onRecord: RecordHandler) {}

  /** The line the next character belongs to (1-based), for error messages. */
  get currentLine(): number {
    return this.line;
  }

  push(text: string): void {
    let i = 0;
    const n = text.length;
    if (this.quoteAtChunkEnd && n > 0) {
      this.quoteAtChunkEnd = false;
      if (text.charCodeAt(0) === QUOTE) {
        this.field += '"';
        i = 1;
      } else {
        this.inQuotes = false;
      }
    }
    if (this.skipNextLf && n > 0) {
      this.skipNextLf = false;
      if (text.charCodeAt(i) === LF) i += 1;
    }
    while (i < n) {
      i = this.inQuotes ? this.quoted(text, i) : this.unquoted(text, i);
    }
  }

  /** Ends the input; fails if it stops inside a quoted field. */
  end(): void {
    if (this.quoteAtChunkEnd) {
      this.quoteAtChunkEnd = false;
      this.inQuotes = false;
    }
    if (this.inQuotes) {
      throw new CsvSyntaxError(`unterminated quoted field starting on line ${this.recordLine}`, this.recordLine);
    }
    if (this.field !== '' || this.fields.length > 0 || this.recordHasQuote) this.finishRecord();
  }

  private quoted(text: string, from: number): number {
    const quote = text.indexOf('"', from);
    const stop = quote === -1 ? text.length : quote;
    const piece = text.slice(from, stop);
    this.field += piece;
    this.line += countLineBreaks(piece);
    if (quote === -1) return text.length;
    if (quote + 1 === text.length) {
      this.quoteAtChunkEnd = true;
      return text.length;
    }
    if (text.charCodeAt(quote + 1) === QUOTE) {
      this.field += '"';
      return quote + 2;
    }
    this.inQuotes = false;
    return quote + 1;
  }

  private unquoted(text: string, from: number): number {
    let start = from;
    for (let i = from; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === COMMA) {
        this.fields.push(this.field + text.slice(start, i));
        this.field = '';
        start = i + 1;
      } else if (c === LF || c === CR) {
        this.field += text.slice(start, i);
        this.finishRecord();
        this.line += 1;
        this.recordLine = this.line;
        if (c === CR) {
          if (i + 1 === text.length) this.skipNextLf = true;
          else if (text.charCodeAt(i + 1) === LF) i += 1;
        }
        start = i + 1;
      } else if (c === QUOTE && i === start && this.field === '') {
        this.inQuotes = true;
        this.recordHasQuote = true;
        return i + 1;
      }
    }
    this.field += text.slice(start);
    return text.length;
  }

  private finishRecord(): void {
    const blank = this.fields.length === 0 && this.field === '' && !this.recordHasQuote;
    if (!blank) {
      this.fields.push(this.field);
      this.onRecord(this.fields, this.recordLine);
    }
    this.fields = [];
    this.field = '';
    this.recordHasQuote = false;
  }
}

export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

function countLineBreaks(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count += 1;
  return count;
}
