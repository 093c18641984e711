/**
 * The Preview pane: what the session's containers serve on their published ports, framed from
 * each port's own preview origin (never the site's), with a reload button and a link to open it
 * in a tab of its own. The list follows the terminal: it is fetched again after every command.
 */
import { api } from '../api.ts';
import type { Pane, PaneContext } from '../panes.ts';
import './preview.css';

interface PreviewPort {
  port: number;
  containerPort: number;
  container: string;
  image: string;
  url: string;
}

/** Looks at the list again this soon after a command, and once more when a fresh server may still be starting. */
const REFRESH_AFTER_COMMAND_MS = [300, 1500];

const STARTS_SERVER = /^docker(?:\s+container)?\s+(?:run|start|restart)\b|^docker\s+compose\s+(?:up|start|restart)\b/;

/** A lesson link asks for a port by setting these on the pane's panel before showing it. */
export const PORT_ATTRIBUTE = 'data-preview-port';
export const PATH_ATTRIBUTE = 'data-preview-path';

export function mountPane(host: HTMLElement, context: PaneContext): Pane {
  host.classList.add('preview-pane');
  host.innerHTML = `
    <div class="preview-bar">
      <label class="preview-ports">Port <select data-preview-select aria-label="Published port"></select></label>
      <button type="button" class="preview-button" data-preview-reload>Reload</button>
      <a class="preview-button" data-preview-open target="_blank" rel="noopener noreferrer">Open in a new tab</a>
      <span class="preview-note" data-preview-note></span>
    </div>
    <p class="preview-empty" data-preview-empty hidden></p>
    <iframe class="preview-frame" data-preview-frame title="Preview of the container's page"
      sandbox="allow-scripts allow-forms allow-same-origin allow-popups allow-modals" referrerpolicy="no-referrer"></iframe>`;
  const select = host.querySelector<HTMLSelectElement>('[data-preview-select]')!;
  const reload = host.querySelector<HTMLButtonElement>('[data-preview-reload]')!;
  const open = host.querySelector<HTMLAnchorElement>('[data-preview-open]')!;
  const note = host.querySelector<HTMLElement>('[data-preview-note]')!;
  const empty = host.querySelector<HTMLElement>('[data-preview-empty]')!;
  const frame = host.querySelector<HTMLIFrameElement>('[data-preview-frame]')!;

  let ports: PreviewPort[] = [];
  let chosen: number | undefined;
  let path = '/';
  /** What the frame shows: a port's container and URL; a different one means the frame loads again. */
  let showing = '';

  const entry = () => ports.find((item) => item.port === chosen);
  const keyOf = (item: PreviewPort | undefined) => (item ? `${item.container} ${item.url}${path}` : '');

  function load(force: boolean): void {
    const item = entry();
    const key = keyOf(item);
    if (!item) {
      frame.hidden = true;
      frame.removeAttribute('src');
      open.hidden = true;
      reload.disabled = true;
      showing = '';
      return;
    }
    const url = new URL(path, item.url).href;
    frame.hidden = false;
    open.hidden = false;
    reload.disabled = false;
    open.href = url;
    note.textContent = `${item.container} (${item.image}), port ${item.containerPort}`;
    if (!force && key === showing) return;
    showing = key;
    // Setting src again reloads even when it is the same URL.
    frame.src = url;
  }

  function render(): void {
    select.replaceChildren(
      ...ports.map((item) => {
        const option = document.createElement('option');
        option.value = String(item.port);
        option.textContent = `localhost:${item.port}`;
        return option;
      }),
    );
    if (chosen === undefined || !entry()) chosen = ports[0]?.port;
    if (chosen !== undefined) select.value = String(chosen);
    select.disabled = ports.length === 0;
    empty.hidden = ports.length > 0;
    if (ports.length === 0) {
      note.textContent = '';
      empty.textContent = 'No running container publishes a port yet. Start one with -p, for example: docker run -d -p 8080:80 nginx';
    }
  }

  let asked = 0;
  async function refresh(force = false): Promise<void> {
    const ask = ++asked;
    try {
      const answer = await api<{ ports: PreviewPort[] }>('GET', '/api/preview');
      if (ask !== asked) return; // a newer answer is on its way
      ports = answer.ports;
    } catch (error) {
      if (ask !== asked) return;
      ports = [];
      render();
      empty.textContent = `The preview list could not be fetched: ${(error as Error).message}`;
      load(false);
      return;
    }
    render();
    load(force);
  }

  /** A lesson link (or the terminal) may have asked for a port and a path. */
  function takeRequest(): boolean {
    const wanted = host.getAttribute(PORT_ATTRIBUTE);
    if (wanted === null) return false;
    chosen = Number(wanted);
    path = host.getAttribute(PATH_ATTRIBUTE) ?? '/';
    host.removeAttribute(PORT_ATTRIBUTE);
    host.removeAttribute(PATH_ATTRIBUTE);
    return true;
  }

  select.addEventListener('change', () => {
    chosen = Number(select.value);
    path = '/';
    load(false);
  });
  reload.addEventListener('click', () => load(true));
  context.onCommandEnd((command) => {
    // A server just started (or restarted) is loaded again once it had a moment to listen, even
    // under the same port and name; after other commands the frame is left as the learner has it.
    const started = STARTS_SERVER.test(command.trim());
    for (const delay of REFRESH_AFTER_COMMAND_MS) setTimeout(() => void refresh(started && delay === REFRESH_AFTER_COMMAND_MS.at(-1)), delay);
  });

  takeRequest();
  void refresh();
  return {
    shown() {
      void refresh(takeRequest());
    },
  };
}
