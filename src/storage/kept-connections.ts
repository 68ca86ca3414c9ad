import { connect as connectTcp, isIP, type ConnectOpts, type Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';

/**
 * Takes each read of a connection, which lies in the connection's own buffer and is overwritten by the next read:
 * it must be done with the bytes before it returns. Returning false pauses the connection.
 */
export type Receiver = (bytes: Buffer) => boolean;

/** As large as a read of Node's own sockets: larger ones saved no CPU (256 KiB, 1 MiB and 4 MiB, over 442 MiB of bodies). */
const READ_BUFFER_BYTES = 1 << 16;

/** One HTTP/1.1 connection to an origin, whose socket reads into a buffer of its own instead of a new Buffer per read. */
export class Connection {
  /** Whether an earlier request used it: the server may have closed it meanwhile. */
  reused = false;
  /** Bytes no request waits for break HTTP/1.1: the connection is not used again. */
  readonly strayBytes: Receiver = () => {
    this.socket.destroy();
    return false;
  };
  receiver: Receiver = this.strayBytes;

  constructor(readonly origin: string, readonly socket: Socket) {}
}

type Connect = (options: ConnectOpts & ConnectionOptions & { host: string; port: number }) => Socket;

/** TLS is loaded by the first https URL: a thread that downloads over plain HTTP never loads it. */
let connectTls: Promise<Connect> | undefined;
/** Connections between requests, by origin, newest last. */
const idle = new Map<string, Connection[]>();

/**
 * A connection to `url`'s origin: one left idle by an earlier request, or a new one. One TLS handshake per
 * connection, not per object, as with the SDK's kept-alive connections.
 */
export async function connectionTo(url: URL): Promise<Connection> {
  const kept = idle.get(url.origin);
  for (let connection = kept?.pop(); connection !== undefined; connection = kept?.pop()) {
    if (connection.socket.destroyed) continue;
    connection.reused = true;
    connection.socket.ref();
    return connection;
  }
  const secure = url.protocol === 'https:';
  const connect = secure ? await (connectTls ??= import('node:tls').then(({ connect: tls }) => tls as Connect)) : connectTcp;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  const socket: Socket = connect({
    host,
    port: Number(url.port || (secure ? 443 : 80)),
    ...(secure && isIP(host) === 0 ? { servername: host } : {}),
    onread: { buffer, callback: (length): boolean => connection.receiver(buffer.subarray(0, length)) },
  });
  const connection: Connection = new Connection(url.origin, socket);
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 1000);
  // An idle connection that fails only closes; each request listens for the errors of its own.
  socket.on('error', () => undefined);
  socket.on('close', () => {
    const list = idle.get(connection.origin);
    const at = list?.indexOf(connection) ?? -1;
    if (at >= 0) list?.splice(at, 1);
  });
  return connection;
}

/** Keeps a connection whose response has ended whole for the next request to its origin. */
export function keepIdle(connection: Connection): void {
  connection.receiver = connection.strayBytes;
  connection.socket.setTimeout(0);
  connection.socket.unref();
  let list = idle.get(connection.origin);
  if (list === undefined) idle.set(connection.origin, (list = []));
  list.push(connection);
}
