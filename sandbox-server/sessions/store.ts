import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SandboxPolicy } from '../config/policy.ts';
import { namespaceOf } from '../scope/namespace.ts';
import { Session, type SessionRecord } from './session.ts';
import { filesFromObject, filesToObject, type WorkspaceFiles } from './workspace.ts';
import type { WarmEntry } from '../workbench/warm-pool.ts';

export class SessionLimitError extends Error {}
/** The client's address holds its share of the seats; other addresses may still get one. */
export class AddressLimitError extends SessionLimitError {}

/**
 * Sessions in memory, written to `<stateDir>/sessions.json` after each change (debounced), so a
 * restarted server still knows its learners and the reaper can tell live objects from orphans.
 */
export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #file: string;
  readonly #policy: SandboxPolicy;
  readonly #instance: string;
  #saveTimer: NodeJS.Timeout | undefined;

  constructor(options: { stateDir: string; policy: SandboxPolicy; instance: string }) {
    this.#policy = options.policy;
    this.#instance = options.instance;
    mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
    this.#file = path.join(options.stateDir, 'sessions.json');
    this.#load();
  }

  #load(): void {
    let records: (Omit<SessionRecord, 'files'> & { files?: Record<string, string> })[] = [];
    try {
      records = JSON.parse(readFileSync(this.#file, 'utf8'));
    } catch {
      return; // a first start, or a torn file from a crash: start with no sessions
    }
    for (const record of records) {
      if (typeof record?.id === 'string' && typeof record.namespace === 'string') {
        this.#sessions.set(record.id, new Session({ ...record, files: filesFromObject(record.files ?? {}) }, this.#instance));
      }
    }
  }

  /** A new session; `warm` is a namespace from the warm pool, whose workbench is already running. */
  create(files: WorkspaceFiles = new Map(), lessonId?: string, address?: string, warm?: WarmEntry): Session {
    if (this.#sessions.size >= this.#policy.sessions.max) {
      throw new SessionLimitError('this server is full: every learner seat is taken; try again later');
    }
    const perAddress = this.#policy.sessions.perAddress;
    if (address !== undefined && this.all().filter((session) => session.record.address === address && !this.isExpired(session)).length >= perAddress) {
      throw new AddressLimitError(
        `your address already holds ${perAddress} sessions, the most one address may have here; close some tabs, or wait a few minutes for unused ones to end`,
      );
    }
    const id = randomBytes(24).toString('base64url');
    const now = Date.now();
    const session = new Session(
      {
        id,
        namespace: warm?.namespace ?? namespaceOf(id),
        createdAt: now,
        lastSeenAt: now,
        // Never past the expiry its objects carry (a warm entry's was set when it was made).
        expiresAt: Math.min(now + this.#policy.sessions.hardTtlMs, warm?.expiresAt ?? Infinity),
        ...(warm ? { workbenchUnseeded: true } : {}),
        address,
        files: new Map(files),
        lessonId,
        history: [],
        commands: [],
      },
      this.#instance,
    );
    this.#sessions.set(id, session);
    this.changed();
    return session;
  }

  /** The live session for this id, or undefined if it never existed or has expired. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.#sessions.get(id);
    if (!session || this.isExpired(session)) return undefined;
    return session;
  }

  /** Marks the session as used now, which pushes back its idle expiry. */
  touch(session: Session): void {
    session.record.lastSeenAt = Date.now();
    this.changed();
  }

  isExpired(session: Session, now = Date.now()): boolean {
    const { record } = session;
    const { idleTtlMs, unopenedTtlMs } = this.#policy.sessions;
    if (record.terminalOpenedAt === undefined && now - record.createdAt >= unopenedTtlMs) return true;
    return now >= record.expiresAt || now - record.lastSeenAt >= idleTtlMs;
  }

  /** A terminal opened on the session: from now on only the idle and hard TTLs end it. */
  terminalOpened(session: Session): void {
    if (session.record.terminalOpenedAt !== undefined) return;
    session.record.terminalOpenedAt = Date.now();
    this.changed();
  }

  all(): Session[] {
    return [...this.#sessions.values()];
  }

  byNamespace(namespace: string): Session | undefined {
    return this.all().find((session) => session.record.namespace === namespace);
  }

  delete(session: Session): void {
    this.#sessions.delete(session.id);
    session.emit('ended');
    this.changed();
  }

  /** Schedules a write of the state file (which never keeps the process alive: stopping flushes). */
  changed(): void {
    this.#saveTimer ??= setTimeout(() => this.flush(), 500);
    this.#saveTimer.unref();
  }

  flush(): void {
    clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    const records = this.all().map((session) => ({ ...session.record, files: filesToObject(session.record.files) }));
    const temporary = `${this.#file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(records), { mode: 0o600 });
    renameSync(temporary, this.#file);
  }
}
