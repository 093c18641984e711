/**
 * The dashboard's panel for one learner: their terminal, live and read-only (xterm loads only
 * now), their recent commands, and why their failing checks fail.
 */
import { classAddresses, fetchCommands, toDate, type RosterLearner, type RosterLesson } from './class-api.ts';
import { failingChecks } from './roster-table.ts';
import type { WatchTerminal } from './watch-terminal.ts';

/** The newest commands shown; the export has them all. */
const RECENT_COMMANDS = 30;

export class LearnerPanel {
  readonly #root: HTMLElement;
  readonly #code: string;
  readonly #lessons: RosterLesson[];
  #learner: RosterLearner | undefined;
  #terminal: WatchTerminal | undefined;
  #commandCount = -1;

  constructor(root: HTMLElement, code: string, lessons: RosterLesson[], onClose: () => void) {
    this.#root = root;
    this.#code = code;
    this.#lessons = lessons;
    root.querySelector('[data-panel-close]')!.addEventListener('click', onClose);
    root.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !(event.target as Element).closest('.xterm')) onClose();
    });
  }

  get learnerId(): string | undefined {
    return this.#learner?.id;
  }

  async open(learner: RosterLearner): Promise<void> {
    this.close();
    this.#learner = learner;
    this.#root.hidden = false;
    this.#root.querySelector('[data-panel-name]')!.textContent = learner.nickname;
    this.update(learner);
    this.#root.querySelector<HTMLElement>('[data-panel-title]')!.focus();
    const host = this.#root.querySelector<HTMLElement>('[data-watch-host]')!;
    host.setAttribute('aria-label', `${learner.nickname}'s terminal, read-only`);
    const { WatchTerminal } = await import('./watch-terminal.ts');
    if (this.#learner !== learner) return;
    this.#terminal = new WatchTerminal(host, classAddresses(this.#code).terminal(learner.id), `${learner.nickname}'s terminal (read-only: typing here reaches nobody)`);
  }

  close(): void {
    this.#terminal?.dispose();
    this.#terminal = undefined;
    this.#learner = undefined;
    this.#commandCount = -1;
    this.#root.hidden = true;
  }

  /** A newer record of the open learner: repaint, fetch new commands, watch again once they are back online. */
  update(learner: RosterLearner): void {
    if (this.#learner && this.#learner.id !== learner.id) return;
    const cameOnline = learner.online && !this.#learner?.online;
    this.#learner = learner;
    const lesson = this.#lessons.find((candidate) => candidate.id === learner.lessonId);
    const seen = toDate(learner.lastSeenAt);
    this.#root.querySelector('[data-panel-status]')!.textContent = [
      learner.online ? 'Online' : `Offline${seen ? `, last seen ${seen.toLocaleTimeString()}` : ''}`,
      lesson ? `in ${lesson.title}` : undefined,
      `joined ${toDate(learner.joinedAt)?.toLocaleString() ?? '—'}`,
    ]
      .filter(Boolean)
      .join(' · ');
    this.#paintFailing(learner);
    if (learner.commandCount !== this.#commandCount) {
      this.#commandCount = learner.commandCount;
      void this.#loadCommands(learner.id);
    }
    if (cameOnline && this.#terminal && !this.#terminal.watching) this.#terminal.connect();
  }

  #paintFailing(learner: RosterLearner): void {
    const failing = failingChecks(learner, this.#lessons);
    const list = this.#root.querySelector<HTMLUListElement>('[data-failing]')!;
    list.replaceChildren(
      ...failing.map(({ lesson, title, reason }) => {
        const item = document.createElement('li');
        const what = document.createElement('strong');
        what.textContent = `${lesson.title}: ${title}`;
        item.append(what, document.createElement('br'), reason);
        return item;
      }),
    );
    this.#root.querySelector<HTMLElement>('[data-failing-none]')!.hidden = failing.length > 0;
  }

  async #loadCommands(learnerId: string): Promise<void> {
    const list = this.#root.querySelector<HTMLOListElement>('[data-commands]')!;
    const note = this.#root.querySelector<HTMLElement>('[data-commands-none]')!;
    try {
      const { commands } = await fetchCommands(this.#code, learnerId);
      if (this.#learner?.id !== learnerId) return;
      const recent = commands.slice(-RECENT_COMMANDS);
      list.replaceChildren(
        ...recent.map((command) => {
          const item = document.createElement('li');
          item.dataset.exitCode = String(command.exitCode);
          const line = document.createElement('code');
          line.textContent = command.line;
          const meta = document.createElement('span');
          meta.className = 'meta';
          meta.textContent = ` ${toDate(command.at)?.toLocaleTimeString() ?? ''}${command.exitCode === null ? '' : ` · exit ${command.exitCode}`}`;
          item.append(line, meta);
          return item;
        }),
      );
      note.textContent = recent.length === 0 ? 'No command yet.' : '';
    } catch (error) {
      note.textContent = `Could not load the commands: ${(error as Error).message}`;
    }
  }
}
