/**
 * The images-and-containers pane: each of the learner's images as a card, the containers made
 * from it beneath (the class and its instances), kept live by the server's event stream.
 */
import type { Pane, PaneContext } from '../panes.ts';
import type { PanelContainer, PanelImage, PanelSnapshot } from '../../../sandbox-server/scope/engine-snapshot.ts';

// The server's own shapes (type-only, so none of its code reaches the page).
const STYLE = `
.engine-panel { flex: 1; overflow: auto; padding: 0.6rem; font: 0.85rem var(--font-sans); color: var(--ws-ink); }
.engine-panel .image-card { border: 1px solid var(--ws-line); border-radius: 6px; margin-bottom: 0.6rem; padding: 0.4rem 0.6rem; }
.engine-panel .image-head { display: flex; gap: 0.6rem; align-items: baseline; flex-wrap: wrap; }
.engine-panel .image-tags { font: 700 0.85rem var(--font-mono, monospace); }
.engine-panel .muted { color: var(--ws-ink-muted); font-size: 0.75rem; }
.engine-panel ul { list-style: none; margin: 0.3rem 0 0; padding: 0; }
.engine-panel li { border-top: 1px dashed var(--ws-line); padding: 0.3rem 0 0.3rem 1rem; }
.engine-panel .row { display: flex; gap: 0.6rem; align-items: center; flex-wrap: wrap; }
.engine-panel .name { font-family: var(--font-mono, monospace); font-weight: 700; }
.engine-panel .state-running { color: #2e9b4f; }
.engine-panel .state-exited, .engine-panel .state-dead { color: #c0563b; }
.engine-panel button { font: 0.75rem var(--font-sans); padding: 0.1rem 0.45rem; cursor: pointer; }
.engine-panel pre { max-height: 12rem; overflow: auto; margin: 0.3rem 0 0; padding: 0.3rem; background: var(--ws-panel); font-size: 0.75rem; white-space: pre-wrap; }
.engine-panel .error { color: #c0563b; }
`;

const LOG_LINES = 50;

function element<K extends keyof HTMLElementTagNameMap>(tag: K, props: { className?: string; text?: string } = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  node.append(...children);
  return node;
}

function size(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)}GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)}MB`;
  return `${(bytes / 1e3).toFixed(1)}kB`;
}

/** Why a stopped container stopped, in the words the lesson uses. */
function stopReason(container: PanelContainer): string {
  if (container.oomKilled) return 'killed: out of memory';
  if (container.exitCode !== null) return `exit code ${container.exitCode}`;
  return '';
}

class EnginePanel implements Pane {
  readonly #host: HTMLElement;
  readonly #context: PaneContext;
  readonly #root: HTMLElement;
  readonly #message: HTMLElement;
  readonly #list: HTMLElement;
  /** Open log views by container name, kept across snapshots. */
  readonly #logs = new Map<string, string>();
  #snapshot: PanelSnapshot = { images: [], containers: [] };
  #source: EventSource | undefined;

  constructor(host: HTMLElement, context: PaneContext) {
    this.#host = host;
    this.#context = context;
    const style = element('style');
    style.textContent = STYLE;
    this.#message = element('p', { className: 'muted', text: 'Connecting to the engine…' });
    this.#list = element('div');
    this.#root = element('div', { className: 'engine-panel' }, style, this.#message, this.#list);
    this.#root.dataset.enginePanel = '';
    host.append(this.#root);
    this.#root.addEventListener('click', (event) => void this.#onClick(event));
    this.#connect();
  }

  #connect(): void {
    // EventSource reconnects by itself after a dropped connection; each connection starts with a snapshot.
    const source = new EventSource('/api/engine/events');
    this.#source = source;
    source.addEventListener('snapshot', (event) => {
      this.#snapshot = JSON.parse((event as MessageEvent<string>).data) as PanelSnapshot;
      this.#render();
    });
    source.addEventListener('failure', (event) => {
      this.#message.textContent = (JSON.parse((event as MessageEvent<string>).data) as { error: string }).error;
      this.#message.className = 'error';
    });
    source.addEventListener('error', () => {
      this.#message.textContent = 'Lost the engine; reconnecting…';
      this.#message.className = 'muted';
    });
  }

  shown(): void {
    if (this.#source?.readyState === EventSource.CLOSED) this.#connect();
  }

  #render(): void {
    const { images, containers } = this.#snapshot;
    this.#message.className = 'muted';
    this.#message.textContent =
      images.length === 0 && containers.length === 0
        ? 'No images or containers yet. Pull or build an image, then docker run it.'
        : 'Each image is a template; the containers beneath it were made from it.';
    const byImage = new Map<string, PanelContainer[]>();
    for (const container of containers) byImage.set(container.imageId, [...(byImage.get(container.imageId) ?? []), container]);
    const cards: HTMLElement[] = images.map((image) => this.#card(image.tags.length > 0 ? image.tags.join(', ') : '<none>', image, byImage.get(image.id) ?? []));
    // Containers whose image was removed (or retagged away) still exist; they get a card of their own.
    const known = new Set(images.map((image) => image.id));
    const orphans = containers.filter((container) => !known.has(container.imageId));
    if (orphans.length > 0) cards.push(this.#card('(image no longer tagged)', undefined, orphans));
    this.#list.replaceChildren(...cards);
  }

  #card(title: string, image: PanelImage | undefined, containers: PanelContainer[]): HTMLElement {
    const head = element(
      'div',
      { className: 'image-head' },
      element('span', { className: 'image-tags', text: title }),
      ...(image ? [element('span', { className: 'muted', text: `${image.id.replace(/^sha256:/, '').slice(0, 12)} · ${size(image.size)} · created ${new Date(image.created * 1000).toLocaleString()}` })] : []),
    );
    const list = element('ul', {}, ...containers.map((container) => this.#row(container)));
    const card = element('section', { className: 'image-card' }, head, containers.length > 0 ? list : element('p', { className: 'muted', text: 'No containers from this image.' }));
    card.dataset.image = title;
    return card;
  }

  #row(container: PanelContainer): HTMLElement {
    const ports = container.ports.map((port) => `${port.hostPort}→${port.containerPort}/${port.protocol}`).join(', ');
    const reason = container.state === 'running' ? '' : stopReason(container);
    const button = (label: string, action: string) => {
      const node = element('button', { text: label });
      node.type = 'button';
      node.dataset.action = action;
      node.dataset.name = container.name;
      return node;
    };
    const running = container.state === 'running';
    const row = element(
      'div',
      { className: 'row' },
      element('span', { className: 'name', text: container.name }),
      element('span', { className: `state state-${container.state}`, text: container.state }),
      ...(reason ? [element('span', { className: 'reason', text: reason })] : []),
      ...(ports ? [element('span', { className: 'ports muted', text: ports })] : []),
      element('span', { className: 'muted', text: container.status }),
      button('Logs', 'logs'),
      ...(running ? [button('Stop', 'stop'), button('Open a shell', 'shell')] : [button('Remove', 'remove')]),
    );
    const item = element('li', {}, row);
    item.dataset.container = container.name;
    item.dataset.state = container.state;
    const logs = this.#logs.get(container.name);
    if (logs !== undefined) item.append(element('pre', { className: 'logs', text: logs || '(no output)' }));
    return item;
  }

  async #onClick(event: Event): Promise<void> {
    const button = (event.target as Element).closest<HTMLButtonElement>('button[data-action]');
    if (!button) return;
    const name = button.dataset.name!;
    const action = button.dataset.action!;
    if (action === 'shell') {
      await this.#context.runCommands([`docker exec -it ${name} sh`]);
      return;
    }
    button.disabled = true;
    try {
      const path = `/api/engine/containers/${encodeURIComponent(name)}`;
      if (action === 'logs') {
        if (this.#logs.has(name)) this.#logs.delete(name);
        else this.#logs.set(name, ((await this.#request(`${path}/logs?lines=${LOG_LINES}`, 'GET')) as { text: string }).text);
        this.#render();
      } else {
        await this.#request(`${path}/${action}`, 'POST');
        // The stream brings the new state; nothing to draw here.
      }
    } catch (error) {
      this.#message.className = 'error';
      this.#message.textContent = (error as Error).message;
    } finally {
      button.disabled = false;
    }
  }

  async #request(path: string, method: 'GET' | 'POST'): Promise<unknown> {
    const response = await fetch(path, { method, credentials: 'same-origin' });
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    if (!response.ok) throw new Error(body.error ?? `the server answered ${response.status}`);
    return body;
  }
}

export function mountPane(host: HTMLElement, context: PaneContext): Pane {
  return new EnginePanel(host, context);
}
