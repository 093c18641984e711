import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { BusyboxRecipe } from './stand-in-recipe.ts';

const execFileAsync = promisify(execFile);

// The two accounts the official busybox image has that matter here: root, and nobody for
// lessons about USER.
const PASSWD = ['root:x:0:0:root:/root:/bin/sh', 'nobody:x:65534:65534:nobody:/home:/bin/false', ''].join('\n');
const GROUP = ['root:x:0:', 'nobody:x:65534:', ''].join('\n');

const DIRECTORIES: Array<{ name: string; mode: number }> = [
  { name: 'bin', mode: 0o755 },
  { name: 'dev', mode: 0o755 },
  { name: 'etc', mode: 0o755 },
  { name: 'home', mode: 0o755 },
  { name: 'root', mode: 0o700 },
  { name: 'tmp', mode: 0o1777 },
  { name: 'usr', mode: 0o755 },
  { name: 'var', mode: 0o755 },
];

/** The applets a busybox binary was built with, as `busybox --list` prints them. */
export async function busyboxApplets(binary: string): Promise<string[]> {
  const { stdout } = await execFileAsync(binary, ['--list']);
  return stdout.split('\n').filter((name) => name && name !== 'busybox');
}

/**
 * A root filesystem tar, made in memory: the binary at /bin/busybox, a /bin link for each applet
 * (so `sh`, `ls`, `wget` and `httpd` resolve on PATH as in the official image), /tmp, and the
 * account files. Every entry carries the binary's mtime so that rebuilding the same binary gives
 * the same layer.
 */
export async function busyboxRootfsTar(recipe: BusyboxRecipe): Promise<NodeJS.ReadableStream> {
  const info = await stat(recipe.binary).catch(() => {
    throw new Error(`${recipe.binary} is missing (apt-get install busybox-static)`);
  });
  const [binary, applets] = await Promise.all([readFile(recipe.binary), busyboxApplets(recipe.binary)]);
  const missing = recipe.requiredApplets.filter((applet) => !applets.includes(applet));
  if (missing.length > 0) {
    throw new Error(`${recipe.binary} lacks the applets ${missing.join(', ')}`);
  }

  const mtime = info.mtime;
  const owner = { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime };
  const pack = tar.pack();
  for (const directory of DIRECTORIES) {
    pack.entry({ ...owner, name: `${directory.name}/`, type: 'directory', mode: directory.mode });
  }
  pack.entry({ ...owner, name: 'bin/busybox', type: 'file', mode: 0o755 }, binary);
  for (const applet of applets) {
    pack.entry({ ...owner, name: `bin/${applet}`, type: 'symlink', linkname: 'busybox', mode: 0o777 });
  }
  pack.entry({ ...owner, name: 'etc/passwd', type: 'file', mode: 0o644 }, PASSWD);
  pack.entry({ ...owner, name: 'etc/group', type: 'file', mode: 0o644 }, GROUP);
  pack.finalize();
  // tar-stream packs are streamx streams; dockerode pipes Node streams.
  return Readable.from(pack);
}
