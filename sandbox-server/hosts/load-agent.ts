import net from 'node:net';
import type { HostLoad } from './host-load.ts';

/**
 * HAProxy's agent check (`agent-check` on a server line): HAProxy connects to this port every
 * few seconds and reads one line. "ready" lets the balancer send the host new learners; "drain"
 * keeps the learners pinned to it and sends new ones elsewhere. The weight is the share of the
 * host's own seats that is free, so of identical hosts the emptier one takes more new learners.
 */
export function agentLine(load: HostLoad): string {
  if (load.state !== 'ready') return 'drain\n';
  const free = Math.max(1, Math.round((100 * (load.seats - load.sessions)) / Math.max(1, load.seats)));
  return `ready ${free}%\n`;
}

export interface LoadAgent {
  port: number;
  close(): Promise<void>;
}

/** A peer that keeps its end open after the line is sent is cut off after this long. */
const LINGER_MS = 1000;

export function startLoadAgent(options: { host: string; port: number; load: () => HostLoad }): Promise<LoadAgent> {
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
    // One line and gone: what a peer sends is never read, and a peer that holds the connection
    // open can't keep HAProxy's next check from being answered.
    socket.setTimeout(LINGER_MS, () => socket.destroy());
    socket.end(agentLine(options.load()), () => socket.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(`LAYERLAB_AGENT_PORT ${options.port}: the load agent can't listen on ${options.host}:${options.port} (${error.code ?? error.message})`)),
    );
    server.listen(options.port, options.host, () => {
      server.removeAllListeners('error');
      server.on('error', () => undefined);
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of open) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
