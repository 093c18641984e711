/**
 * Keeps the session's workspace in step with the editor. Every edit is kept in this browser at
 * once; the server gets the changed files in one PATCH after a short pause in typing, and before
 * any command runs (flush), so `docker build` always sees what the learner sees.
 */
import { api, ApiError } from './api.ts';
import type { SandboxSession } from './session.ts';
import { saveFiles, type FileMap } from './storage.ts';

const DEBOUNCE_MS = 400;

export type SyncState = 'saved' | 'saving' | 'offline' | 'refused';

export interface SyncOptions {
  lessonId: string;
  session: SandboxSession;
  files: FileMap;
  onState?: (state: SyncState, message?: string) => void;
}

export class WorkspaceSync {
  readonly #options: SyncOptions;
  #files: FileMap;
  /** Paths changed since the server last heard, with their content (null: deleted). */
  #pending = new Map<string, string | null>();
  /** The whole workspace must be sent (a Reset or Solve, or a session that may have lost it). */
  #replaceAll = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #chain: Promise<void> = Promise.resolve();

  constructor(options: SyncOptions) {
    this.#options = options;
    this.#files = { ...options.files };
    window.addEventListener('pagehide', () => void this.flush());
  }

  get files(): FileMap {
    return { ...this.#files };
  }

  /** One file changed in the editor. */
  edit(path: string, content: string): void {
    this.#files[path] = content;
    saveFiles(this.#options.lessonId, this.#files);
    this.#pending.set(path, content);
    this.#schedule();
  }

  /**
   * The shell changed the files: take the workbench's set as it is, with any edit not yet sent
   * still on top (it reaches the workbench with the next save).
   */
  adopt(files: FileMap): FileMap {
    this.#files = { ...files };
    for (const [path, content] of this.#pending) {
      if (content === null) delete this.#files[path];
      else this.#files[path] = content;
    }
    saveFiles(this.#options.lessonId, this.#files);
    return this.files;
  }

  /** Every file replaced (Reset, Solve); sent at once. */
  replace(files: FileMap): Promise<void> {
    this.#files = { ...files };
    saveFiles(this.#options.lessonId, this.#files);
    this.#pending.clear();
    this.#replaceAll = true;
    return this.flush();
  }

  /** Sends whatever is waiting and resolves when the server has it (or could not be reached). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#chain = this.#chain.then(() => this.#send());
    return this.#chain;
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.flush(), DEBOUNCE_MS);
  }

  async #send(): Promise<void> {
    if (!this.#replaceAll && this.#pending.size === 0) return;
    const replaceAll = this.#replaceAll;
    const changes = Object.fromEntries(this.#pending);
    this.#replaceAll = false;
    this.#pending.clear();
    this.#options.onState?.('saving');
    try {
      if (replaceAll) await api('PUT', '/api/workspace', { files: this.#files });
      else await api('PATCH', '/api/workspace', { changes });
      this.#options.onState?.('saved');
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        // The session is gone (a restart that lost it, an idle timeout): a new one gets every file.
        try {
          await this.#options.session.reopen();
          this.#options.onState?.('saved');
        } catch {
          this.#replaceAll = true;
          this.#options.onState?.('offline');
        }
      } else if (error instanceof ApiError && error.status === 400) {
        this.#options.onState?.('refused', error.message);
      } else {
        // Unreachable: keep the whole workspace owed, and try again with the next edit or command.
        this.#replaceAll = true;
        this.#options.onState?.('offline');
      }
    }
  }
}
