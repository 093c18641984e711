import type Docker from 'dockerode';
import type { BuildQueue } from '../build/queue.ts';
import type { BuildResult } from '../build/run-build.ts';
import type { SandboxPolicy } from '../config/policy.ts';
import type { ScopedEngine } from '../scope/scoped-engine.ts';
import type { Session } from '../sessions/session.ts';

/** What a running command may do with the terminal. */
export interface TerminalIO {
  /** Text with "\n" line ends; a TTY client gets "\r\n". */
  out(text: string): void;
  err(text: string): void;
  /** Bytes from a container's TTY, passed through untouched. */
  raw(data: Uint8Array): void;
  /** Aborted by Ctrl-C or a lost connection. */
  readonly signal: AbortSignal;
  /** True for a browser terminal or `layerlab shell` in a TTY; false for piped, one-line-per-command use. */
  readonly tty: boolean;
  size(): { cols: number; rows: number };
  /**
   * Hands raw keystrokes and window sizes to a container (docker run -it, docker exec -it) until
   * the returned function is called.
   */
  attach(target: AttachTarget): () => void;
  /** Asks a yes/no question; resolves false when the terminal can't answer (piped input). */
  confirm(question: string): Promise<boolean>;
}

export interface AttachTarget {
  input(data: Buffer): void;
  resize(cols: number, rows: number): void;
  /** A TTY turns Ctrl-C into SIGINT itself; without one the terminal interrupts the command instead. */
  passCtrlC: boolean;
}

/** Server-wide parts a command may use. */
export interface Services {
  docker: Docker;
  policy: SandboxPolicy;
  buildQueue: BuildQueue;
  /** The policy for a session: the server's, tightened by its lesson's overrides. */
  policyFor(session: Session): SandboxPolicy;
  /** The last build of each session, read by checks and the layer explorer. */
  lastBuilds: WeakMap<Session, BuildResult>;
}

export interface CommandContext {
  session: Session;
  engine: ScopedEngine;
  services: Services;
  io: TerminalIO;
}

/** Runs with the words after the command name; resolves with the exit status. */
export type CommandHandler = (args: string[], context: CommandContext) => Promise<number>;

export interface CommandDefinition {
  name: string;
  summary: string;
  run: CommandHandler;
}
