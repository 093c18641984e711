import { EventEmitter } from 'node:events';
import type { BuildResult } from '../build/run-build.ts';
import { Namespace } from '../scope/namespace.ts';
import type { WorkspaceFiles } from './workspace.ts';

/** What survives a server restart: kept in the state file. */
export interface SessionRecord {
  /** The cookie secret. Never written into engine object names or labels. */
  id: string;
  namespace: string;
  createdAt: number;
  lastSeenAt: number;
  /** The hard end of the session, whatever the learner does. */
  expiresAt: number;
  /** The client address that opened it, for the per-address cap. */
  address?: string;
  /** When a terminal first opened on it; a session that never opens one ends soon. */
  terminalOpenedAt?: number;
  files: WorkspaceFiles;
  lessonId?: string;
  /** The session took a workbench from the warm pool that has not had its files yet. */
  workbenchUnseeded?: boolean;
  /** Names the session in its preview hosts (preview/preview-host.ts); made when first asked for. */
  previewToken?: string;
  /** Terminal history for the up arrow and `history`. */
  history: string[];
  /** Every command the learner finished, for "the learner ran …" checks. */
  commands: RanCommand[];
  /** The class learner this session records for (classes/recorder.ts), when the browser joined a class. */
  learner?: { classCode: string; learnerId: string };
}

/** Commands a session keeps for "the learner ran …" checks. */
const COMMANDS_KEPT = 200;

export interface RanCommand {
  line: string;
  exitCode: number;
  at: number;
  /** The lesson the session was on when the command ran: "the learner ran …" checks count only these. */
  lessonId?: string;
}

export interface SessionEvents {
  /** A command in the workbench changed the workspace; the session's copy holds the new files. */
  files: [source: 'workbench'];
  /** A terminal command started. */
  'command-start': [command: string];
  /**
   * A terminal command finished (and the workspace copy holds what it did); `sequence` is the
   * workbench command end it tells of (see Workbench's `command-end`).
   */
  command: [command: RanCommand, sequence: number | undefined];
  /** The session's engine objects may have changed. */
  objects: [];
  /** A terminal socket opened or closed on the session; `open` is how many are open now. */
  terminals: [open: number];
  ended: [];
}

export class Session extends EventEmitter<SessionEvents> {
  readonly record: SessionRecord;
  readonly namespace: Namespace;
  /** Set while this session's build runs or waits for a slot. */
  activeBuild: AbortController | undefined;
  /** The last build, step by step, for the editor's gutter; in memory only (a restart forgets it). */
  lastBuild: { result: BuildResult; dockerfilePath: string } | undefined;
  /** Terminal sockets open on the session now (in memory): a class learner with one is online. */
  openTerminals = 0;

  constructor(record: SessionRecord, instance: string) {
    super();
    this.record = record;
    this.namespace = new Namespace(record.namespace, instance, record.expiresAt);
  }

  get id(): string {
    return this.record.id;
  }

  get files(): WorkspaceFiles {
    return this.record.files;
  }

  terminalSocketOpened(): void {
    this.openTerminals += 1;
    this.emit('terminals', this.openTerminals);
  }

  terminalSocketClosed(): void {
    this.openTerminals = Math.max(0, this.openTerminals - 1);
    this.emit('terminals', this.openTerminals);
  }

  /** Keeps a finished command for "the learner ran …" checks (the newest COMMANDS_KEPT), and tells who listens. */
  commandFinished(line: string, exitCode: number, sequence?: number): RanCommand {
    const ran: RanCommand = { line, exitCode, at: Date.now(), ...(this.record.lessonId ? { lessonId: this.record.lessonId } : {}) };
    this.record.commands = [...this.record.commands, ran].slice(-COMMANDS_KEPT);
    this.emit('command', ran, sequence);
    return ran;
  }
}
