/**
 * The learner's sandbox session for this lesson (the server keeps it in an HttpOnly cookie).
 * Opening it sends the browser's copy of the files when there is one, so a server that restarted
 * and lost the session (or a session that expired) gets the learner's work back.
 */
import { api, ApiError } from './api.ts';
import type { FileMap } from './storage.ts';

export interface SessionInfo {
  lessonId: string | null;
  expiresAt: number;
  idleTimeoutMs: number;
  files: FileMap;
  /** POST only: the cookie named no live session, so this one is new. */
  created?: boolean;
}

/**
 * What ensure() found: the same session; the same one moved back from another lesson (another
 * tab); or a new one it had to open because the old one was gone (expired, or lost by a restart).
 */
export type SessionOutcome = 'same' | 'moved' | 'reopened';

export interface SessionListeners {
  /** Every answer that describes the session (its clock may have changed). */
  onInfo?(info: SessionInfo): void;
  /** The old session was gone and a new one now holds the browser's files. */
  onReopened?(info: SessionInfo): void;
}

export class SandboxSession {
  readonly lessonId: string;
  readonly #currentFiles: () => FileMap | undefined;
  readonly #listeners: SessionListeners;

  /** currentFiles: the files to hand a new session (the editor's, or undefined for the starter files). */
  constructor(lessonId: string, currentFiles: () => FileMap | undefined, listeners: SessionListeners = {}) {
    this.lessonId = lessonId;
    this.#currentFiles = currentFiles;
    this.#listeners = listeners;
  }

  /** Opens (or moves) the session onto this lesson, with these files, or the lesson's own if none. */
  async open(files: FileMap | undefined): Promise<SessionInfo> {
    const info = await api<SessionInfo>('POST', '/api/session', { lessonId: this.lessonId, files });
    this.#listeners.onInfo?.(info);
    return info;
  }

  /** The server no longer knows the session: a new one, with the browser's copy of the files. */
  async reopen(): Promise<SessionInfo> {
    const info = await this.open(this.#currentFiles());
    this.#listeners.onReopened?.(info);
    return info;
  }

  /**
   * Makes sure the cookie names a live session on this lesson: after a lost connection, a server
   * restart, an idle timeout, or another tab that moved the session to another lesson.
   */
  async ensure(): Promise<SessionOutcome> {
    try {
      const session = await api<SessionInfo>('GET', '/api/session');
      this.#listeners.onInfo?.(session);
      if (session.lessonId === this.lessonId) return 'same';
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) throw error;
      await this.reopen();
      return 'reopened';
    }
    await this.open(this.#currentFiles());
    return 'moved';
  }
}
