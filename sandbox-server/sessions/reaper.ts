import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { isEngineDown } from '../engine/errors.ts';
import { LABEL, namespaceOfImageTag } from '../scope/namespace.ts';
import { leaseStates, removeDeadLeases, type LeaseState } from './lease.ts';
import type { SessionStore } from './store.ts';
import { endSession, removeNamespace } from './teardown.ts';

export interface ReapReport {
  endedSessions: number;
  removedNamespaces: string[];
}

/**
 * Ends expired sessions and removes what they left on the engine. It also finds objects no live
 * session owns, and it is careful about whose: an object goes when its own labelled expiry has
 * passed, or when its owner is gone. Of this server's own instance, that is an object its store
 * does not know, because the instance's lease says no other server of that name is alive. Of
 * another instance, that is one whose lease has been dead longer than its sessions may sit idle.
 * An instance with no lease on the engine at all keeps its objects until they expire.
 */
export class Reaper {
  readonly #docker: Docker;
  readonly #store: SessionStore;
  readonly #instance: string;
  readonly #holdsLease: () => boolean;
  readonly #hardTtlMs: number;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<ReapReport> | undefined;
  readonly #isWarm: (namespace: string) => boolean;

  constructor(options: {
    docker: Docker;
    store: SessionStore;
    instance: string;
    holdsLease: () => boolean;
    /** A namespace the warm pool made for a session not yet opened: live, though no session has it. */
    isWarm?: (namespace: string) => boolean;
    hardTtlMs: number;
    log: Logger;
  }) {
    this.#isWarm = options.isWarm ?? (() => false);
    this.#docker = options.docker;
    this.#store = options.store;
    this.#instance = options.instance;
    this.#holdsLease = options.holdsLease;
    this.#hardTtlMs = options.hardTtlMs;
    this.#log = options.log;
  }

  start(intervalMs: number): void {
    this.#timer = setInterval(() => void this.sweep().catch(() => undefined), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** One pass. Concurrent calls share the pass in flight. */
  sweep(): Promise<ReapReport> {
    this.#sweeping ??= this.#sweep().finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  async #sweep(): Promise<ReapReport> {
    const report: ReapReport = { endedSessions: 0, removedNamespaces: [] };
    const now = Date.now();
    try {
      for (const session of this.#store.all()) {
        if (!this.#store.isExpired(session, now)) continue;
        report.endedSessions += 1;
        await endSession(this.#docker, this.#store, session);
        report.removedNamespaces.push(session.record.namespace);
      }
      const leases = await leaseStates(this.#docker);
      for (const namespace of await this.#orphans(now, leases)) {
        await removeNamespace(this.#docker, namespace);
        report.removedNamespaces.push(namespace);
      }
      // A lease dead this long protected nothing that has not expired by now.
      await removeDeadLeases(this.#docker, leases, this.#hardTtlMs, now);
    } catch (error) {
      if (!isEngineDown(error)) this.#log.warn({ err: error }, 'reaper pass failed; it will try again');
    }
    if (report.removedNamespaces.length > 0) {
      this.#log.info({ ...report }, 'reaper removed expired sandbox objects');
    }
    return report;
  }

  /**
   * Namespaces with objects on the engine but no live session (see the class comment), and image
   * tags whose namespace has no live network (images carry no labels; the network marks a
   * namespace as alive).
   */
  async #orphans(now: number, leases: Map<string, LeaseState>): Promise<Set<string>> {
    const orphans = new Set<string>();
    const live = new Set<string>();
    // Images are listed before networks: a namespace's network always exists before its images.
    const images = await this.#docker.listImages();
    const networks = await this.#docker.listNetworks({ filters: { label: [LABEL.session] } });
    const labelled = [
      ...(await this.#docker.listContainers({ all: true, filters: { label: [LABEL.session] } })).map((info) => info.Labels),
      ...((await this.#docker.listVolumes({ filters: { label: [LABEL.session] } })).Volumes ?? []).map((volume) => volume.Labels ?? {}),
      ...networks.map((network) => network.Labels ?? {}),
    ];
    for (const labels of labelled) {
      const namespace = labels[LABEL.session];
      if (!namespace) continue;
      if (this.#isOrphan(labels, now, leases)) orphans.add(namespace);
    }
    for (const network of networks) {
      const labels = network.Labels ?? {};
      const namespace = labels[LABEL.session];
      if (namespace && !this.#isOrphan(labels, now, leases)) live.add(namespace);
    }
    for (const tag of images.flatMap((image) => image.RepoTags ?? [])) {
      const namespace = namespaceOfImageTag(tag);
      if (namespace && !live.has(namespace) && !this.#store.byNamespace(namespace)) orphans.add(namespace);
    }
    for (const session of this.#store.all()) orphans.delete(session.record.namespace);
    return orphans;
  }

  #isOrphan(labels: Record<string, string>, now: number, leases: Map<string, LeaseState>): boolean {
    const expires = Number(labels[LABEL.expires]);
    if (Number.isFinite(expires) && expires <= now) return true;
    const owner = labels[LABEL.instance];
    if (owner === this.#instance) {
      const namespace = labels[LABEL.session]!;
      return this.#holdsLease() && !this.#store.byNamespace(namespace) && !this.#isWarm(namespace);
    }
    const lease = owner === undefined ? undefined : leases.get(owner);
    if (!lease || lease.alive) return false;
    return now - (lease.goneSince ?? now) > (lease.idleTtlMs ?? this.#hardTtlMs);
  }
}
