/**
 * <class-dashboard>: the instructor's live view of a class (?code=). Without the instructor cookie
 * it asks for the secret once (POST …/instructor sets the cookie), then shows the roster and keeps
 * it live from the events stream (GET …/events): one learner's row repaints per event, with no
 * reload. Exports are plain links (the cookie goes along); closing asks first.
 */
import { ApiError } from '../api.ts';
import { confirmDialog, paragraph } from '../confirm-dialog.ts';
import { classAddresses, closeClass, fetchRoster, normaliseCode, signInAsInstructor, toDate, type Roster, type RosterLearner } from './class-api.ts';
import { LearnerPanel } from './learner-panel.ts';
import { RosterTable } from './roster-table.ts';

class ClassDashboard extends HTMLElement {
  #code = '';
  #roster: Roster | undefined;
  readonly #learners = new Map<string, RosterLearner>();
  #table: RosterTable | undefined;
  #panel: LearnerPanel | undefined;
  #events: EventSource | undefined;

  connectedCallback(): void {
    this.#code = normaliseCode(new URLSearchParams(location.search).get('code') ?? '').slice(0, 12);
    if (!this.#code) {
      this.#fail('This address names no class: open the dashboard link you got when you started the class (it ends in ?code=…).');
      return;
    }
    const form = this.querySelector<HTMLFormElement>('[data-sign-in]')!;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#signIn(form);
    });
    this.querySelector('[data-close-class]')!.addEventListener('click', () => void this.#close());
    void this.#load();
  }

  disconnectedCallback(): void {
    this.#events?.close();
  }

  #fail(message: string): void {
    this.querySelector('[data-dashboard-error]')!.textContent = message;
  }

  async #load(): Promise<void> {
    try {
      this.#show(await fetchRoster(this.#code));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        const form = this.querySelector<HTMLFormElement>('[data-sign-in]')!;
        form.hidden = false;
        form.querySelector('input')!.focus();
      } else {
        this.#fail((error as Error).message);
      }
    }
  }

  async #signIn(form: HTMLFormElement): Promise<void> {
    const secret = String(new FormData(form).get('secret')).trim();
    const error = form.querySelector('[data-sign-in-error]')!;
    error.textContent = '';
    try {
      await signInAsInstructor(this.#code, secret);
      form.hidden = true;
      form.reset();
      await this.#load();
    } catch (failure) {
      error.textContent = (failure as Error).message;
    }
  }

  #show(roster: Roster): void {
    this.#roster = roster;
    const addresses = classAddresses(this.#code);
    this.querySelector('[data-class-name]')!.textContent = roster.class.name;
    this.querySelector('[data-class-code]')!.textContent = roster.class.code;
    const join = this.querySelector<HTMLAnchorElement>('[data-join-link]')!;
    join.href = new URL(`/class/join/?code=${encodeURIComponent(roster.class.code)}`, location.origin).href;
    join.textContent = join.href;
    this.querySelector<HTMLAnchorElement>('[data-export-csv]')!.href = addresses.exportCsv;
    this.querySelector<HTMLAnchorElement>('[data-export-commands]')!.href = addresses.exportCommandsCsv;
    this.querySelector<HTMLAnchorElement>('[data-export-json]')!.href = addresses.exportJson;
    this.#table = new RosterTable(this.querySelector('[data-roster]')!, roster.lessons, (id) => this.#toggle(id));
    this.#panel = new LearnerPanel(this.querySelector('[data-learner-panel]')!, this.#code, roster.lessons, () => this.#closePanel());
    for (const learner of roster.learners) this.#upsert(learner);
    this.#paintCount();
    this.#showClosed(roster.class.closedAt);
    this.querySelector<HTMLElement>('[data-board]')!.hidden = false;
    this.#listen();
  }

  /** Live updates; EventSource reconnects by itself, and every (re)connection reloads the roster once to catch up. */
  #listen(): void {
    this.#events?.close();
    const events = new EventSource(classAddresses(this.#code).events);
    this.#events = events;
    let opened = false;
    events.addEventListener('open', () => {
      this.#live('live');
      if (opened) void fetchRoster(this.#code).then((roster) => roster.learners.forEach((learner) => this.#upsert(learner)), () => undefined);
      opened = true;
    });
    // A refused stream (the instructor cookie gone, say) is closed for good, not retried.
    events.addEventListener('error', () => this.#live(events.readyState === EventSource.CLOSED ? 'stopped' : 'retrying'));
    events.addEventListener('learner', (event) => this.#upsert(JSON.parse((event as MessageEvent<string>).data) as RosterLearner));
    events.addEventListener('class', (event) => this.#showClosed((JSON.parse((event as MessageEvent<string>).data) as { closedAt: string | null }).closedAt));
  }

  #live(state: 'live' | 'retrying' | 'stopped'): void {
    const badge = this.querySelector<HTMLElement>('[data-live]')!;
    badge.dataset.live = state;
    badge.textContent = { live: 'Live', retrying: 'Reconnecting…', stopped: 'Not live: reload the page' }[state];
  }

  #upsert(learner: RosterLearner): void {
    this.#learners.set(learner.id, learner);
    this.#table!.show(learner, this.#panel!.learnerId === learner.id);
    if (this.#panel!.learnerId === learner.id) this.#panel!.update(learner);
    this.#paintCount();
  }

  #paintCount(): void {
    const online = [...this.#learners.values()].filter((candidate) => candidate.online).length;
    const count = this.#learners.size;
    this.querySelector('[data-learner-count]')!.textContent = `${count} ${count === 1 ? 'learner' : 'learners'}, ${online} online`;
    this.querySelector<HTMLElement>('[data-empty]')!.hidden = count > 0;
  }

  #toggle(learnerId: string): void {
    if (this.#panel!.learnerId === learnerId) {
      this.#closePanel();
      return;
    }
    const learner = this.#learners.get(learnerId);
    if (!learner) return;
    this.#table!.select(learnerId);
    void this.#panel!.open(learner);
  }

  #closePanel(): void {
    const id = this.#panel!.learnerId;
    this.#panel!.close();
    this.#table!.select(undefined);
    if (id) this.#table!.focusName(id);
  }

  #showClosed(closedAt: string | null): void {
    const at = toDate(closedAt);
    const note = this.querySelector<HTMLElement>('[data-closed]')!;
    note.hidden = !at;
    if (at) note.textContent = `This class was closed at ${at.toLocaleString()}: nobody can join, nothing more is recorded, and the results below stay.`;
    this.querySelector<HTMLButtonElement>('[data-close-class]')!.disabled = Boolean(at);
  }

  async #close(): Promise<void> {
    const name = this.#roster?.class.name ?? this.#code;
    const confirmed = await confirmDialog(this.querySelector('dialog[data-confirm]')!, {
      title: `Close ${name}?`,
      body: [
        paragraph('Every learner’s sandbox ends now, nobody can join, and nothing more is recorded.'),
        paragraph('The results stay: the roster and the exports keep working.'),
      ],
      confirmLabel: 'Close the class',
    });
    if (!confirmed) return;
    try {
      const { closedAt } = await closeClass(this.#code);
      this.#showClosed(closedAt);
    } catch (error) {
      this.#fail((error as Error).message);
    }
  }
}

customElements.define('class-dashboard', ClassDashboard);
