/**
 * <class-join-form>: POST /api/classes/join with the code and nickname (and a learner key to
 * continue), then the learner key to keep and the way to the course. The server's sentence is the
 * error shown (no such class, closed, nickname taken, bad nickname).
 */
import { joinClass, normaliseCode } from './class-api.ts';
import { wireCopyButtons } from './copy-buttons.ts';
import { onSubmitShow } from './form-round-trip.ts';
import { CLASS_EVENT } from './membership.ts';

class ClassJoinForm extends HTMLElement {
  connectedCallback(): void {
    const form = this.querySelector<HTMLFormElement>('[data-join-form]')!;
    const code = new URLSearchParams(location.search).get('code');
    if (code) {
      form.querySelector<HTMLInputElement>('[name="code"]')!.value = normaliseCode(code).slice(0, 12);
      form.querySelector<HTMLInputElement>('[name="nickname"]')!.focus();
    }
    onSubmitShow(form, {
      error: this.querySelector('[data-join-error]')!,
      result: this.querySelector<HTMLElement>('[data-joined]')!,
      send: async (data) => {
        const key = String(data.get('learnerKey') ?? '').trim();
        const joined = await joinClass(String(data.get('code')), String(data.get('nickname')).trim(), key || undefined);
        this.querySelector('[data-joined-class]')!.textContent = joined.class.name;
        this.querySelector('[data-joined-nickname]')!.textContent = joined.learner.nickname;
        this.querySelector('[data-learner-key]')!.textContent = joined.learnerKey;
        window.dispatchEvent(new Event(CLASS_EVENT));
      },
    });
    wireCopyButtons(this);
  }
}

customElements.define('class-join-form', ClassJoinForm);
