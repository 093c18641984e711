import { EventEmitter } from 'node:events';
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
  /** Terminal history for the up arrow and `history`. */
  history: string[];
  /** Every command the learner finished, for "the learner ran …" checks. */
  commands: RanCommand[];
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
  /** A terminal command finished (and the workspace copy holds what it did). */
  command: [command: RanCommand];
  /** The session's engine objects may have changed. */
  objects: [];
  ended: [];
}

export class Session extends EventEmitter<SessionEvents> {
  readonly record: SessionRecord;
  readonly namespace: Namespace;
  /** Set while this session's build runs or waits for a slot. */
  activeBuild: AbortController | undefined;
  /** The last build's outcome, for the editor to mark a failed build's line. */
  lastBuild: { ok: boolean; dockerfile: string; failure?: { line: number; message: string }; finishedAt: number } | undefined;

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

  /** Keeps a finished command for "the learner ran …" checks (the newest COMMANDS_KEPT), and tells who listens. */
  commandFinished(line: string, exitCode: number): RanCommand {
    const ran: RanCommand = { line, exitCode, at: Date.now(), ...(this.record.lessonId ? { lessonId: this.record.lessonId } : {}) };
    this.record.commands = [...this.record.commands, ran].slice(-COMMANDS_KEPT);
    this.emit('command', ran);
    return ran;
  }
}
