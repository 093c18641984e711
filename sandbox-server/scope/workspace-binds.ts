import type Docker from 'dockerode';
import { lstat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Namespace } from './namespace.ts';

/**
 * Starting a container that binds part of the workspace (`-v "$PWD/site":/usr/share/nginx/html`).
 *
 * The engine resolves a bind's source on the host when the container starts, following symlinks;
 * the workspace is the learner's to change, so `site` swapped for a symlink to `/` just before the
 * start would bind the host's root. So for the moment of the start, every container of the
 * session that can write the workspace (the workbench, and any running container that mounts it)
 * is frozen (`docker pause`); then each bind's source is checked to be real folders (and at the
 * end a folder or a file) with no symlink anywhere below the workspace volume's folder; only then
 * does the engine start the container, and the writers thaw. Nothing can move in between.
 */

export class WorkspaceBindError extends Error {}

/** The host folder of the session's workspace volume. */
export async function workspaceDir(docker: Docker, namespace: Namespace): Promise<string> {
  const info = await docker.getVolume(namespace.workbenchName).inspect();
  return info.Mountpoint;
}

export async function startWithWorkspaceBinds(docker: Docker, namespace: Namespace, id: string, start: () => Promise<void>): Promise<void> {
  const container = await docker.getContainer(id).inspect();
  const binds = container.HostConfig.Binds ?? [];
  if (binds.length === 0) return start();
  const root = await workspaceDir(docker, namespace);
  const sources = binds.map((bind) => bind.split(':')[0]!).filter((source) => source.startsWith(`${root}/`));
  if (sources.length === 0) return start();
  const paused = await freezeWriters(docker, namespace, root, id);
  try {
    for (const source of sources) await checkNoSymlinks(root, source);
    await start();
  } finally {
    await Promise.all(paused.map((writer) => thaw(docker, writer)));
  }
}

/** How long an unpause may take before the freezer is thawed by hand. */
const UNPAUSE_MS = 5000;

/**
 * Unpauses a writer. Seen on Docker 20.10 with cgroup v1: an unpause that never returns, the
 * container's freezer left FROZEN and its session's terminal hung for good. Past UNPAUSE_MS the
 * freezer is thawed directly, which also lets the engine's own unpause finish.
 */
async function thaw(docker: Docker, id: string): Promise<void> {
  const unpaused = docker.getContainer(id).unpause().then(() => true, () => true);
  const inTime = await Promise.race([unpaused, new Promise<false>((resolve) => setTimeout(() => resolve(false), UNPAUSE_MS).unref())]);
  if (inTime) return;
  await writeFile(`/sys/fs/cgroup/freezer/docker/${id}/freezer.state`, 'THAWED').catch(() => undefined);
  await Promise.race([unpaused, new Promise((resolve) => setTimeout(resolve, UNPAUSE_MS).unref())]);
}

/** Pauses the session's running containers that can write the workspace; returns the ones it paused. */
async function freezeWriters(docker: Docker, namespace: Namespace, root: string, starting: string): Promise<string[]> {
  const running = await docker.listContainers({ filters: { label: [namespace.labelFilter], status: ['running'] } });
  const writers = running.filter(
    (container) =>
      container.Id !== starting &&
      (container.Names.includes(`/${namespace.workbenchName}`) ||
        (container.Mounts ?? []).some((mount) => mount.RW && (mount.Name === namespace.workbenchName || (mount.Source ?? '').startsWith(`${root}/`)))),
  );
  const paused: string[] = [];
  try {
    for (const writer of writers) {
      await docker.getContainer(writer.Id).pause();
      paused.push(writer.Id);
    }
  } catch (error) {
    await Promise.all(paused.map((writer) => thaw(docker, writer)));
    throw error;
  }
  return paused;
}

/** Every step from the workspace folder down to `source` is a real folder (the last may be a file); a missing tail the engine makes. */
async function checkNoSymlinks(root: string, source: string): Promise<void> {
  const relative = path.relative(root, source);
  const shown = `~/workspace/${relative}`;
  let current = root;
  const parts = relative.split('/');
  for (const [index, part] of parts.entries()) {
    current = path.join(current, part);
    const stat = await lstat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!stat) return;
    if (stat.isSymbolicLink()) throw new WorkspaceBindError(`${shown} goes through a symlink; only real folders and files of the workspace can be mounted here`);
    const last = index === parts.length - 1;
    if (!stat.isDirectory() && !(last && stat.isFile())) throw new WorkspaceBindError(`${shown} is not a folder or a file of the workspace`);
  }
}
