import type Docker from 'dockerode';
import { EventEmitter } from 'node:events';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import SerializeAddonModule from '@xterm/addon-serialize';
import HeadlessModule from '@xterm/headless';
import type { BuildQueue } from '../build/queue.ts';
import type { Machine } from '../services/machine.ts';
import type { SandboxPolicy } from '../config/policy.ts';
import { engineAnswers } from '../engine/connect.ts';
import { ENGINE_DOWN_MESSAGE, isEngineDown, isNotFound } from '../engine/errors.ts';
import { EngineBoundary } from '../boundary/server.ts';
import type { ScopedEngine } from '../scope/scoped-engine.ts';
import type { Session } from '../sessions/session.ts';
import { workbenchCreateOptions, workspaceVolumeName } from './container.ts';
import { PortForwards } from './port-forwards.ts';
import { ShellMarkerFilter, type ShellMarker } from './shell-markers.ts';
import { readWorkspace, writeWorkspace, type WorkspaceRead } from './workspace-files.ts';

// Both packages are CommonJS bundles; Node's ESM loader sees only their default export.
const { Terminal } = HeadlessModule as unknown as typeof import('@xterm/headless');
const { SerializeAddon } = SerializeAddonModule as unknown as typeof import('@xterm/addon-serialize');

/** Lines of scrollback a reattaching terminal gets back. */
const SCROLLBACK_LINES = 1000;
/** The longest a Ctrl-C during a flood drops output while waiting for the prompt. */
const DRAIN_MS = 10_000;
/** A shell that keeps exiting at once (a broken ~/.bashrc) is not started over forever. */
const RESTARTS_PER_MINUTE = 5;
/** How often a workbench whose engine went away asks whether it is back. */
const ENGINE_RETRY_MS = 1000;
const BRACKETED_PASTE_ON = '\x1b[?2004h';

export interface WorkbenchEvents {
  /** Terminal output, markers taken out. */
  output: [data: Buffer];
  /** A command line was read and runs now. */
  'command-start': [command: string];
  /**
   * It finished; `command` is the line as history holds it, `workspaceStamp` sums the workspace as
   * it left it, and `sequence` counts the workbench's command ends (the session's word of each
   * carries it on).
   */
  'command-end': [command: string, exitCode: number, workspaceStamp: string | undefined, sequence: number];
  /** Back at the prompt with nothing run: an empty line, Ctrl-C at the prompt. (A comment is history, so it ends.) */
  prompt: [];
  /** bash read part of a command (an open quote, a trailing backslash) and waits for the rest. */
  more: [];
  /** The shell ended and will not be started again (see RESTARTS_PER_MINUTE), or the workbench closed. */
  closed: [reason: string];
  /** The engine stopped answering; the shell comes back when it does. */
  away: [];
  /** The shell ended (`exit`, a crash) and a new one has started: told as the new one first speaks. */
  'shell-ended': [];
  /** Readline reads the terminal again (see lineEditing). */
  'line-editing': [];
}

export interface WorkbenchOptions {
  docker: Docker;
  engine: ScopedEngine;
  policy: SandboxPolicy;
  session: Session;
  buildQueue: BuildQueue;
  machine: Machine;
  /** Where the sessions' boundary sockets live: `<socketsDir>/<namespace>/docker.sock`. */
  socketsDir: string;
  log?: (line: string) => void;
}

/** `away`: the engine is not answering (restarting, stopped), and the shell comes back when it does. */
type ShellState = 'starting' | 'prompt' | 'running' | 'away' | 'closed';

/**
 * A session's workbench: the container whose main process is the learner's bash, its Engine API
 * boundary, and the screen that bash has drawn. The shell is the container's own process and the
 * server stays attached to it, so a browser that reloads (or a server that restarts) finds the
 * same shell with its screen, and a build keeps streaming into the screen while nobody watches.
 */
export class Workbench extends EventEmitter<WorkbenchEvents> {
  readonly container: Docker.Container;
  readonly boundary: EngineBoundary;
  /** The session's policy, its lesson's included. */
  readonly policy: SandboxPolicy;
  readonly #options: WorkbenchOptions;
  /** `-p` ports, reachable as localhost inside the workbench. */
  readonly ports: PortForwards;
  readonly #screen: InstanceType<typeof Terminal>;
  readonly #serializer: InstanceType<typeof SerializeAddon>;
  #attachment: Duplex | undefined;
  #markers = new ShellMarkerFilter();
  #state: ShellState = 'starting';
  #restarts: number[] = [];
  #windowStart = 0;
  #windowBytes = 0;
  /** When output was last held back for going over the rate. */
  #heldAt = 0;
  /** After a Ctrl-C during a flood: drop output until the prompt, or until this time. */
  #drainUntil = 0;
  #cols = 80;
  #rows = 24;
  /**
   * The shell ended and a new one is being started: told (printed, and `shell-ended`) once the new
   * one speaks. A shell that ended because the engine is stopping is told as the engine being away
   * instead, so neither the screen nor a lines terminal blames the learner's line for it.
   */
  #shellEndedUntold = false;
  /** The engine-away line is printed once until a shell speaks again, however many tries it takes. */
  #engineAwayTold = false;
  #lineTurn: Promise<void> = Promise.resolve();
  #commandsEnded = 0;
  /**
   * Whether readline reads the terminal now. The prompt's marker comes from PROMPT_COMMAND, before
   * readline takes the terminal out of cooked mode, where the kernel holds at most 4 KiB of a line
   * and drops the rest, Enter included: a long line typed then would never run.
   */
  #lineEditing = false;

  private constructor(options: WorkbenchOptions, container: Docker.Container, boundary: EngineBoundary) {
    super();
    this.#options = options;
    this.container = container;
    this.boundary = boundary;
    this.policy = options.policy;
    this.ports = new PortForwards(options.docker, options.engine, container, (line) => options.log?.(line));
    this.#screen = new Terminal({ cols: this.#cols, rows: this.#rows, scrollback: SCROLLBACK_LINES, allowProposedApi: true });
    this.#serializer = new SerializeAddon();
    this.#screen.loadAddon(this.#serializer);
  }

  /**
   * Opens the session's workbench: the existing one after a server restart (its shell and files
   * kept), or a new one seeded with the session's files.
   */
  static async open(options: WorkbenchOptions): Promise<Workbench> {
    const { docker, engine, policy, session, buildQueue, machine } = options;
    await engine.ensureNetwork();
    const socketDir = path.join(options.socketsDir, session.namespace.id);
    const boundary = await EngineBoundary.listen({ docker, engine, session, buildQueue, machine, policy, socketDir, log: options.log });
    try {
      const container = docker.getContainer(session.namespace.workbenchName);
      let existing: Docker.ContainerInspectInfo | undefined;
      try {
        existing = await container.inspect();
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      if (!existing) {
        await docker.createVolume({ Name: workspaceVolumeName(session.namespace), Labels: session.namespace.labels });
        await docker.createContainer(workbenchCreateOptions(session.namespace, policy, socketDir));
      }
      const workbench = new Workbench(options, container, boundary);
      const running = existing?.State.Running === true;
      await workbench.#attachAndStart({ replay: running });
      if (running) await workbench.#untilPrompt({ warm: session.record.workbenchUnseeded === true });
      // A new workbench, or one the warm pool made for nobody in particular, gets the session's files.
      if (!existing || session.record.workbenchUnseeded) {
        await workbench.writeFiles(session.files, { replace: true });
        delete session.record.workbenchUnseeded;
      }
      return workbench;
    } catch (error) {
      await boundary.close();
      throw error;
    }
  }

  /** The screen as it is now, as escape sequences that redraw it (for a terminal that just attached). */
  screen(): Promise<string> {
    return new Promise((resolve) => this.#screen.write('', () => resolve(this.#serializer.serialize())));
  }

  /**
   * A shell that was already running (a warm one, or one a restarted server finds) has drawn no
   * prompt the server saw: bash draws its first prompt only once its terminal has been read from,
   * and the engine's log keeps no unfinished line, so a replay ends before the last prompt (with
   * its marker). An empty line has bash draw a prompt and say so, as pressing Enter would: at once
   * for a warm shell, which has drawn nothing yet, and for a found one when bash itself holds the
   * terminal (no command of the learner's in the foreground, which the Enter would reach).
   */
  async #untilPrompt(options: { warm: boolean }): Promise<void> {
    if (!options.warm) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      if (this.#state === 'prompt' || !(await this.#shellHoldsTerminal())) return;
    }
    this.#setState('starting');
    this.#attachment?.write('\r');
  }

  /** Whether the login bash is the foreground process of its terminal (ps marks it `+`). */
  async #shellHoldsTerminal(): Promise<boolean> {
    const top = await this.container.top({ ps_args: '-o pid,ppid,stat,comm' }).catch(() => undefined);
    const rows = ((top?.Processes ?? []) as string[][]).map(([pid, ppid, stat, comm]) => ({ pid, ppid, stat, comm }));
    const init = rows.find((row) => row.comm === 'docker-init');
    const shell = rows.find((row) => row.comm === 'bash' && row.ppid === init?.pid);
    return shell?.stat?.includes('+') ?? false;
  }

  /** Keystrokes, as the browser's xterm reports them. */
  input(data: string): void {
    // Ctrl-C while a flood is being held back: what the program wrote before it died is dropped
    // up to the next prompt, rather than played out at the terminal's rate.
    if (data.includes('\x03') && Date.now() - this.#heldAt < 2000) this.#drainUntil = Date.now() + DRAIN_MS;
    this.#attachment?.write(data);
    if (this.#drainUntil > 0) this.#attachment?.resume();
  }

  /** The shell's window size, as the learner's terminal last set it. */
  get size(): { cols: number; rows: number } {
    return { cols: this.#cols, rows: this.#rows };
  }

  resize(cols: number, rows: number): void {
    if (cols === this.#cols && rows === this.#rows) return;
    this.#cols = cols;
    this.#rows = rows;
    this.#screen.resize(cols, rows);
    this.container.resize({ w: cols, h: rows }).catch(() => undefined);
  }

  /**
   * Types a command at the prompt as a person would, over whatever was half-typed (the Build and
   * Run buttons). False when a command is running: nothing is typed then.
   */
  type(command: string): boolean {
    if (this.#state !== 'prompt') return false;
    // Ctrl-E Ctrl-U: to the end of the line, then erase it, so the command isn't glued to a draft.
    this.input(`\x05\x15${command}\r`);
    return true;
  }

  readFiles(): Promise<WorkspaceRead> {
    return readWorkspace(this.#options.docker, this.container, this.#options.policy);
  }

  writeFiles(changes: ReadonlyMap<string, string | null>, options: { replace?: boolean } = {}): Promise<void> {
    return writeWorkspace(this.#options.docker, this.container, changes, options);
  }

  /** Lets go of the shell; with `ended` the session is over and its socket folder goes too. */
  async close(options: { ended?: boolean } = {}): Promise<void> {
    this.#setState('closed');
    this.ports.close();
    this.#attachment?.destroy();
    await this.boundary.close();
    if (options.ended) await rm(path.dirname(this.boundary.socketPath), { recursive: true, force: true });
    this.#screen.dispose();
    this.emit('closed', 'the workbench closed');
  }

  async #attachAndStart(options: { replay: boolean }): Promise<void> {
    const stream = (await this.container.attach({
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      logs: options.replay,
      hijack: true,
    })) as unknown as Duplex;
    this.#attachment = stream;
    this.#markers = new ShellMarkerFilter();
    this.#lineEditing = false;
    stream.on('data', (chunk: Buffer) => this.#onOutput(stream, chunk));
    stream.on('error', () => stream.destroy());
    stream.on('close', () => {
      if (this.#attachment === stream) void this.#onShellEnded();
    });
    const info = await this.container.inspect();
    if (!info.State.Running) await this.container.start();
    await this.container.resize({ w: this.#cols, h: this.#rows }).catch(() => undefined);
    await this.ports.start({ reattached: info.State.Running });
  }

  /** bash ended (`exit`, Ctrl-D) or the engine stopped it: a new shell starts in the same workbench. */
  async #onShellEnded(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#attachment = undefined;
    // No shell until one is started again (or the engine is back): nothing is typed into the void.
    this.#setState('starting');
    if (!(await engineAnswers(this.#options.docker))) return this.#awaitEngine();
    const now = Date.now();
    this.#restarts = [...this.#restarts.filter((at) => now - at < 60_000), now];
    if (this.#restarts.length > RESTARTS_PER_MINUTE) {
      this.#print('[layerlab: the shell keeps exiting at once; check ~/.bashrc, then reload the page]');
      this.#setState('closed');
      this.emit('closed', 'the shell keeps exiting');
      return;
    }
    this.#shellEndedUntold = true;
    await this.#restart();
  }

  async #restart(): Promise<void> {
    try {
      await this.#attachAndStart({ replay: false });
    } catch (error) {
      if (isEngineDown(error)) return this.#awaitEngine();
      // Gone, or being removed: the session is ending, which is no news.
      const status = (error as { statusCode?: number }).statusCode;
      if (status !== 404 && status !== 409) this.#options.log?.(`workbench ${this.#options.session.namespace.id}: ${(error as Error).message}`);
      this.#setState('closed');
      this.ports.close();
      this.emit('closed', 'the shell could not be started again');
    }
  }

  /**
   * The engine stopped (a restart takes every container with it): the screen says so once, and
   * the workbench is started again with a new shell as soon as the engine answers. Its files are
   * in its volume, and the session keeps its images and containers.
   */
  async #awaitEngine(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#shellEndedUntold = false;
    if (this.#state !== 'away') {
      this.#setState('away');
      if (!this.#engineAwayTold) this.#print(`[layerlab: ${ENGINE_DOWN_MESSAGE}]`);
      this.#engineAwayTold = true;
      this.emit('away');
    }
    while (this.#state === 'away' && !(await engineAnswers(this.#options.docker))) {
      await new Promise((resolve) => setTimeout(resolve, ENGINE_RETRY_MS).unref());
    }
    if (this.#state !== 'away') return;
    this.#setState('starting');
    await this.#restart();
  }

  #print(line: string): void {
    this.#onText(Buffer.from(`\r\n\x1b[2m${line}\x1b[0m\r\n`));
  }

  /** Output and markers are told in the order the shell wrote them: the text before a marker first. */
  #onOutput(stream: Duplex, chunk: Buffer): void {
    this.#engineAwayTold = false;
    if (this.#shellEndedUntold) {
      this.#shellEndedUntold = false;
      this.#print('[layerlab: the shell ended; here is a new one]');
      this.emit('shell-ended');
    }
    const { output, markers } = this.#markers.push(chunk);
    let from = 0;
    if (this.#drainUntil > 0) {
      const prompt = markers.find((marker) => marker.kind !== 'start');
      if (prompt || Date.now() > this.#drainUntil) {
        this.#drainUntil = 0;
        this.#print('[layerlab: output after Ctrl-C skipped]');
        from = prompt ? prompt.at : output.length;
      } else from = output.length;
    }
    for (const marker of markers) {
      if (marker.at > from) {
        this.#onText(output.subarray(from, marker.at));
        from = marker.at;
      }
      this.#onMarker(marker);
    }
    if (from < output.length) this.#onText(output.subarray(from));
    if (this.#drainUntil === 0) this.#holdToRate(stream, chunk.length);
  }

  /**
   * A program that prints without pause (`yes`) is slowed to the terminal's rate rather than cut:
   * the attachment stops being read, so the program blocks on its writes as on a slow terminal.
   */
  #holdToRate(stream: Duplex, bytes: number): void {
    const now = Date.now();
    if (now - this.#windowStart >= 1000) {
      this.#windowStart = now;
      this.#windowBytes = 0;
    }
    this.#windowBytes += bytes;
    if (this.#windowBytes >= this.#options.policy.terminal.interactiveBytesPerSecond) {
      this.#heldAt = now;
      stream.pause();
      setTimeout(() => stream.resume(), 1000 - (now - this.#windowStart)).unref();
    }
  }

  #onText(data: Buffer): void {
    // Readline switches bracketed paste on as it takes the terminal (bash 5.2's default).
    if (!this.#lineEditing && data.includes(BRACKETED_PASTE_ON)) {
      this.#lineEditing = true;
      this.emit('line-editing');
    }
    this.#screen.write(data);
    this.emit('output', data);
  }

  /**
   * Resolves once readline reads the terminal, so a line of any length can be typed; at most
   * `fallbackMs` later when nothing says so (a learner who turned bracketed paste off).
   */
  lineEditing(fallbackMs = 1000): Promise<void> {
    if (this.#lineEditing) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.off('line-editing', done);
        resolve();
      };
      const timer = setTimeout(done, fallbackMs);
      this.on('line-editing', done);
    });
  }

  #onMarker(marker: ShellMarker): void {
    if (marker.kind !== 'more') this.#lineEditing = false;
    if (marker.kind === 'start') {
      this.#setState('running');
      this.emit('command-start', marker.command);
    } else if (marker.kind === 'end') {
      this.#setState('prompt');
      this.#commandsEnded += 1;
      this.emit('command-end', marker.command, marker.exitCode, marker.workspaceStamp, this.#commandsEnded);
    } else if (marker.kind === 'prompt') {
      this.#setState('prompt');
      this.emit('prompt');
    } else {
      this.emit('more');
    }
  }

  /** Runs `work` after every line typed before it has ended: lines terminals take turns at the one prompt. */
  oneLineAtATime(work: () => Promise<void>): Promise<void> {
    const turn = this.#lineTurn.then(work);
    this.#lineTurn = turn.catch(() => undefined);
    return turn;
  }

  /** Resolves once the shell waits at its prompt (at once if it does); rejects if the workbench closes first. */
  atPrompt(): Promise<void> {
    if (this.#state === 'prompt') return Promise.resolve();
    if (this.#state === 'closed') return Promise.reject(new Error('the shell ended; open the terminal again for a new one'));
    if (this.#state === 'away') return Promise.reject(new Error(ENGINE_DOWN_MESSAGE));
    return new Promise((resolve, reject) => {
      const settle = () => {
        this.off('prompt', onPrompt);
        this.off('command-end', onPrompt);
        this.off('closed', onClosed);
        this.off('away', onAway);
      };
      const onPrompt = () => {
        settle();
        resolve();
      };
      const onClosed = (reason: string) => {
        settle();
        reject(new Error(`${reason}; open the terminal again for a new one`));
      };
      const onAway = () => {
        settle();
        reject(new Error(ENGINE_DOWN_MESSAGE));
      };
      this.on('prompt', onPrompt);
      this.on('command-end', onPrompt);
      this.on('closed', onClosed);
      this.on('away', onAway);
    });
  }

  #setState(state: ShellState): void {
    if (this.#state !== 'closed') this.#state = state;
  }
}
