import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type { SandboxPolicy } from '../config/policy.ts';
import { Namespace } from '../scope/namespace.ts';
import type { Pool } from '../scope/network-pool.ts';
import { ScopedEngine } from '../scope/scoped-engine.ts';
import { removeNamespace } from '../sessions/teardown.ts';
import { workbenchCreateOptions, workspaceVolumeName } from './container.ts';

/**
 * Workbenches made before anyone asks, so a new learner's first prompt comes at once. Each entry
 * is a whole namespace: its network, its workspace volume and its workbench, started, bash at the
 * prompt. A new session takes one as its namespace (SessionStore.create), and its workbench then
 * only has to be attached and given the lesson's files. Entries are labelled like any session's
 * objects, with an expiry; an entry older than MAX_AGE_MS is replaced, so a session that takes one
 * loses at most that much of its hard TTL.
 */

const MAX_AGE_MS = 10 * 60_000;

export interface WarmEntry {
  namespace: string;
  /** The expiry its objects are labelled with; the session that takes it ends no later. */
  expiresAt: number;
  madeAt: number;
}

export interface WarmPoolOptions {
  docker: Docker;
  size: number;
  instance: string;
  policy: SandboxPolicy;
  socketsDir: string;
  networkPool: Pool;
  log: Logger;
}

export class WarmPool {
  readonly #options: WarmPoolOptions;
  readonly #ready: WarmEntry[] = [];
  /** Namespaces being made or ready: the reaper must take them for live ones. */
  readonly #held = new Set<string>();
  #filling: Promise<void> | undefined;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: WarmPoolOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#ready.length;
  }

  /** Whether a namespace is the pool's (made, or being made): not an orphan. */
  holds(namespace: string): boolean {
    return this.#held.has(namespace);
  }

  /** A ready entry for a new session, or undefined when the pool is empty (the session makes its own). */
  take(): WarmEntry | undefined {
    const entry = this.#ready.shift();
    if (entry) this.#held.delete(entry.namespace);
    this.fill();
    return entry;
  }

  /** Makes entries until the pool is full, one at a time, in the background; and keeps it fresh. */
  fill(): void {
    if (this.#closed || this.#options.size === 0) return;
    this.#filling ??= this.#fill().finally(() => {
      this.#filling = undefined;
    });
    this.#timer ??= setInterval(() => void this.#replaceOld(), MAX_AGE_MS / 4);
    this.#timer.unref();
  }

  /** Resolves once the pool is full (for tests and the bench). */
  async filled(): Promise<void> {
    this.fill();
    while (this.#filling) await this.#filling;
  }

  async #fill(): Promise<void> {
    while (!this.#closed && this.#ready.length < this.#options.size) {
      try {
        this.#ready.push(await this.#make());
      } catch (error) {
        this.#options.log.warn(`warm workbench pool: ${(error as Error).message}`);
        return;
      }
    }
  }

  async #make(): Promise<WarmEntry> {
    const { docker, instance, policy, socketsDir, networkPool } = this.#options;
    const id = randomBytes(8).toString('hex');
    const madeAt = Date.now();
    const expiresAt = madeAt + policy.sessions.hardTtlMs;
    this.#held.add(id);
    try {
      const namespace = new Namespace(id, instance, expiresAt);
      await new ScopedEngine(docker, namespace, networkPool).ensureNetwork();
      await docker.createVolume({ Name: workspaceVolumeName(namespace), Labels: namespace.labels });
      const socketDir = path.join(socketsDir, id);
      await mkdir(socketDir, { recursive: true });
      const container = await docker.createContainer(workbenchCreateOptions(namespace, policy, socketDir));
      await container.start();
      return { namespace: id, expiresAt, madeAt };
    } catch (error) {
      this.#held.delete(id);
      await removeNamespace(docker, id).catch(() => undefined);
      throw error;
    }
  }

  async #replaceOld(): Promise<void> {
    const now = Date.now();
    for (const entry of [...this.#ready]) {
      if (now - entry.madeAt < MAX_AGE_MS) continue;
      this.#ready.splice(this.#ready.indexOf(entry), 1);
      this.#held.delete(entry.namespace);
      await removeNamespace(this.#options.docker, entry.namespace).catch(() => undefined);
    }
    this.fill();
  }

  /** Stops making entries; those made stay for the reaper of the next server (they are nobody's). */
  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
  }

  /** Removes every entry, for a server that won't come back. */
  async drain(): Promise<void> {
    this.close();
    await this.#filling;
    for (const entry of this.#ready.splice(0)) {
      this.#held.delete(entry.namespace);
      await removeNamespace(this.#options.docker, entry.namespace).catch(() => undefined);
    }
  }
}
