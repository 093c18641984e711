import { loadLayout, saveLayout } from './storage.ts';

const KEY_STEP = 2;

/** The behaviour of <split-handle> (see SplitHandle.astro). */
export class SplitHandle extends HTMLElement {
  #value = 50;

  connectedCallback(): void {
    const saved = loadLayout()[this.dataset.storageKey ?? ''];
    this.#apply(typeof saved === 'number' ? saved : Number(this.getAttribute('aria-valuenow')), false);
    this.addEventListener('pointerdown', this.#onPointerDown);
    this.addEventListener('keydown', this.#onKeyDown);
  }

  get #min(): number {
    return Number(this.getAttribute('aria-valuemin') ?? 10);
  }

  get #max(): number {
    return Number(this.getAttribute('aria-valuemax') ?? 90);
  }

  #apply(value: number, remember = true): void {
    this.#value = Math.round(Math.min(this.#max, Math.max(this.#min, value)) * 10) / 10;
    this.setAttribute('aria-valuenow', String(Math.round(this.#value)));
    this.parentElement?.style.setProperty(this.dataset.variable ?? '--share', `${this.#value}%`);
    if (remember && this.dataset.storageKey) saveLayout(this.dataset.storageKey, this.#value);
  }

  #onPointerDown = (event: PointerEvent): void => {
    if (event.button !== 0) return;
    event.preventDefault();
    const container = this.parentElement;
    if (!container) return;
    this.setPointerCapture(event.pointerId);
    this.dataset.dragging = '';
    const vertical = this.dataset.axis === 'y';
    const move = (moveEvent: PointerEvent) => {
      const box = container.getBoundingClientRect();
      const offset = vertical ? moveEvent.clientY - box.top : moveEvent.clientX - box.left;
      const size = vertical ? box.height : box.width;
      if (size > 0) this.#apply((offset / size) * 100, false);
    };
    const stop = () => {
      delete this.dataset.dragging;
      this.removeEventListener('pointermove', move);
      this.removeEventListener('pointerup', stop);
      this.removeEventListener('pointercancel', stop);
      this.#apply(this.#value);
    };
    this.addEventListener('pointermove', move);
    this.addEventListener('pointerup', stop);
    this.addEventListener('pointercancel', stop);
  };

  #onKeyDown = (event: KeyboardEvent): void => {
    const vertical = this.dataset.axis === 'y';
    const smaller = vertical ? 'ArrowUp' : 'ArrowLeft';
    const larger = vertical ? 'ArrowDown' : 'ArrowRight';
    let next: number | undefined;
    if (event.key === smaller) next = this.#value - KEY_STEP;
    else if (event.key === larger) next = this.#value + KEY_STEP;
    else if (event.key === 'Home') next = this.#min;
    else if (event.key === 'End') next = this.#max;
    if (next === undefined) return;
    event.preventDefault();
    this.#apply(next);
  };
}
