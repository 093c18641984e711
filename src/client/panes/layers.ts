/**
 * The layers pane: one of the learner's images as its build steps, bottom to top, each with the
 * Dockerfile line that made it, its layer's size and the files it added, changed and removed; and
 * dive's summary of the image (total size, wasted space, efficiency). Read from GET /api/layers.
 */
import { api, ApiError } from '../api.ts';
import type { Pane, PaneContext } from '../panes.ts';
import type { Exploration, ExploredStep, FileChange } from '../../../sandbox-server/images/layer-explorer.ts';
import './layers.css';

type Answer = Exploration & { image: string; id: string; tags: string[] };

/** The image the lesson's Build button makes: `docker build -t NAME .`. */
function lessonImage(buildCommand: string): string {
  const words = buildCommand.split(' ');
  const at = words.findIndex((word) => word === '-t' || word === '--tag');
  return at >= 0 ? (words[at + 1] ?? '') : '';
}

export function mountPane(host: HTMLElement, context: PaneContext): Pane {
  host.classList.add('layers-pane');
  const form = element('form', 'layers-form');
  const label = element('label', '', 'Image');
  const input = document.createElement('input');
  input.name = 'image';
  input.autocomplete = 'off';
  input.spellcheck = false;
  input.value = lessonImage(context.lesson.buildCommand);
  input.id = 'layers-image';
  label.htmlFor = input.id;
  const show = element('button', 'layers-show', 'Show layers');
  (show as HTMLButtonElement).type = 'submit';
  form.append(label, input, show);
  const result = element('div', 'layers-result');
  result.setAttribute('aria-live', 'polite');
  host.replaceChildren(form, result);

  let shownImage = '';
  const load = async () => {
    const image = input.value.trim();
    if (!image) return;
    shownImage = image;
    result.textContent = `Reading ${image}…`;
    try {
      const answer = await api<Answer>('GET', `/api/layers?image=${encodeURIComponent(image)}`);
      result.replaceChildren(render(answer));
    } catch (error) {
      const message = error instanceof ApiError ? error.message : (error as Error).message;
      result.replaceChildren(element('p', 'layers-note', `${message}.`));
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void load();
  });
  // A build made a new image under the same name: show the new one.
  context.onCommandEnd((command) => {
    if (shownImage && /^docker\s+(?:image\s+)?build\b/.test(command) && !host.hidden) void load();
  });
  void load();
  return { shown: () => void load() };
}

function render(answer: Answer): HTMLElement {
  const wrapper = element('div');
  const summary = element('dl', 'layers-summary');
  const add = (term: string, value: string) => summary.append(element('dt', '', term), element('dd', '', value));
  add('Image', `${answer.tags[0] ?? answer.image} (${answer.id.replace(/^sha256:/, '').slice(0, 12)})`);
  add('Total size', size(answer.totalSize));
  add('Wasted space', size(answer.wastedBytes));
  add('Efficiency', `${(answer.efficiency * 100).toFixed(1)} %`);
  wrapper.append(summary);

  const list = element('ol', 'layers-steps');
  list.setAttribute('aria-label', 'Build steps, bottom to top');
  answer.steps.forEach((step, index) => list.append(stepItem(step, index)));
  wrapper.append(list);

  if (answer.inefficiencies.length > 0) {
    const waste = element('details', 'layers-waste');
    waste.append(element('summary', '', `Files stored more than once or removed later (${answer.inefficiencies.length})`));
    const table = element('ul');
    for (const entry of answer.inefficiencies.slice(0, 20)) {
      table.append(element('li', '', `${size(entry.wastedBytes)}  ×${entry.occurrences}  /${entry.path}`));
    }
    waste.append(table);
    wrapper.append(waste);
  }
  return wrapper;
}

function stepItem(step: ExploredStep, index: number): HTMLElement {
  const item = element('li', step.layer ? 'layers-step' : 'layers-step empty');
  const head = element('div', 'layers-step-head');
  head.append(
    element('span', 'layers-line', step.line ? `line ${step.line}` : index === 0 ? 'base' : ''),
    element('code', 'layers-instruction', step.instruction || '(no record)'),
    element('span', 'layers-size', step.layer ? size(step.layer.size) : 'no layer'),
  );
  if (!step.layer) {
    item.append(head);
    return item;
  }
  const details = element('details');
  const summary = element('summary');
  summary.append(head);
  const { counts } = step.layer;
  summary.append(element('span', 'layers-counts', `+${counts.added} ~${counts.changed} −${counts.removed}`));
  details.append(summary);
  for (const [kind, files, total] of [
    ['added', step.layer.added, counts.added],
    ['changed', step.layer.changed, counts.changed],
    ['removed', step.layer.removed, counts.removed],
  ] as const) {
    if (total === 0) continue;
    details.append(element('h4', '', `${kind[0]!.toUpperCase()}${kind.slice(1)} (${total}${files.length < total ? `, largest ${files.length} shown` : ''})`));
    details.append(fileList(files, kind));
  }
  item.append(details);
  return item;
}

function fileList(files: readonly FileChange[], kind: string): HTMLElement {
  const list = element('ul', `layers-files ${kind}`);
  for (const file of files) list.append(element('li', '', `${size(file.size).padStart(9)}  /${file.path}`));
  return list;
}

const UNITS = ['B', 'kB', 'MB', 'GB'];
/** Decimal units, as docker prints sizes. */
function size(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${Number(value.toPrecision(3))} ${UNITS[unit]}`;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
