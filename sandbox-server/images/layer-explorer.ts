import { parseDockerfile } from '../dockerfile/parser.ts';
import type { ArchiveLayer, ImageArchive } from './layer-archive.ts';

/**
 * What the layer explorer shows, in the spirit of dive: every build step bottom to top, the files
 * each layer added, changed and removed, and dive's measures of waste, computed as dive computes
 * them (image/efficiency.go): a path met in more than one layer, or removed by a later one, is
 * counted at every size it was seen; efficiency is the sum of each path's smallest size over the
 * sum of all of them.
 */

export interface FileChange {
  path: string;
  size: number;
}

export interface LayerChanges {
  added: FileChange[];
  changed: FileChange[];
  removed: FileChange[];
  /** The whole counts; the lists above hold the largest few. */
  counts: { added: number; changed: number; removed: number };
}

export interface ExploredStep {
  /** The instruction as the history records it: `RUN apt-get …`, `COPY file:… in /app`. */
  instruction: string;
  createdBy: string;
  /** The Dockerfile line that made it, when the image came from the workspace's Dockerfile. */
  line?: number;
  /** Present when the step made a layer (RUN, COPY, ADD); metadata steps make none. */
  layer?: { index: number; size: number; unlisted: number } & LayerChanges;
}

export interface Inefficiency {
  path: string;
  /** How many layers hold (or remove) it. */
  occurrences: number;
  wastedBytes: number;
}

export interface Exploration {
  steps: ExploredStep[];
  totalSize: number;
  wastedBytes: number;
  /** 0 to 1; 1 when no path is ever written twice or removed. */
  efficiency: number;
  /** The worst few, largest first. */
  inefficiencies: Inefficiency[];
}

/** Per layer and kind, and of inefficiencies: enough to see the point, bounded for the page. */
const LISTED_CHANGES = 200;
const LISTED_INEFFICIENCIES = 50;

export function exploreImage(archive: ImageArchive): Exploration {
  const { changes, inefficiencies, efficiency, wastedBytes } = analyseLayers(archive.layers);
  const history: NonNullable<ImageArchive['config']['history']> = archive.config.history ?? archive.layers.map(() => ({}));
  const steps: ExploredStep[] = [];
  let layerIndex = 0;
  for (const entry of history) {
    const createdBy = entry.created_by ?? '';
    const step: ExploredStep = { instruction: instructionOf(createdBy), createdBy };
    if (!entry.empty_layer && layerIndex < archive.layers.length) {
      const layer = archive.layers[layerIndex]!;
      step.layer = { index: layerIndex, size: layer.size, unlisted: layer.unlisted, ...changes[layerIndex]! };
      layerIndex += 1;
    }
    steps.push(step);
  }
  return {
    steps,
    totalSize: archive.layers.reduce((sum, layer) => sum + layer.size, 0),
    wastedBytes,
    efficiency,
    inefficiencies,
  };
}

interface PathRecord {
  cumulative: number;
  smallest: number;
  occurrences: number;
}

function analyseLayers(layers: ArchiveLayer[]) {
  /** What the stacked layers hold so far: path → size. */
  const stacked = new Map<string, number>();
  const records = new Map<string, PathRecord>();
  const seen = (path: string, size: number) => {
    const record = records.get(path);
    if (!record) records.set(path, { cumulative: size, smallest: size, occurrences: 1 });
    else {
      record.cumulative += size;
      record.smallest = Math.min(record.smallest, size);
      record.occurrences += 1;
    }
  };
  const changes: LayerChanges[] = [];
  for (const layer of layers) {
    const layerChanges: LayerChanges = { added: [], changed: [], removed: [], counts: { added: 0, changed: 0, removed: 0 } };
    for (const entry of layer.entries) {
      if (entry.kind === 'dir') continue;
      if (entry.kind === 'opaque') {
        for (const [path] of under(stacked, entry.path, false)) stacked.delete(path);
        continue;
      }
      if (entry.kind === 'whiteout') {
        // A removed folder weighs what everything under it weighed.
        const removed = under(stacked, entry.path, true);
        const size = removed.reduce((sum, [, bytes]) => sum + bytes, 0);
        for (const [path] of removed) stacked.delete(path);
        seen(entry.path, size);
        record(layerChanges, 'removed', { path: entry.path, size });
        continue;
      }
      record(layerChanges, stacked.has(entry.path) ? 'changed' : 'added', { path: entry.path, size: entry.size });
      stacked.set(entry.path, entry.size);
      seen(entry.path, entry.size);
    }
    for (const kind of ['added', 'changed', 'removed'] as const) layerChanges[kind].sort((a, b) => b.size - a.size || a.path.localeCompare(b.path));
    changes.push(layerChanges);
  }
  let smallest = 0;
  let cumulative = 0;
  const inefficient: Inefficiency[] = [];
  for (const [path, entry] of records) {
    smallest += entry.smallest;
    cumulative += entry.cumulative;
    if (entry.occurrences > 1) inefficient.push({ path, occurrences: entry.occurrences, wastedBytes: entry.cumulative });
  }
  inefficient.sort((a, b) => b.wastedBytes - a.wastedBytes || a.path.localeCompare(b.path));
  return {
    changes,
    efficiency: cumulative === 0 ? 1 : smallest / cumulative,
    wastedBytes: inefficient.reduce((sum, entry) => sum + entry.wastedBytes, 0),
    inefficiencies: inefficient.slice(0, LISTED_INEFFICIENCIES),
  };
}

function record(changes: LayerChanges, kind: keyof LayerChanges['counts'], change: FileChange): void {
  changes.counts[kind] += 1;
  const list = changes[kind];
  if (list.length < LISTED_CHANGES) list.push(change);
  else {
    // Keep the largest: replace the smallest held when this one is bigger.
    let smallestAt = 0;
    for (let index = 1; index < list.length; index += 1) if (list[index]!.size < list[smallestAt]!.size) smallestAt = index;
    if (list[smallestAt]!.size < change.size) list[smallestAt] = change;
  }
}

function under(stacked: Map<string, number>, path: string, includeSelf: boolean): [string, number][] {
  const prefix = path === '' ? '' : `${path}/`;
  const found: [string, number][] = [];
  for (const entry of stacked) {
    if ((includeSelf && entry[0] === path) || entry[0].startsWith(prefix)) found.push(entry);
  }
  return found;
}

const NOP = '/bin/sh -c #(nop) ';
const SHELL = '/bin/sh -c ';

/** `docker history`'s CREATED BY, as the instruction the learner wrote. */
export function instructionOf(createdBy: string): string {
  const nop = createdBy.indexOf(NOP);
  if (nop >= 0) return createdBy.slice(nop + NOP.length).trim();
  // `|2 NAME=value NAME=value /bin/sh -c …`: a RUN with build arguments in scope.
  const shell = createdBy.indexOf(SHELL);
  if (shell >= 0 && (shell === 0 || createdBy.startsWith('|'))) return `RUN ${createdBy.slice(shell + SHELL.length).trim()}`;
  return createdBy.trim();
}

/**
 * The last steps of the history are the last stage of the Dockerfile, one instruction each (the
 * classic builder commits every instruction but FROM). Matched from the end, while the keywords
 * agree, so an image from some other Dockerfile gets no lines rather than wrong ones.
 */
export function withDockerfileLines(exploration: Exploration, dockerfile: string | undefined): Exploration {
  const steps = exploration.steps.map((step) => ({ ...step }));
  if (dockerfile !== undefined) attachLines(steps, dockerfile);
  return { ...exploration, steps };
}

function attachLines(steps: ExploredStep[], dockerfile: string): void {
  let nodes;
  try {
    nodes = parseDockerfile(dockerfile).nodes;
  } catch {
    return;
  }
  let lastFrom = -1;
  nodes.forEach((node, index) => {
    if (node.command === 'from') lastFrom = index;
  });
  const stage = nodes.slice(lastFrom + 1);
  for (let back = 1; back <= Math.min(stage.length, steps.length); back += 1) {
    const node = stage[stage.length - back]!;
    const step = steps[steps.length - back]!;
    const space = step.instruction.indexOf(' ');
    const keyword = (space < 0 ? step.instruction : step.instruction.slice(0, space)).toLowerCase();
    if (keyword !== node.command) return;
    step.line = node.startLine;
  }
}
