import type Docker from 'dockerode';
import path from 'node:path';
import type { Logger } from 'pino';
import type { BuildQueue } from '../build/queue.ts';
import type { SandboxPolicy } from '../config/policy.ts';
import type { ScopedEngine } from '../scope/scoped-engine.ts';
import type { Machine } from '../services/machine.ts';
import type { Session } from '../sessions/session.ts';
import type { SessionStore } from '../sessions/store.ts';
import { Workbench } from './workbench.ts';

export interface WorkbenchesOptions {
  docker: Docker;
  store: SessionStore;
  buildQueue: BuildQueue;
  machine: Machine;
  stateDir: string;
  engineFor(session: Session): ScopedEngine;
  policyFor(session: Session): SandboxPolicy;
  log: Logger;
}

/**
 * Every session's workbench, opened when the session starts and closed when it ends. After each
 * command that changed the workspace (the shell's end marker stamps it), the session's copy is
 * read back from the workbench (the files' one owner) before anyone hears that the command ended,
 * so checks and the editor see what the command did.
 */
export class Workbenches {
  readonly #options: WorkbenchesOptions;
  readonly #open = new Map<Session, Promise<Workbench>>();
  /** Boundary sockets, one folder per session; short, because a socket path is at most 107 bytes. */
  readonly socketsDir: string;

  constructor(options: WorkbenchesOptions) {
    this.#options = options;
    this.socketsDir = path.join(options.stateDir, 's');
  }

  /** The session's workbench if it is open or opening; a write then goes to it, and otherwise its files wait in the session. */
  opened(session: Session): Promise<Workbench> | undefined {
    return this.#open.get(session);
  }

  /** The session's workbench, opened (or reattached, after a restart) on first use. */
  for(session: Session): Promise<Workbench> {
    let opening = this.#open.get(session);
    if (!opening) {
      opening = this.#openFor(session);
      this.#open.set(session, opening);
      opening.catch(() => this.#open.delete(session));
    }
    return opening;
  }

  async #openFor(session: Session): Promise<Workbench> {
    const { docker, buildQueue, machine, log } = this.#options;
    const opening = this.#open.get(session);
    const workbench = await Workbench.open({
      docker,
      engine: this.#options.engineFor(session),
      policy: this.#options.policyFor(session),
      session,
      buildQueue,
      machine,
      socketsDir: this.socketsDir,
      log: (line) => log.warn(line),
    });
    // In the shell's order: the next command's start waits until the last one's end is told, which
    // waits for the workspace to be read back.
    let told = Promise.resolve();
    workbench.on('command-start', (command) => {
      told = told.then(() => void session.emit('command-start', command));
    });
    // The stamp of the workspace as last read back: a command that leaves it the same (names, sizes
    // and times; the editor's writes change the times too) needs no read.
    let readAt: string | undefined;
    workbench.on('command-end', (command, exitCode, stamp, sequence) => {
      told = told.then(async () => {
        const unchanged = stamp !== undefined && stamp === readAt;
        if (!unchanged && (await this.#readBack(session, workbench))) readAt = stamp;
        this.#options.store.touch(session);
        session.commandFinished(command, exitCode, sequence);
      });
    });
    // A shell that could not be started again (the engine was away) is opened afresh next time.
    workbench.once('closed', () => {
      if (this.#open.get(session) === opening) this.#open.delete(session);
    });
    session.once('ended', () => {
      this.#open.delete(session);
      void workbench.close({ ended: true });
    });
    return workbench;
  }

  /** The session's copy of the workspace, from the workbench (its files' one owner); false if it could not be read. */
  async #readBack(session: Session, workbench: Workbench): Promise<boolean> {
    try {
      const { files } = await workbench.readFiles();
      if (!sameFiles(files, session.record.files)) {
        session.record.files = files;
        session.emit('files', 'workbench');
      }
      return true;
    } catch (error) {
      this.#options.log.warn(`workspace of ${session.namespace.id} not read back: ${(error as Error).message}`);
      return false;
    }
  }

  /** Lets go of every workbench without stopping it: a restarted server reattaches to the same shells. */
  async detachAll(): Promise<void> {
    const open = [...this.#open.values()];
    this.#open.clear();
    await Promise.all(open.map((opening) => opening.then((workbench) => workbench.close(), () => undefined)));
  }
}

function sameFiles(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [path, content] of a) if (b.get(path) !== content) return false;
  return true;
}
