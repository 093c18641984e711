/**
 * <layerlab-quiz>: a lesson's multiple-choice question (src/components/Quiz.astro). Choosing the
 * right option answers at once. A first wrong choice is marked wrong with its own sentence and
 * "Not quite, try again.", and the other options stay open; the right answer and the explanation
 * show after a right choice, a second wrong one, or "Show the answer". The final answer is
 * remembered in this browser per lesson, so a reload shows it answered (a pending second try is
 * not kept); "Try again" clears it. Options are buttons: Tab or the arrow keys move between them,
 * Enter or Space chooses.
 */
import { loadQuizAnswers, saveQuizAnswer } from './storage.ts';

/** Wrong choices allowed before the answer is shown. */
const TRIES = 2;

export class LayerlabQuiz extends HTMLElement {
  #options: HTMLButtonElement[] = [];
  /** Wrong options chosen since the last reset, in order. */
  #wrong: number[] = [];

  connectedCallback(): void {
    this.#options = [...this.querySelectorAll<HTMLButtonElement>('button.option')];
    this.addEventListener('click', this.#onClick);
    this.addEventListener('keydown', this.#onKeydown);
    const saved = loadQuizAnswers(this.#lessonId)[this.#quizId];
    if (typeof saved === 'number' && saved >= 0 && saved < this.#options.length) this.#show(saved, false);
  }

  disconnectedCallback(): void {
    this.removeEventListener('click', this.#onClick);
    this.removeEventListener('keydown', this.#onKeydown);
  }

  get #lessonId(): string {
    return this.dataset.lessonId ?? location.pathname;
  }

  get #quizId(): string {
    return this.dataset.quizId ?? '';
  }

  get #answer(): number {
    return Number(this.dataset.answer);
  }

  #onClick = (event: MouseEvent): void => {
    const target = event.target as Element;
    if (target.closest('[data-retry]')) {
      this.#reset();
      return;
    }
    if (target.closest('[data-show-answer]')) {
      const last = this.#wrong.at(-1);
      if (last !== undefined) this.#answerWith(last);
      return;
    }
    const option = target.closest<HTMLButtonElement>('button.option');
    if (!option || this.hasAttribute('data-answered')) return;
    const chosen = Number(option.dataset.index);
    if (this.#wrong.includes(chosen)) return;
    if (chosen !== this.#answer && this.#wrong.length + 1 < TRIES) this.#tryAgain(chosen);
    else this.#answerWith(chosen);
  };

  #onKeydown = (event: KeyboardEvent): void => {
    const index = this.#options.indexOf(document.activeElement as HTMLButtonElement);
    if (index < 0) return;
    const step = event.key === 'ArrowDown' || event.key === 'ArrowRight' ? 1 : event.key === 'ArrowUp' || event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    this.#options[(index + step + this.#options.length) % this.#options.length]!.focus();
  };

  #answerWith(chosen: number): void {
    saveQuizAnswer(this.#lessonId, this.#quizId, chosen);
    this.#show(chosen, true);
  }

  #markWrong(index: number): void {
    const option = this.#options[index]!;
    option.dataset.state = 'wrong';
    option.setAttribute('aria-disabled', 'true');
    const label = option.querySelector('[data-state-label]');
    if (label) label.textContent = ' (your answer: not right)';
  }

  /** A first wrong choice: say so, with that option's own sentence, and leave the rest open. */
  #tryAgain(chosen: number): void {
    this.#wrong.push(chosen);
    this.#markWrong(chosen);
    this.querySelector<HTMLElement>('[data-feedback]')!.hidden = false;
    for (const because of this.querySelectorAll<HTMLElement>('[data-because]')) because.hidden = Number(because.dataset.because) !== chosen;
    this.#part('[data-explanation]').hidden = true;
    this.#part('[data-retry]').hidden = true;
    this.#part('[data-show-answer]').hidden = false;
    const verdict = this.#part('[data-verdict]');
    verdict.dataset.tone = 'wrong';
    verdict.textContent = 'Not quite, try again.';
  }

  #part(selector: string): HTMLElement {
    return this.querySelector<HTMLElement>(selector)!;
  }

  #show(chosen: number, announce: boolean): void {
    const right = chosen === this.#answer;
    this.setAttribute('data-answered', '');
    this.#options.forEach((option, index) => {
      const state = index === this.#answer ? 'right' : index === chosen || this.#wrong.includes(index) ? 'wrong' : undefined;
      if (state) option.dataset.state = state;
      else delete option.dataset.state;
      option.setAttribute('aria-disabled', 'true');
      if (index === chosen) option.setAttribute('aria-pressed', 'true');
      const label = option.querySelector('[data-state-label]');
      if (label) {
        label.textContent =
          index === chosen
            ? right
              ? ' (your answer: right)'
              : ' (your answer: not right)'
            : index === this.#answer
              ? ' (the right answer)'
              : this.#wrong.includes(index)
                ? ' (your first answer: not right)'
                : '';
      }
    });
    this.#part('[data-feedback]').hidden = false;
    for (const because of this.querySelectorAll<HTMLElement>('[data-because]')) because.hidden = Number(because.dataset.because) !== chosen;
    this.#part('[data-explanation]').hidden = false;
    this.#part('[data-retry]').hidden = false;
    this.#part('[data-show-answer]').hidden = true;
    const verdict = this.#part('[data-verdict]');
    verdict.dataset.tone = right ? 'right' : 'wrong';
    const letter = String.fromCharCode(65 + this.#answer);
    verdict.textContent = right ? 'Right.' : `Not quite: the answer is ${letter}.`;
    // A fresh answer keeps focus where it was (the chosen option); the live region announces it.
    if (announce && !right) this.#options[this.#answer]?.scrollIntoView({ block: 'nearest' });
  }

  #reset(): void {
    saveQuizAnswer(this.#lessonId, this.#quizId, undefined);
    this.#wrong = [];
    this.removeAttribute('data-answered');
    for (const option of this.#options) {
      delete option.dataset.state;
      option.removeAttribute('aria-disabled');
      option.removeAttribute('aria-pressed');
      const label = option.querySelector('[data-state-label]');
      if (label) label.textContent = '';
    }
    this.#part('[data-feedback]').hidden = true;
    this.#part('[data-verdict]').textContent = '';
    this.#options[0]?.focus();
  }
}
