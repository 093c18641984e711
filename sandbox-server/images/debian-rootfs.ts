import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { applySlimRules } from './debian-slim.ts';
import { debianSourcesFile, hostDebianMirrors, type DebianMirrors } from './debian-mirrors.ts';
import { runCommand } from './run-command.ts';
import type { DebootstrapRecipe } from './stand-in-recipe.ts';

/** Bump when this module changes what goes into the tarball, so cached tarballs are remade. */
const ROOTFS_FORMAT = 1;

/** Work directories are named after their process, so a later run can tell which are abandoned. */
const WORK_DIR_PREFIX = 'work-rootfs-';

export interface DebianRootfsOptions {
  cacheDir: string;
  /** Ignore a cached tarball and run debootstrap again (newer packages, security fixes). */
  fresh?: boolean;
  mirrors?: DebianMirrors;
}

/**
 * Makes (or finds in the cache) a tarball of a trimmed debootstrap root filesystem, ready for
 * `docker import`. debootstrap takes 20-30 s and the tarball 2 s to import, so keeping it makes
 * a rebuild after `docker rmi` or a changed image recipe cheap.
 */
export async function debianRootfsTarball(recipe: DebootstrapRecipe, options: DebianRootfsOptions): Promise<string> {
  const mirrors = options.mirrors ?? (await hostDebianMirrors());
  const { suite, variant, slim } = recipe;
  const key = createHash('sha256')
    .update(JSON.stringify({ ROOTFS_FORMAT, suite, variant, slim, mirrors }))
    .digest('hex')
    .slice(0, 12);
  // Absolute, because mount points are compared with /proc/self/mountinfo.
  const cacheDir = resolve(options.cacheDir);
  const tarballPrefix = `debian-${suite}-${variant}-`;
  const tarball = join(cacheDir, `${tarballPrefix}${key}.tar`);

  await mkdir(cacheDir, { recursive: true });
  await removeAbandonedWorkDirs(cacheDir);
  if (!options.fresh && (await exists(tarball))) return tarball;

  const work = await mkdtemp(join(cacheDir, `${WORK_DIR_PREFIX}${process.pid}-`));
  try {
    const root = join(work, 'rootfs');
    await runCommand('debootstrap', [`--variant=${variant}`, suite, root, mirrors.archive], {
      what: 'debootstrap',
      explain: lastDebootstrapError,
    });
    await writeAptSources(root, suite, mirrors);
    await applySlimRules(root, slim);
    const partial = join(work, 'rootfs.tar');
    // Device nodes are left out: the engine mounts its own /dev, and not every engine may mknod.
    await runCommand(
      'tar',
      ['--create', '--file', partial, '--numeric-owner', '--directory', root,
        '--exclude=./dev/*', '--exclude=./proc/*', '--exclude=./sys/*', '.'],
      { what: 'packing the Debian root filesystem' },
    );
    await rename(partial, tarball);
    await removeOtherTarballs(cacheDir, tarballPrefix, tarball);
  } finally {
    await removeWorkDir(work);
  }
  return tarball;
}

/** Replaces debootstrap's one-line sources.list with the deb822 file the official image ships, security updates included. */
async function writeAptSources(root: string, suite: string, mirrors: DebianMirrors): Promise<void> {
  await rm(join(root, 'etc/apt/sources.list'), { force: true });
  await mkdir(join(root, 'etc/apt/sources.list.d'), { recursive: true });
  await writeFile(join(root, 'etc/apt/sources.list.d/debian.sources'), debianSourcesFile(suite, mirrors));
}

/** debootstrap reports failures as "E: ..." lines, often followed by cleanup chatter. */
function lastDebootstrapError(lines: string[]): string | undefined {
  return lines.findLast((line) => line.startsWith('E:'))?.replace(/^E:\s*/, '') ?? lines.at(-1);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function removeOtherTarballs(cacheDir: string, prefix: string, current: string): Promise<void> {
  for (const name of await readdir(cacheDir)) {
    const path = join(cacheDir, name);
    if (name.startsWith(prefix) && name.endsWith('.tar') && path !== current) await rm(path, { force: true });
  }
}

/** A killed run leaves its work directory behind; remove those whose process is gone. */
async function removeAbandonedWorkDirs(cacheDir: string): Promise<void> {
  for (const name of await readdir(cacheDir)) {
    if (!name.startsWith(WORK_DIR_PREFIX)) continue;
    const pid = Number.parseInt(name.slice(WORK_DIR_PREFIX.length), 10);
    if (Number.isInteger(pid) && !processIsAlive(pid)) await removeWorkDir(join(cacheDir, name));
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * debootstrap mounts /proc and binds device nodes inside its target, and a killed run leaves
 * them mounted. Removing files through a bind mount would remove the host's own, so unmount
 * first and refuse to delete anything that is still a mount.
 */
async function removeWorkDir(dir: string): Promise<void> {
  for (const mountPoint of (await mountsUnder(dir)).sort((a, b) => b.length - a.length)) {
    await runCommand('umount', ['--lazy', mountPoint], { what: `unmounting ${mountPoint}` }).catch(() => {});
  }
  const left = await mountsUnder(dir);
  if (left.length > 0) {
    throw new Error(`cannot remove ${dir}: ${left[0]} is still mounted`);
  }
  await rm(dir, { recursive: true, force: true });
}

async function mountsUnder(dir: string): Promise<string[]> {
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  const decode = (field: string) =>
    field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
  return table
    .split('\n')
    .map((line) => decode(line.split(' ')[4] ?? ''))
    .filter((mountPoint) => mountPoint === dir || mountPoint.startsWith(`${dir}/`));
}
