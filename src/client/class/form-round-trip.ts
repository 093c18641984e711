/**
 * A class form's round trip: its submit button off while the request runs, the server's one
 * sentence as the error, and on success the form swapped for the panel that shows the result
 * (focused, so a screen reader reads it next).
 */
export function onSubmitShow(form: HTMLFormElement, parts: { error: Element; result: HTMLElement; send(data: FormData): Promise<void> }): void {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const submit = form.querySelector<HTMLButtonElement>('button[type="submit"]')!;
    parts.error.textContent = '';
    submit.disabled = true;
    try {
      await parts.send(new FormData(form));
      form.hidden = true;
      parts.result.hidden = false;
      parts.result.focus();
    } catch (failure) {
      parts.error.textContent = (failure as Error).message;
    } finally {
      submit.disabled = false;
    }
  });
}
