import { EventEmitter } from 'node:events';
import { CLASS_LIMITS } from './limits.ts';

/** Something the instructor's dashboard shows changed: one learner, or the class itself. */
export type ClassEvent = { type: 'learner'; learnerId: string } | { type: 'class'; closedAt: number };

/** Carries this host's events to the other hosts that share the class database (postgres-events.ts). */
export interface ClassEventRelay {
  send(classCode: string, event: ClassEvent): void;
}

/**
 * Live changes per class, for the dashboard's event stream (in memory: a restart starts afresh).
 * With several hosts, a relay takes each event to the others, and theirs come in by deliver().
 */
export class ClassEventHub {
  readonly #emitter = new EventEmitter();
  #relay: ClassEventRelay | undefined;

  constructor() {
    // Each stream is one listener; the routes refuse streams past the bound, so this never warns.
    this.#emitter.setMaxListeners(CLASS_LIMITS.watchersPerClass + 5);
  }

  /** Listens to one class; returns the function that stops listening. */
  subscribe(classCode: string, listener: (event: ClassEvent) => void): () => void {
    this.#emitter.on(classCode, listener);
    return () => this.#emitter.off(classCode, listener);
  }

  listeners(classCode: string): number {
    return this.#emitter.listenerCount(classCode);
  }

  relayTo(relay: ClassEventRelay | undefined): void {
    this.#relay = relay;
  }

  /** An event of this host: its own dashboards hear it, and the other hosts' through the relay. */
  publish(classCode: string, event: ClassEvent): void {
    this.#emitter.emit(classCode, event);
    this.#relay?.send(classCode, event);
  }

  /** An event another host published: this host's dashboards hear it, and it goes no further. */
  deliver(classCode: string, event: ClassEvent): void {
    this.#emitter.emit(classCode, event);
  }
}
