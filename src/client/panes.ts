/**
 * The workspace's lower panes: the terminal and the views beside it (the web preview, the images
 * and containers, the layers). One tab strip shows one pane at a time; a pane's code is imported
 * the first time it is shown, so a learner who never opens it never downloads it.
 */
import type { LessonData } from '../lib/workspace-files.ts';

export type PaneName = 'terminal' | 'preview' | 'engine' | 'layers';

/** What a pane gets from the workspace it sits in. */
export interface PaneContext {
  lesson: LessonData;
  /** Types these commands into the terminal, one after another, and shows the terminal. */
  runCommands(commands: string[]): Promise<void>;
  /** Called after every command the terminal ran; returns the way to stop listening. */
  onCommandEnd(listener: (command: string, exitCode: number) => void): () => void;
  /** Brings a pane to the front (a link in one pane may open another). */
  show(name: PaneName): void;
}

export interface Pane {
  /** The pane was brought to the front (again). */
  shown?(): void;
}

export type PaneModule = { mountPane(host: HTMLElement, context: PaneContext): Pane | Promise<Pane> };

/** Each pane's code, imported on first view. The terminal is mounted by the workspace itself. */
const loaders: Partial<Record<PaneName, () => Promise<PaneModule>>> = {};

export function registerPane(name: PaneName, load: () => Promise<PaneModule>): void {
  loaders[name] = load;
}

export class Panes {
  readonly #root: HTMLElement;
  readonly #context: PaneContext;
  readonly #mounted = new Map<PaneName, Promise<Pane>>();

  constructor(root: HTMLElement, context: Omit<PaneContext, 'show'>) {
    this.#root = root;
    this.#context = { ...context, show: (name) => this.show(name) };
    const strip = root.querySelector<HTMLElement>('[data-pane-tabs]')!;
    strip.addEventListener('click', (event) => {
      const tab = (event.target as Element).closest<HTMLButtonElement>('[data-pane-tab]');
      if (tab) this.show(tab.dataset.paneTab as PaneName);
    });
    strip.addEventListener('keydown', (event) => {
      const tabs = [...strip.querySelectorAll<HTMLButtonElement>('[data-pane-tab]')];
      const index = tabs.findIndex((tab) => tab.getAttribute('aria-selected') === 'true');
      const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
      if (!step || index < 0) return;
      event.preventDefault();
      const next = tabs[(index + step + tabs.length) % tabs.length]!;
      this.show(next.dataset.paneTab as PaneName);
      next.focus();
    });
  }

  get current(): PaneName {
    return (this.#root.querySelector<HTMLElement>('[data-pane-tab][aria-selected="true"]')?.dataset.paneTab ?? 'terminal') as PaneName;
  }

  show(name: PaneName): void {
    for (const tab of this.#root.querySelectorAll<HTMLButtonElement>('[data-pane-tab]')) {
      const selected = tab.dataset.paneTab === name;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
    }
    for (const pane of this.#root.querySelectorAll<HTMLElement>('[data-pane]')) pane.hidden = pane.dataset.pane !== name;
    // The terminal is always mounted; xterm refits itself when its panel is shown again.
    if (name === 'terminal') return;
    const host = this.#root.querySelector<HTMLElement>(`[data-pane="${name}"]`);
    const load = loaders[name];
    if (!host || !load) return;
    let mounted = this.#mounted.get(name);
    if (!mounted) {
      mounted = load().then((module) => module.mountPane(host, this.#context));
      this.#mounted.set(name, mounted);
    } else {
      void mounted.then((pane) => pane.shown?.());
    }
  }
}
