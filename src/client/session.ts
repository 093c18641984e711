/**
 * The learner's sandbox session for this lesson (the server keeps it in an HttpOnly cookie).
 * Opening it sends the browser's copy of the files when there is one, so a server that restarted
 * and lost the session gets the learner's work back.
 */
import { api, ApiError } from './api.ts';
import type { FileMap } from './storage.ts';

export interface SessionInfo {
  lessonId: string | null;
  expiresAt: number;
  idleTimeoutMs: number;
  files: FileMap;
}

/** What ensure() found: the same session, or a fresh one it had to open. */
export type SessionOutcome = 'same' | 'reopened';

export class SandboxSession {
  readonly lessonId: string;
  readonly #currentFiles: () => FileMap | undefined;

  /** currentFiles: the files to hand a new session (the editor's, or undefined for the starter files). */
  constructor(lessonId: string, currentFiles: () => FileMap | undefined) {
    this.lessonId = lessonId;
    this.#currentFiles = currentFiles;
  }

  /** Opens (or moves) the session onto this lesson, with these files, or the lesson's own if none. */
  open(files: FileMap | undefined): Promise<SessionInfo> {
    return api<SessionInfo>('POST', '/api/session', { lessonId: this.lessonId, files });
  }

  /**
   * Makes sure the cookie names a live session on this lesson: after a lost connection, a server
   * restart, an idle timeout, or another tab that moved the session to another lesson.
   */
  async ensure(): Promise<SessionOutcome> {
    try {
      const session = await api<SessionInfo>('GET', '/api/session');
      if (session.lessonId === this.lessonId) return 'same';
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) throw error;
    }
    await this.open(this.#currentFiles());
    return 'reopened';
  }
}
