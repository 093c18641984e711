/**
 * The checks panel's behaviour: asks the sandbox to evaluate the lesson's checks (POST /api/checks)
 * and paints each one green or red, with its reason and hints revealed one at a time. Until the
 * learner has done anything in the lesson, a check that doesn't pass reads "to do" (neutral), not red.
 */
import { api, ApiError } from './api.ts';
import { noteCheckResults } from './progress.ts';
import type { LessonData } from '../lib/workspace-files.ts';

import type { CheckResult } from '../../sandbox-server/checks/result.ts';

export type { CheckResult };

interface ChecksAnswer {
  lessonId: string;
  results: CheckResult[];
}

type CheckState = 'pending' | 'running' | 'passed' | 'failed' | 'todo';

const STATE_LABELS: Record<CheckState, string> = {
  pending: ': not checked yet',
  running: ': checking',
  passed: ': passed',
  failed: ': not yet',
  todo: ': to do',
};

export class ChecksPanel {
  readonly #root: HTMLElement;
  readonly #lesson: LessonData;
  readonly #items: HTMLLIElement[];
  #running: Promise<void> | undefined;
  #again = false;
  /** Hints shown so far, per check: they stay revealed across runs. */
  readonly #revealed = new Map<string, number>();
  #hints = new Map<string, string[]>();
  /** The learner has run a command or edited a file in this lesson: failures are shown as such. */
  #active: boolean;
  #last: CheckResult[] | undefined;

  constructor(root: HTMLElement, lesson: LessonData, active: boolean) {
    this.#root = root;
    this.#lesson = lesson;
    this.#active = active;
    this.#items = [...root.querySelectorAll<HTMLLIElement>('li.check')];
    for (const check of lesson.checks) this.#hints.set(check.id, check.hints);
    root.addEventListener('click', (event) => {
      const button = (event.target as Element).closest<HTMLButtonElement>('[data-hint-button]');
      const item = button?.closest<HTMLLIElement>('li.check');
      if (item) this.#revealHint(item);
    });
  }

  /** The learner did something: what failed so far now reads as failed. */
  activate(): void {
    if (this.#active) return;
    this.#active = true;
    if (this.#last) this.#render(this.#last);
  }

  /** Runs the checks; a call while they run asks for one more run afterwards, not one per call. */
  run(): Promise<void> {
    if (this.#lesson.checks.length === 0) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#runOnce();
      } while (this.#again);
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #runOnce(): Promise<void> {
    for (const item of this.#items) if (item.dataset.state === 'pending') this.#setState(item, 'running');
    this.#summary('Checking…');
    try {
      const answer = await api<ChecksAnswer>('POST', '/api/checks', {});
      if (answer.lessonId && answer.lessonId !== this.#lesson.lessonId) {
        // Another tab moved the session to another lesson; these results aren't about this page.
        this.#summary('Checks paused: this session is on another lesson in another tab.');
        this.#resetRunning();
        return;
      }
      this.#render(answer.results);
    } catch (error) {
      this.#resetRunning();
      const message =
        error instanceof ApiError && error.status === 404
          ? 'This server cannot run checks yet.'
          : `Could not run the checks: ${(error as Error).message}`;
      this.#summary(message);
    }
  }

  #render(results: CheckResult[]): void {
    this.#last = results;
    const passed: string[] = [];
    this.#items.forEach((item, index) => {
      const id = item.dataset.checkId ?? String(index);
      // By id, or by position when the server numbers checks its own way.
      const result = results.find((candidate) => candidate.id === id) ?? results[index];
      if (!result) {
        this.#setState(item, 'pending');
        return;
      }
      if (result.hints.length > 0) this.#hints.set(id, result.hints);
      this.#setState(item, result.passed ? 'passed' : this.#active ? 'failed' : 'todo');
      const reason = item.querySelector<HTMLElement>('[data-reason]')!;
      const failed = !result.passed && this.#active;
      reason.textContent = failed ? (result.reason ?? '') : '';
      reason.hidden = !failed || !result.reason;
      this.#paintHints(item, id, !result.passed);
      if (result.passed) passed.push(id);
    });
    const total = this.#items.length;
    this.#summary(this.#active || passed.length > 0 ? `${passed.length} of ${total} passing` : `${total} to do`);
    this.#root.querySelector<HTMLElement>('[data-checks-done]')!.hidden = passed.length !== total;
    void noteCheckResults(this.#lesson.lessonId, passed, total);
  }

  #setState(item: HTMLLIElement, state: CheckState): void {
    item.dataset.state = state;
    const label = item.querySelector('[data-state-label]');
    if (label) label.textContent = STATE_LABELS[state];
  }

  #resetRunning(): void {
    for (const item of this.#items) if (item.dataset.state === 'running') this.#setState(item, 'pending');
  }

  #summary(text: string): void {
    const summary = this.#root.querySelector('[data-checks-summary]');
    if (summary) summary.textContent = text;
  }

  #revealHint(item: HTMLLIElement): void {
    const id = item.dataset.checkId ?? '';
    this.#revealed.set(id, (this.#revealed.get(id) ?? 0) + 1);
    this.#paintHints(item, id, true);
    item.querySelector<HTMLElement>('[data-hint-list] li:last-child')?.focus();
  }

  #paintHints(item: HTMLLIElement, id: string, show: boolean): void {
    const hints = this.#hints.get(id) ?? [];
    const box = item.querySelector<HTMLElement>('[data-hints]')!;
    box.hidden = !show || hints.length === 0;
    if (box.hidden) return;
    const shown = Math.min(this.#revealed.get(id) ?? 0, hints.length);
    const list = box.querySelector<HTMLOListElement>('[data-hint-list]')!;
    list.replaceChildren(
      ...hints.slice(0, shown).map((hint) => {
        const li = document.createElement('li');
        li.tabIndex = -1;
        li.textContent = hint;
        return li;
      }),
    );
    const button = box.querySelector<HTMLButtonElement>('[data-hint-button]')!;
    button.hidden = shown >= hints.length;
    button.textContent = shown === 0 ? 'Show a hint' : 'Another hint';
  }
}
