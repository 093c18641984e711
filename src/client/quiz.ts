/**
 * <layerlab-quiz>: a lesson's multiple-choice question (src/components/Quiz.astro). Choosing an
 * option answers at once: the choice is marked right or wrong, the right one is shown, and the
 * explanation opens. The answer is remembered in this browser per lesson, so a reload shows it
 * answered; "Try again" clears it. Options are buttons: Tab or the arrow keys move between them,
 * Enter or Space chooses.
 */
import { loadQuizAnswers, saveQuizAnswer } from './storage.ts';

export class LayerlabQuiz extends HTMLElement {
  #options: HTMLButtonElement[] = [];

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
    const option = target.closest<HTMLButtonElement>('button.option');
    if (!option || this.hasAttribute('data-answered')) return;
    const chosen = Number(option.dataset.index);
    saveQuizAnswer(this.#lessonId, this.#quizId, chosen);
    this.#show(chosen, true);
  };

  #onKeydown = (event: KeyboardEvent): void => {
    const index = this.#options.indexOf(document.activeElement as HTMLButtonElement);
    if (index < 0) return;
    const step = event.key === 'ArrowDown' || event.key === 'ArrowRight' ? 1 : event.key === 'ArrowUp' || event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    this.#options[(index + step + this.#options.length) % this.#options.length]!.focus();
  };

  #show(chosen: number, announce: boolean): void {
    const right = chosen === this.#answer;
    this.setAttribute('data-answered', '');
    this.#options.forEach((option, index) => {
      const state = index === this.#answer ? 'right' : index === chosen ? 'wrong' : undefined;
      if (state) option.dataset.state = state;
      else delete option.dataset.state;
      option.setAttribute('aria-disabled', 'true');
      if (index === chosen) option.setAttribute('aria-pressed', 'true');
      const label = option.querySelector('[data-state-label]');
      if (label) {
        label.textContent =
          index === chosen ? (right ? ' (your answer: right)' : ' (your answer: not right)') : index === this.#answer ? ' (the right answer)' : '';
      }
    });
    const feedback = this.querySelector<HTMLElement>('[data-feedback]')!;
    feedback.hidden = false;
    for (const because of this.querySelectorAll<HTMLElement>('[data-because]')) because.hidden = Number(because.dataset.because) !== chosen;
    const verdict = this.querySelector<HTMLElement>('[data-verdict]')!;
    verdict.dataset.tone = right ? 'right' : 'wrong';
    const letter = String.fromCharCode(65 + this.#answer);
    const text = right ? 'Right.' : `Not quite: the answer is ${letter}.`;
    verdict.textContent = text;
    // A fresh answer keeps focus where it was (the chosen option); the live region announces it.
    if (announce && !right) this.#options[this.#answer]?.scrollIntoView({ block: 'nearest' });
  }

  #reset(): void {
    saveQuizAnswer(this.#lessonId, this.#quizId, undefined);
    this.removeAttribute('data-answered');
    for (const option of this.#options) {
      delete option.dataset.state;
      option.removeAttribute('aria-disabled');
      option.removeAttribute('aria-pressed');
      const label = option.querySelector('[data-state-label]');
      if (label) label.textContent = '';
    }
    this.querySelector<HTMLElement>('[data-feedback]')!.hidden = true;
    this.querySelector<HTMLElement>('[data-verdict]')!.textContent = '';
    this.#options[0]?.focus();
  }
}
