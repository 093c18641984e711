import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { isEngineDown } from '../engine/errors.ts';
import { LABEL, namespaceOfImageTag } from '../scope/namespace.ts';
import type { SessionStore } from './store.ts';
import { removeNamespace } from './teardown.ts';

export interface ReapReport {
  endedSessions: number;
  removedNamespaces: string[];
}

/**
 * Ends expired sessions and removes what they left on the engine. It also finds objects no live
 * session owns: those of sessions this server forgot (a crash lost them) and, from any server,
 * those past their hard expiry.
 */
export class Reaper {
  readonly #docker: Docker;
  readonly #store: SessionStore;
  readonly #instance: string;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<ReapReport> | undefined;

  constructor(options: { docker: Docker; store: SessionStore; instance: string; log: Logger }) {
    this.#docker = options.docker;
    this.#store = options.store;
    this.#instance = options.instance;
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
        session.activeBuild?.abort();
        this.#store.delete(session);
        report.endedSessions += 1;
        await removeNamespace(this.#docker, session.record.namespace);
        report.removedNamespaces.push(session.record.namespace);
      }
      for (const namespace of await this.#orphans(now)) {
        await removeNamespace(this.#docker, namespace);
        report.removedNamespaces.push(namespace);
      }
    } catch (error) {
      if (!isEngineDown(error)) this.#log.warn({ err: error }, 'reaper pass failed; it will try again');
    }
    if (report.removedNamespaces.length > 0) {
      this.#log.info({ ...report }, 'reaper removed expired sandbox objects');
    }
    return report;
  }

  /**
   * Namespaces with objects on the engine but no live session: labelled objects of this instance
   * that no session here owns, any object past its hard expiry, and image tags whose namespace has
   * no live network (images carry no labels; the network marks a namespace as alive).
   */
  async #orphans(now: number): Promise<Set<string>> {
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
      if (this.#isOrphan(labels, now)) orphans.add(namespace);
    }
    for (const network of networks) {
      const labels = network.Labels ?? {};
      const namespace = labels[LABEL.session];
      if (namespace && !this.#isOrphan(labels, now)) live.add(namespace);
    }
    for (const tag of images.flatMap((image) => image.RepoTags ?? [])) {
      const namespace = namespaceOfImageTag(tag);
      if (namespace && !live.has(namespace) && !this.#store.byNamespace(namespace)) orphans.add(namespace);
    }
    for (const session of this.#store.all()) orphans.delete(session.record.namespace);
    return orphans;
  }

  #isOrphan(labels: Record<string, string>, now: number): boolean {
    const expires = Number(labels[LABEL.expires]);
    if (Number.isFinite(expires) && expires <= now) return true;
    return labels[LABEL.instance] === this.#instance && !this.#store.byNamespace(labels[LABEL.session]!);
  }
}
