import { hostname } from 'node:os';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { isConflict, isNotFound } from '../engine/errors.ts';
import { isRuncStartRace } from '../engine/runc-start-race.ts';

/**
 * One live server per instance name on an engine, held by the engine itself: a tiny container,
 * named after the instance (names are unique on an engine, so creating it is the lock), whose only
 * process reads its stdin from this server's attached connection. The connection is the
 * heartbeat: when the server dies, however it dies, the kernel closes it, the container's stdin
 * ends, the container exits, and the engine records when. Other servers' reapers read that: an
 * instance whose lease has been dead longer than its sessions may sit idle has no live sessions.
 */

export const LEASE_LABEL = {
  instance: 'org.layerlab.lease',
  idleTtl: 'org.layerlab.lease.idle-ttl',
  host: 'org.layerlab.lease.host',
} as const;

export class LeaseHeldError extends Error {}

export interface LeaseOptions {
  instance: string;
  /** How long this server lets a session sit idle: others wait that long after it is gone. */
  idleTtlMs: number;
}

/** The lease container runs `cat` from the catalogue's busybox, which every engine here has. */
const LEASE_IMAGE = 'busybox:latest';

export function leaseContainerName(instance: string): string {
  return `layerlab-lease-${instance}`;
}

/** What another server's reaper needs to know of an instance. */
export interface LeaseState {
  alive: boolean;
  /** When the holder went away (ms since epoch), for a dead lease. */
  goneSince?: number;
  /** How long the holder let a session sit idle. */
  idleTtlMs?: number;
}

/** A lease that another server is creating right now is left this long before it counts as stale. */
const CREATING_GRACE_MS = 10_000;
/** A holder that just died takes a moment to be noticed by the engine. */
const DYING_GRACE_MS = 3_000;

export class InstanceLease {
  readonly instance: string;
  readonly #container: Docker.Container;
  readonly #connection: Duplex;
  #released = false;
  #lost = false;
  readonly #lostListeners: (() => void)[] = [];

  private constructor(instance: string, container: Docker.Container, connection: Duplex) {
    this.instance = instance;
    this.#container = container;
    this.#connection = connection;
    const lost = () => {
      if (this.#released || this.#lost) return;
      this.#lost = true;
      for (const listener of this.#lostListeners) listener();
    };
    connection.on('close', lost);
    connection.on('error', lost);
    container.wait().then(lost, lost);
  }

  /**
   * Takes the instance's lease, or throws LeaseHeldError with one sentence when a live server
   * holds it. A stale lease (its server gone) is replaced.
   */
  static async acquire(docker: Docker, options: LeaseOptions): Promise<InstanceLease> {
    const { instance } = options;
    const name = leaseContainerName(instance);
    for (let attempt = 0; attempt < 40; attempt++) {
      let container: Docker.Container;
      try {
        container = await docker.createContainer({
          name,
          Image: LEASE_IMAGE,
          Cmd: ['cat'],
          OpenStdin: true,
          StdinOnce: true,
          AttachStdin: true,
          NetworkDisabled: true,
          Labels: {
            [LEASE_LABEL.instance]: instance,
            [LEASE_LABEL.idleTtl]: String(options.idleTtlMs),
            [LEASE_LABEL.host]: `${hostname()}:${process.pid}`,
          },
          HostConfig: {
            NetworkMode: 'none',
            Memory: 16 * 1024 ** 2,
            MemorySwap: 16 * 1024 ** 2,
            PidsLimit: 4,
            CapDrop: ['ALL'],
            SecurityOpt: ['no-new-privileges'],
            ReadonlyRootfs: true,
            LogConfig: { Type: 'none', Config: {} },
          },
        });
      } catch (error) {
        if (!isConflict(error)) throw error;
        await InstanceLease.#clearStale(docker, name, instance);
        continue;
      }
      const connection = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as Duplex;
      try {
        await container.start();
      } catch (error) {
        connection.destroy();
        // Another starting server took this one for stale and removed it: try again.
        if (isNotFound(error)) continue;
        // Its attach is gone with the process runc lost: a new container gets a new one.
        if (isRuncStartRace(error)) {
          await container.remove({ force: true }).catch(() => undefined);
          continue;
        }
        throw error;
      }
      return new InstanceLease(instance, container, connection);
    }
    throw new LeaseHeldError(`Another Layerlab server keeps taking LAYERLAB_INSTANCE=${instance} on this Docker Engine; start this one with another LAYERLAB_INSTANCE.`);
  }

  /** Removes the named lease if its holder is gone; throws LeaseHeldError if it is alive. */
  static async #clearStale(docker: Docker, name: string, instance: string): Promise<void> {
    const existing = docker.getContainer(name);
    const deadline = Date.now() + DYING_GRACE_MS;
    for (;;) {
      let info: Docker.ContainerInspectInfo;
      try {
        info = await existing.inspect();
      } catch (error) {
        if (isNotFound(error)) return;
        throw error;
      }
      if (info.State.Running) {
        if (Date.now() < deadline) {
          await sleep(200);
          continue;
        }
        throw new LeaseHeldError(
          `Another Layerlab server (${info.Config.Labels?.[LEASE_LABEL.host] ?? 'unknown'}) already serves LAYERLAB_INSTANCE=${instance} on this Docker Engine; stop it, or start this one with another LAYERLAB_INSTANCE.`,
        );
      }
      if (info.State.Status === 'created' && Date.now() - Date.parse(info.Created) < CREATING_GRACE_MS) {
        await sleep(200);
        continue;
      }
      await existing.remove({ force: true }).catch((error: unknown) => {
        if (!isNotFound(error) && !isConflict(error)) throw error;
      });
      return;
    }
  }

  /** Whether this server still holds the lease (the engine may have restarted under it). */
  get held(): boolean {
    return !this.#released && !this.#lost;
  }

  onLost(listener: () => void): void {
    this.#lostListeners.push(listener);
  }

  /**
   * Lets the lease go. The container stays, exited, so other servers know since when this
   * instance has been gone; `remove` also deletes it (a test instance that will not return).
   */
  async release(options: { remove?: boolean } = {}): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    this.#connection.end();
    this.#connection.destroy();
    await this.#container.wait().catch(() => undefined);
    if (options.remove) await this.#container.remove({ force: true }).catch(() => undefined);
  }
}

/**
 * Throws LeaseHeldError when a live server holds the instance: a quick look before slow start-up
 * work (building the site), so a second `npm start` says so at once. The lease is taken later.
 */
export async function expectLeaseFree(docker: Docker, instance: string): Promise<void> {
  const state = (await leaseStates(docker)).get(instance);
  if (state?.alive) {
    throw new LeaseHeldError(
      `Another Layerlab server already serves LAYERLAB_INSTANCE=${instance} on this Docker Engine; stop it, or start this one with another LAYERLAB_INSTANCE.`,
    );
  }
}

/** Every instance's lease on the engine. */
export async function leaseStates(docker: Docker): Promise<Map<string, LeaseState>> {
  const states = new Map<string, LeaseState>();
  const containers = await docker.listContainers({ all: true, filters: { label: [LEASE_LABEL.instance] } });
  for (const container of containers) {
    const instance = container.Labels[LEASE_LABEL.instance]!;
    const idleTtlMs = Number(container.Labels[LEASE_LABEL.idleTtl]) || undefined;
    if (container.State === 'running') {
      states.set(instance, { alive: true, idleTtlMs });
      continue;
    }
    const info = await docker.getContainer(container.Id).inspect().catch(() => undefined);
    const finished = Date.parse(info?.State.FinishedAt ?? '');
    // Never started (a server died while taking it): gone since it was made.
    const goneSince = Number.isFinite(finished) && finished > 0 ? finished : container.Created * 1000;
    states.set(instance, { alive: false, goneSince, idleTtlMs });
  }
  return states;
}

/** Removes dead leases old enough that nothing they protected can still be alive. */
export async function removeDeadLeases(docker: Docker, states: Map<string, LeaseState>, olderThanMs: number, now = Date.now()): Promise<void> {
  for (const [instance, state] of states) {
    if (state.alive || now - (state.goneSince ?? now) < olderThanMs) continue;
    await docker.getContainer(leaseContainerName(instance)).remove({ force: true }).catch(() => undefined);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Holds an instance's lease for the life of a server: when the engine restarts under it (which
 * ends the lease container), it takes the lease back once the engine answers. Until then, and if
 * another server got there first, `held` is false and the reaper removes nothing of its own.
 */
export class LeaseKeeper {
  readonly #docker: Docker;
  readonly #options: LeaseOptions;
  readonly #log: Logger;
  #lease: InstanceLease;
  #stopped = false;

  private constructor(docker: Docker, options: LeaseOptions, lease: InstanceLease, log: Logger) {
    this.#docker = docker;
    this.#options = options;
    this.#lease = lease;
    this.#log = log;
    lease.onLost(() => this.#retake());
  }

  static async start(docker: Docker, options: LeaseOptions, log: Logger): Promise<LeaseKeeper> {
    return new LeaseKeeper(docker, options, await InstanceLease.acquire(docker, options), log);
  }

  get held(): boolean {
    return !this.#stopped && this.#lease.held;
  }

  #retake(): void {
    if (this.#stopped) return;
    this.#log.warn(`lost the engine's lease on LAYERLAB_INSTANCE=${this.#options.instance}; taking it back`);
    const attempt = async () => {
      if (this.#stopped) return;
      try {
        this.#lease = await InstanceLease.acquire(this.#docker, this.#options);
        this.#lease.onLost(() => this.#retake());
        this.#log.info('lease taken back');
      } catch (error) {
        this.#log.error({ err: error }, 'the lease could not be taken back yet; this server reaps nothing of its own meanwhile');
        setTimeout(() => void attempt(), 2000).unref();
      }
    };
    setTimeout(() => void attempt(), 500).unref();
  }

  async stop(options: { remove?: boolean } = {}): Promise<void> {
    this.#stopped = true;
    await this.#lease.release(options);
  }
}
