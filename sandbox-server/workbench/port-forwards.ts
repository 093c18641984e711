import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import type { ScopedEngine } from '../scope/scoped-engine.ts';

/**
 * Ports as the learner typed them. `docker run -p 8080:80` binds nothing on the host; inside the
 * workbench, 127.0.0.1:8080 forwards to that container's port 80, so `curl localhost:8080` works
 * as a tutorial says. The forwarders are socat processes in the workbench, run as its root (a
 * learner can't stop or replace them, and port 80 binds), kept in step with the session's running
 * containers by the engine's events.
 */

/** Events after which the set of running containers (or their addresses) may have changed. */
const EVENTS = ['start', 'die', 'stop', 'kill', 'destroy', 'pause', 'unpause', 'connect', 'disconnect'];

export class PortForwards {
  readonly #docker: Docker;
  readonly #engine: ScopedEngine;
  readonly #workbench: Docker.Container;
  readonly #log: (line: string) => void;
  /** host port → "address:port" being forwarded now. */
  #forwarding = new Map<number, string>();
  #events: Readable | undefined;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();

  constructor(docker: Docker, engine: ScopedEngine, workbench: Docker.Container, log: (line: string) => void) {
    this.#docker = docker;
    this.#engine = engine;
    this.#workbench = workbench;
    this.#log = log;
  }

  /**
   * Follows the session's container events; call again after the workbench restarted (its
   * forwarders died with it). A workbench that ran on while the server restarted still has the
   * old server's forwarders, which this one doesn't know: they go first.
   */
  async start(options: { reattached: boolean }): Promise<void> {
    this.#forwarding = new Map();
    if (options.reattached) await this.#exec(['pkill', '-x', 'socat']).catch(() => undefined);
    if (!this.#events) await this.#follow();
    this.update();
  }

  async #follow(): Promise<void> {
    if (this.#closed) return;
    const filters = { type: ['container'], event: EVENTS, label: [this.#engine.namespace.labelFilter] };
    try {
      const stream = (await this.#docker.getEvents({ filters: JSON.stringify(filters) } as never)) as unknown as Readable;
      this.#events = stream;
      stream.on('data', () => this.update());
      stream.on('error', () => stream.destroy());
      stream.on('close', () => {
        if (this.#events !== stream) return;
        this.#events = undefined;
        // The engine went away (a restart): follow again once it answers.
        if (!this.#closed) setTimeout(() => void this.#follow().then(() => this.update()), 2000).unref();
      });
    } catch (error) {
      this.#log(`port forwards: ${(error as Error).message}`);
      if (!this.#closed) setTimeout(() => void this.#follow().then(() => this.update()), 2000).unref();
    }
  }

  /** Brings the forwarders in line with what runs now (soon, and one update at a time). */
  update(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#running = this.#running
        .then(() => this.#reconcile())
        .catch((error: Error & { statusCode?: number }) => {
          // A workbench that is gone (the session ending) needs no forwarders.
          if (error.statusCode === 404 || error.statusCode === 409) this.close();
          else this.#log(`port forwards: ${error.message}`);
        });
    }, 50);
    this.#timer.unref();
  }

  async #reconcile(): Promise<void> {
    if (this.#closed) return;
    const wanted = await this.#wanted();
    for (const [hostPort, target] of this.#forwarding) {
      if (wanted.get(hostPort) === target) continue;
      await this.#exec(['pkill', '-f', `^socat TCP4-LISTEN:${hostPort},`]);
      this.#forwarding.delete(hostPort);
    }
    for (const [hostPort, target] of wanted) {
      if (this.#forwarding.has(hostPort)) continue;
      await this.#exec(['socat', `TCP4-LISTEN:${hostPort},bind=127.0.0.1,reuseaddr,fork`, `TCP4:${target}`], { detach: true });
      this.#forwarding.set(hostPort, target);
    }
  }

  async #wanted(): Promise<Map<number, string>> {
    const workbenchInfo = await this.#workbench.inspect();
    if (!workbenchInfo.State.Running) return new Map();
    const shared = new Set(Object.keys(workbenchInfo.NetworkSettings.Networks ?? {}));
    const wanted = new Map<number, string>();
    for (const container of await this.#engine.containers({ all: false })) {
      const tcp = container.ports.filter((port) => port.protocol === 'tcp');
      if (tcp.length === 0 || container.state !== 'running') continue;
      const networks = container.internal.NetworkSettings?.Networks ?? {};
      const address = Object.entries(networks).find(([name, endpoint]) => shared.has(name) && endpoint.IPAddress)?.[1].IPAddress;
      if (!address) continue;
      for (const port of tcp) wanted.set(port.hostPort, `${address}:${port.containerPort}`);
    }
    return wanted;
  }

  async #exec(command: string[], options: { detach?: boolean } = {}): Promise<void> {
    const exec = await this.#workbench.exec({ Cmd: command, User: 'root', AttachStdout: !options.detach, AttachStderr: !options.detach });
    const stream = await exec.start({ Detach: options.detach ?? false });
    // Read to its end even when detached (the engine's empty answer), or its connection stays open.
    stream.resume();
    await new Promise((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
    });
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#events?.destroy();
    this.#events = undefined;
  }
}
