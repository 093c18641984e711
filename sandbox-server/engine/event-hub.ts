import type Docker from 'dockerode';
import type { Readable } from 'node:stream';

/** The part of one engine event a listener decides on. */
export interface EngineChange {
  type: string;
  action: string;
  id: string;
  attributes: Record<string, string>;
}

/** Longest event line kept while waiting for its newline; the engine's are a few hundred bytes. */
const MAX_LINE = 64 * 1024;
const RECONNECT_MS = 2000;
/** The type of the change sent when a stream (re)connects, after which anything may have changed. */
export const RESYNC = 'layerlab-resync';

/**
 * One subscription to the engine's /events for the whole server, handed to every listener, so a
 * classroom of open panels costs the engine one stream, not one per browser tab. It follows only
 * while someone listens, and follows again after the engine went away (a restart).
 */
export class EngineEventHub {
  readonly #docker: Docker;
  readonly #listeners = new Set<(change: EngineChange) => void>();
  #stream: Readable | undefined;
  #connecting = false;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(docker: Docker) {
    this.#docker = docker;
  }

  get listeners(): number {
    return this.#listeners.size;
  }

  /** Adds a listener; the function returned removes it. */
  subscribe(listener: (change: EngineChange) => void): () => void {
    this.#listeners.add(listener);
    if (!this.#stream && !this.#connecting) void this.#follow();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#stop();
    };
  }

  async #follow(): Promise<void> {
    if (this.#closed || this.#listeners.size === 0) return;
    this.#connecting = true;
    const filters = { type: ['container', 'image'] };
    try {
      const stream = (await this.#docker.getEvents({ filters: JSON.stringify(filters) } as never)) as unknown as Readable;
      this.#connecting = false;
      if (this.#closed || this.#listeners.size === 0) {
        stream.destroy();
        return;
      }
      this.#stream = stream;
      // Whatever happened while no stream was open (before this one, or while the engine was
      // down) went unseen: every listener looks afresh.
      this.#broadcast({ type: RESYNC, action: 'connected', id: '', attributes: {} });
      let pending = '';
      stream.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
          this.#emit(pending.slice(0, newline));
          pending = pending.slice(newline + 1);
        }
        if (pending.length > MAX_LINE) pending = '';
      });
      stream.on('error', () => stream.destroy());
      stream.on('close', () => {
        if (this.#stream !== stream) return;
        this.#stream = undefined;
        this.#retryLater();
      });
    } catch {
      this.#connecting = false;
      this.#retryLater();
    }
  }

  #retryLater(): void {
    if (this.#closed || this.#listeners.size === 0) return;
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => void this.#follow(), RECONNECT_MS);
    this.#retry.unref();
  }

  #emit(line: string): void {
    let event: { Type?: string; Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      return;
    }
    const change: EngineChange = {
      type: event.Type ?? '',
      action: event.Action ?? '',
      id: event.Actor?.ID ?? '',
      attributes: event.Actor?.Attributes ?? {},
    };
    this.#broadcast(change);
  }

  #broadcast(change: EngineChange): void {
    for (const listener of this.#listeners) listener(change);
  }

  #stop(): void {
    clearTimeout(this.#retry);
    this.#stream?.destroy();
    this.#stream = undefined;
  }

  close(): void {
    this.#closed = true;
    this.#listeners.clear();
    this.#stop();
  }
}
