/** Buttons with data-copy="<selector>" copy that element's text, and say so. */
export function wireCopyButtons(root: HTMLElement): void {
  root.addEventListener('click', async (event) => {
    const button = (event.target as Element).closest<HTMLButtonElement>('button[data-copy]');
    if (!button) return;
    const source = root.querySelector(button.dataset.copy ?? '');
    try {
      await navigator.clipboard.writeText(source?.textContent ?? '');
      button.textContent = 'Copied';
    } catch {
      // No clipboard (a page on plain HTTP, or permission refused): the text is there to select.
      button.textContent = 'Select and copy it';
    }
  });
}
