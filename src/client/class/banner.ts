/**
 * <class-banner>: "Class NAME · you are NICK" with Leave, on every page while this browser is in a
 * class. Leaving asks once (inline), then forgets the learner cookie and reloads the page, whose
 * progress then comes from this browser again.
 */
import { leaveClass } from './class-api.ts';
import { CLASS_EVENT, classMembership, refreshMembership } from './membership.ts';

class ClassBanner extends HTMLElement {
  connectedCallback(): void {
    void this.#show();
    this.addEventListener('click', this.#onClick);
    window.addEventListener(CLASS_EVENT, () => void refreshMembership().then(() => this.#show()));
  }

  async #show(): Promise<void> {
    const membership = await classMembership();
    if (!membership) return;
    this.querySelector('[data-banner-class]')!.textContent = membership.class.name;
    this.querySelector('[data-banner-nickname]')!.textContent = membership.learner.nickname;
    this.querySelector<HTMLElement>('[data-class-closed]')!.hidden = !membership.class.closed;
    this.hidden = false;
  }

  #onClick = async (event: MouseEvent): Promise<void> => {
    const button = (event.target as Element).closest<HTMLButtonElement>('button[data-banner-action]');
    if (!button) return;
    const ask = this.querySelector<HTMLElement>('[data-leave-question]')!;
    const action = button.dataset.bannerAction;
    if (action === 'ask') {
      ask.hidden = false;
      ask.querySelector<HTMLButtonElement>('[data-banner-action="leave"]')!.focus();
    } else if (action === 'stay') {
      ask.hidden = true;
      this.querySelector<HTMLButtonElement>('[data-banner-action="ask"]')!.focus();
    } else if (action === 'leave') {
      button.disabled = true;
      try {
        await leaveClass();
        location.reload();
      } catch (error) {
        button.disabled = false;
        this.querySelector('[data-banner-error]')!.textContent = (error as Error).message;
      }
    }
  };
}

customElements.define('class-banner', ClassBanner);
