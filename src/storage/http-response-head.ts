/** What a download needs of an HTTP/1.x response's head. */
export interface ResponseHead {
  readonly status: number;
  /** Lower-case names; a name sent twice has its values joined with ', ', as Node's HTTP client joins most. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body's length, or undefined when the body is not delimited by Content-Length alone. */
  readonly bodyLength: number | undefined;
  /** Whether the server keeps the connection open for another request. */
  readonly keepAlive: boolean;
}

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;
const HEADER_LINE = /^([!#$%&'*+.^`|~\w-]+):[ \t]*(.*?)[ \t]*$/;

/**
 * Parses a response's head, from its status line to the last header line (without the blank line that ends it).
 * Undefined when it is not an HTTP/1.x response head: the caller then treats the response as unusable.
 */
export function parseResponseHead(head: string): ResponseHead | undefined {
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = STATUS_LINE.exec(statusLine);
  if (status === null) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const header = HEADER_LINE.exec(line);
    if (header === null) return undefined;
    const name = (header[1] ?? '').toLowerCase();
    const value = header[2] ?? '';
    headers[name] = name in headers ? `${headers[name] ?? ''}, ${value}` : value;
  }
  const length = headers['content-length'];
  const delimited = headers['transfer-encoding'] === undefined && length !== undefined && /^\d{1,15}$/.test(length);
  const connection = (headers.connection ?? '').toLowerCase().split(/\s*,\s*/);
  return {
    status: Number(status[2]),
    headers,
    bodyLength: delimited ? Number(length) : undefined,
    keepAlive: status[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive'),
  };
}
