/**
 * <lesson-workspace>: the only workspace code a lesson page loads up front. It waits until the
 * workspace is about to scroll into view (or the learner uses one of its buttons, or a "Run in
 * terminal" button) and only then imports the real workspace, with Monaco and xterm.
 */
import { CODE_UNREACHABLE, importAgainOnFailure } from './import-again.ts';
import { localhostLink } from './preview-links.ts';
import type { WorkspaceAction, WorkspaceController } from './workspace.ts';

/** Dispatched on document by "Run in terminal" buttons. */
export const RUN_EVENT = 'layerlab:run';
export interface RunEventDetail {
  commands: string[];
}

export class LessonWorkspace extends HTMLElement {
  #controller: Promise<WorkspaceController> | undefined;
  #observer: IntersectionObserver | undefined;

  connectedCallback(): void {
    this.#observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) this.#whenLoaded(() => undefined);
      },
      { rootMargin: '200px' },
    );
    this.#observer.observe(this);
    this.addEventListener('click', this.#onClick);
    document.addEventListener(RUN_EVENT, this.#onRun);
    document.addEventListener('click', this.#onLink);
  }

  disconnectedCallback(): void {
    this.#observer?.disconnect();
    document.removeEventListener(RUN_EVENT, this.#onRun);
    document.removeEventListener('click', this.#onLink);
  }

  load(): Promise<WorkspaceController> {
    this.#observer?.disconnect();
    this.#controller ??= importAgainOnFailure(() => import('./workspace.ts')).then(
      ({ mountWorkspace }) => mountWorkspace(this),
      (error: unknown) => {
        // Nothing is mounted yet, so the learner's next click or "Run in terminal" tries again.
        this.#controller = undefined;
        const status = this.querySelector<HTMLElement>('[data-status]');
        if (status) {
          status.dataset.tone = 'error';
          status.textContent = CODE_UNREACHABLE;
        }
        throw error;
      },
    );
    return this.#controller;
  }

  /** Runs a step once the workspace is mounted; a failed import has already said so in the status line. */
  #whenLoaded(step: (controller: WorkspaceController) => unknown): void {
    this.load().then(step, (error: unknown) => console.error(error));
  }

  #onClick = (event: MouseEvent): void => {
    const button = (event.target as Element).closest<HTMLButtonElement>('button[data-action]');
    if (!button || !this.contains(button)) return;
    const action = button.dataset.action as WorkspaceAction;
    this.#whenLoaded((controller) => controller.act(action));
  };

  /** A lesson's http://localhost:PORT link means the learner's container there: the Preview pane shows it. */
  #onLink = (event: MouseEvent): void => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const target = localhostLink(event.target);
    if (!target) return;
    event.preventDefault();
    this.#whenLoaded((controller) => {
      this.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
      controller.preview(target.port, target.path);
    });
  };

  #onRun = (event: Event): void => {
    const { commands } = (event as CustomEvent<RunEventDetail>).detail;
    this.#whenLoaded((controller) => controller.runCommands(commands));
  };
}
