import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The classic builder applies memory and CPU limits to each RUN step but no pids limit, and the
 * nproc ulimit does not bind root. So each build runs under a cgroup parent made here first, whose
 * pids.max (and memory limit) every step's container inherits.
 */

const ROOT = '/sys/fs/cgroup';
const PARENT = 'layerlab-builds';

export interface BuildCgroup {
  /** The value for the build's `cgroupparent` option. */
  parent: string;
  remove(): void;
}

export type CgroupLayout = 'v1' | 'v2';

export function detectCgroupLayout(): CgroupLayout {
  return existsSync(path.join(ROOT, 'cgroup.controllers')) ? 'v2' : 'v1';
}

/** Throws with a sentence when build cgroups cannot be made here (not root, or a remote engine). */
export function checkBuildCgroups(): void {
  const probe = createBuildCgroup(`probe-${process.pid}`, { pids: 16, memoryBytes: 64 * 1024 ** 2 });
  probe.remove();
}

export function createBuildCgroup(buildId: string, limits: { pids: number; memoryBytes: number }): BuildCgroup {
  const relative = `/${PARENT}/${buildId}`;
  const layout = detectCgroupLayout();
  const made: string[] = [];
  try {
    if (layout === 'v2') {
      const parent = path.join(ROOT, PARENT);
      mkdirSync(parent, { recursive: true });
      writeFileSync(path.join(ROOT, 'cgroup.subtree_control'), '+pids +memory');
      writeFileSync(path.join(parent, 'cgroup.subtree_control'), '+pids +memory');
      const dir = path.join(parent, buildId);
      mkdirSync(dir);
      made.push(dir);
      writeFileSync(path.join(dir, 'pids.max'), String(limits.pids));
      writeFileSync(path.join(dir, 'memory.max'), String(limits.memoryBytes));
    } else {
      const pids = path.join(ROOT, 'pids', PARENT, buildId);
      mkdirSync(pids, { recursive: true });
      made.push(pids);
      writeFileSync(path.join(pids, 'pids.max'), String(limits.pids));
      const memory = path.join(ROOT, 'memory', PARENT, buildId);
      mkdirSync(memory, { recursive: true });
      made.push(memory);
      writeFileSync(path.join(memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
    }
  } catch (error) {
    removeDirs(made);
    throw new Error(
      `build steps can't be held to a pids limit, because the cgroup ${relative} could not be made (${(error as Error).message}); run the server as root on the engine's machine`,
    );
  }
  return {
    parent: relative,
    remove: () => removeBuildCgroup(buildId),
  };
}

/** The engine makes a folder under the parent in every controller; all of them go. */
function removeBuildCgroup(buildId: string): void {
  if (detectCgroupLayout() === 'v2') {
    removeDirs([path.join(ROOT, PARENT, buildId)]);
    return;
  }
  let controllers: string[] = [];
  try {
    controllers = readdirSync(ROOT);
  } catch {
    return;
  }
  removeDirs(controllers.map((controller) => path.join(ROOT, controller, PARENT, buildId)));
}

function removeDirs(dirs: string[]): void {
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    // Step containers leave empty child cgroups behind; a cgroup folder is removed with rmdir only.
    try {
      for (const child of readdirSync(dir, { withFileTypes: true })) {
        if (child.isDirectory()) rmdirQuietly(path.join(dir, child.name));
      }
    } catch {
      // already gone
    }
    rmdirQuietly(dir);
  }
}

function rmdirQuietly(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // busy or gone; the next sweep retries
  }
}

/**
 * Removes build cgroups a crashed server left behind. Ones still in use refuse rmdir and stay; a
 * young one may belong to another server's build that has made its cgroup and not yet started a
 * step in it (removing it then would let that build's steps run without the pids limit), so only
 * those older than any build may run are taken.
 */
export function sweepBuildCgroups(olderThanMs: number, now = Date.now()): void {
  const parents =
    detectCgroupLayout() === 'v2'
      ? [path.join(ROOT, PARENT)]
      : safeReaddir(ROOT).map((controller) => path.join(ROOT, controller, PARENT));
  for (const parent of parents) {
    removeDirs(safeReaddir(parent).map((name) => path.join(parent, name)).filter((dir) => isOlderDirectory(dir, now - olderThanMs)));
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isOlderDirectory(dir: string, before: number): boolean {
  try {
    const stat = statSync(dir);
    return stat.isDirectory() && stat.mtimeMs < before;
  } catch {
    return false;
  }
}
