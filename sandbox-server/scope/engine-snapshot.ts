import { isNotFound } from '../engine/errors.ts';
import { splitMultiplexed } from '../engine/multiplexed.ts';
import { RESYNC, type EngineChange } from '../engine/event-hub.ts';
import { LABEL, namespaceOfImageTag } from './namespace.ts';
import type { ScopedEngine } from './scoped-engine.ts';

/**
 * The session's images and containers as the engine panel shows them: the learner's own names
 * (as `docker ps` and `docker images` print them through the boundary), each container beside the
 * image it was made from, and for a stopped one why it stopped.
 */

export interface PanelContainer {
  name: string;
  image: string;
  imageId: string;
  state: string;
  status: string;
  exitCode: number | null;
  oomKilled: boolean;
  /** As the learner published them (`-p 8080:80`): nothing is bound on the host itself. */
  ports: { hostPort: number; containerPort: number; protocol: string }[];
  created: number;
}

export interface PanelImage {
  id: string;
  tags: string[];
  size: number;
  created: number;
}

export interface PanelSnapshot {
  images: PanelImage[];
  containers: PanelContainer[];
}

export async function engineSnapshot(engine: ScopedEngine): Promise<PanelSnapshot> {
  const [images, containers] = await Promise.all([engine.images(), engine.containers({ all: true })]);
  const panelContainers = await Promise.all(
    containers.map(async (container): Promise<PanelContainer> => {
      let exitCode: number | null = null;
      let oomKilled = false;
      // The list says neither; a session keeps few containers (its quota), so one inspect each.
      if (container.state === 'exited' || container.state === 'dead') {
        try {
          const state = (await engine.docker.getContainer(container.id).inspect()).State;
          exitCode = state.ExitCode;
          oomKilled = state.OOMKilled;
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }
      return {
        name: container.name,
        image: container.image,
        imageId: container.imageId,
        state: container.state,
        status: container.status,
        exitCode,
        oomKilled,
        ports: container.ports.map(({ hostPort, containerPort, protocol }) => ({ hostPort, containerPort, protocol })),
        created: container.created,
      };
    }),
  );
  return {
    images: images.map((image) => ({ id: image.id, tags: image.tags, size: image.size, created: image.created })),
    containers: panelContainers.sort((a, b) => b.created - a.created),
  };
}

/**
 * Whether an engine event may have changed what the session's panel shows. Containers carry the
 * session's label; an image event names a tag in the namespace, or (delete, untag) only an ID,
 * which counts when the panel showed that image.
 */
export function concernsSession(change: EngineChange, namespaceId: string, shownImageIds: ReadonlySet<string>): boolean {
  if (change.type === RESYNC) return true;
  if (change.type === 'container') return change.attributes[LABEL.session] === namespaceId;
  if (change.type !== 'image') return false;
  const name = change.attributes.name;
  if (name && namespaceOfImageTag(name) === namespaceId) return true;
  return shownImageIds.has(change.id);
}

/** At most this many log lines are sent; the terminal is the place for more. */
export const MAX_LOG_LINES = 500;
const MAX_LOG_BYTES = 256 * 1024;

/** The last lines of a container's output, stdout and stderr interleaved as the engine kept them. */
export async function lastLogLines(engine: ScopedEngine, containerId: string, lines: number): Promise<string> {
  const container = engine.docker.getContainer(containerId);
  const info = await container.inspect();
  const raw = (await container.logs({ stdout: true, stderr: true, follow: false, tail: lines })) as unknown as Buffer;
  const text = info.Config.Tty ? raw.toString('utf8') : splitMultiplexed(raw).map((frame) => frame.text).join('');
  return engine.namespace.scrub(text.length > MAX_LOG_BYTES ? text.slice(-MAX_LOG_BYTES) : text);
}
