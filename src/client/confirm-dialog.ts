/** A yes/no question in the workspace's <dialog>, instead of window.confirm. */
export interface ConfirmOptions {
  title: string;
  body: (string | Node)[];
  confirmLabel: string;
}

export function confirmDialog(dialog: HTMLDialogElement, options: ConfirmOptions): Promise<boolean> {
  dialog.querySelector('[data-confirm-title]')!.textContent = options.title;
  dialog.querySelector('[data-confirm-body]')!.replaceChildren(...options.body);
  dialog.querySelector('[data-confirm-button]')!.textContent = options.confirmLabel;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
    dialog.showModal();
  });
}

/** A paragraph, for dialog bodies. */
export function paragraph(text: string): HTMLParagraphElement {
  const element = document.createElement('p');
  element.textContent = text;
  return element;
}

/** Commands shown as a block, for dialog bodies. */
export function commandBlock(lines: string[]): HTMLPreElement {
  const element = document.createElement('pre');
  element.textContent = lines.join('\n');
  return element;
}
