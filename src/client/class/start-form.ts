/**
 * <class-start-form>: POST /api/classes, then what to hand out (the code, the join link) and what
 * to keep (the instructor secret, shown this once). This browser is signed in as the instructor
 * straight away (POST …/instructor sets the cookie), so the dashboard link opens without asking.
 */
import { createClass, signInAsInstructor } from './class-api.ts';
import { wireCopyButtons } from './copy-buttons.ts';
import { onSubmitShow } from './form-round-trip.ts';

class ClassStartForm extends HTMLElement {
  connectedCallback(): void {
    onSubmitShow(this.querySelector<HTMLFormElement>('[data-start-form]')!, {
      error: this.querySelector('[data-start-error]')!,
      result: this.querySelector<HTMLElement>('[data-started]')!,
      send: async (data) => {
        const created = await createClass(String(data.get('name')).trim());
        await signInAsInstructor(created.code, created.instructorSecret);
        const joinUrl = new URL(created.joinPath, location.origin).href;
        this.querySelector('[data-started-name]')!.textContent = created.name;
        this.querySelector('[data-started-code]')!.textContent = created.code;
        const join = this.querySelector<HTMLAnchorElement>('[data-started-join]')!;
        join.href = joinUrl;
        join.textContent = joinUrl;
        this.querySelector('[data-started-secret]')!.textContent = created.instructorSecret;
        this.querySelector<HTMLAnchorElement>('[data-started-dashboard]')!.href = created.dashboardPath;
      },
    });
    wireCopyButtons(this);
  }
}

customElements.define('class-start-form', ClassStartForm);
