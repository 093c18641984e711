/**
 * The dashboard's roster: one row per learner, one column per lesson, one mark per check in it
 * (passed, failed with the reason on hover, or not tried), an online dot and the current lesson.
 * Rows are rebuilt one at a time, as each learner's event arrives.
 */
import { toDate, type RosterLearner, type RosterLesson } from './class-api.ts';

export type MarkState = 'passed' | 'failed' | 'untried';

const STATE_WORDS: Record<MarkState, string> = { passed: 'passed', failed: 'not passing', untried: 'not tried' };

function element<K extends keyof HTMLElementTagNameMap>(tag: K, properties: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), properties);
  node.append(...children);
  return node;
}

const hidden = (text: string) => element('span', { className: 'visually-hidden', textContent: text });

export function markState(learner: RosterLearner, lessonId: string, checkId: string): MarkState {
  const record = learner.progress[lessonId]?.[checkId];
  if (!record) return 'untried';
  return record.passed ? 'passed' : 'failed';
}

/** Every check a learner has tried and is not passing now, with why. */
export function failingChecks(learner: RosterLearner, lessons: RosterLesson[]): { lesson: RosterLesson; title: string; reason: string }[] {
  return lessons.flatMap((lesson) =>
    lesson.checks
      .filter((check) => markState(learner, lesson.id, check.id) === 'failed')
      .map((check) => ({ lesson, title: check.title, reason: learner.progress[lesson.id]?.[check.id]?.reason ?? 'no reason given' })),
  );
}

export function passedCount(learner: RosterLearner, lessons: RosterLesson[]): { passed: number; total: number } {
  let passed = 0;
  let total = 0;
  for (const lesson of lessons) {
    for (const check of lesson.checks) {
      total += 1;
      if (markState(learner, lesson.id, check.id) === 'passed') passed += 1;
    }
  }
  return { passed, total };
}

export class RosterTable {
  readonly #table: HTMLTableElement;
  readonly #lessons: RosterLesson[];
  readonly #rows = new Map<string, HTMLTableRowElement>();
  readonly #onOpen: (learnerId: string) => void;

  constructor(table: HTMLTableElement, lessons: RosterLesson[], onOpen: (learnerId: string) => void) {
    this.#table = table;
    this.#lessons = lessons;
    this.#onOpen = onOpen;
    const head = element('tr', {}, element('th', { scope: 'col', textContent: 'Learner' }), element('th', { scope: 'col', textContent: 'Now in' }), element('th', { scope: 'col', textContent: 'Checks' }));
    lessons.forEach((lesson, index) => head.append(element('th', { scope: 'col', title: lesson.title, className: 'lesson-head' }, String(index + 1), hidden(`: ${lesson.title}`))));
    table.tHead!.replaceChildren(head);
    table.tBodies[0]!.replaceChildren();
    table.addEventListener('click', (event) => {
      const row = (event.target as Element).closest<HTMLTableRowElement>('tr[data-learner-id]');
      if (row) this.#onOpen(row.dataset.learnerId!);
    });
  }

  /** Adds or repaints one learner's row; rows stay in the order learners joined. */
  show(learner: RosterLearner, selected: boolean): void {
    const row = this.#rows.get(learner.id) ?? element('tr');
    row.dataset.learnerId = learner.id;
    row.dataset.online = String(learner.online);
    row.classList.toggle('selected', selected);
    const name = element('button', { type: 'button', className: 'learner-name', textContent: learner.nickname });
    name.setAttribute('aria-expanded', String(selected));
    name.setAttribute('aria-controls', 'learner-panel');
    const lastSeen = toDate(learner.lastSeenAt);
    const dot = element('span', { className: 'online-dot', title: learner.online ? 'Online: a terminal is open' : lastSeen ? `Offline, last seen ${lastSeen.toLocaleTimeString()}` : 'Offline' }, hidden(learner.online ? ' (online)' : ' (offline)'));
    const current = this.#lessons.findIndex((lesson) => lesson.id === learner.lessonId);
    const { passed, total } = passedCount(learner, this.#lessons);
    row.replaceChildren(
      element('th', { scope: 'row' }, dot, name),
      element('td', { className: 'now', textContent: current >= 0 ? `${current + 1}. ${this.#lessons[current]!.title}` : '—' }),
      element('td', { className: 'count', textContent: `${passed}/${total}` }),
      ...this.#lessons.map((lesson) => {
        const cell = element('td', { className: 'marks' });
        cell.dataset.lessonId = lesson.id;
        for (const check of lesson.checks) {
          const state = markState(learner, lesson.id, check.id);
          const reason = state === 'failed' ? `: ${learner.progress[lesson.id]?.[check.id]?.reason ?? ''}` : '';
          const mark = element('span', { className: 'mark', title: `${check.title}: ${STATE_WORDS[state]}${reason}` }, hidden(`${check.title}: ${STATE_WORDS[state]}. `));
          mark.dataset.checkId = check.id;
          mark.dataset.state = state;
          cell.append(mark);
        }
        return cell;
      }),
    );
    if (!this.#rows.has(learner.id)) {
      this.#rows.set(learner.id, row);
      this.#table.tBodies[0]!.append(row);
    }
  }

  select(learnerId: string | undefined): void {
    for (const [id, row] of this.#rows) {
      row.classList.toggle('selected', id === learnerId);
      row.querySelector('.learner-name')?.setAttribute('aria-expanded', String(id === learnerId));
    }
  }

  focusName(learnerId: string): void {
    this.#rows.get(learnerId)?.querySelector<HTMLButtonElement>('.learner-name')?.focus();
  }
}
