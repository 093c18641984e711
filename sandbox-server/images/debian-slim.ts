import { glob, lstat, mkdir, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, matchesGlob } from 'node:path';
import type { SlimRules } from './stand-in-recipe.ts';

/*
 * Debian's official `-slim` images are a debootstrap minbase tree with documentation, man pages
 * and translations removed, plus dpkg and apt settings that keep them out of later installs.
 * These rules copy that idea, so `apt-get install` in a learner's or stand-in's Dockerfile does
 * not bring the docs back.
 */

const REMOVED_DOCS = [
  '/usr/share/doc/*',
  '/usr/share/groff/*',
  '/usr/share/info/*',
  '/usr/share/linda/*',
  '/usr/share/lintian/overrides/*',
  '/usr/share/locale/*',
  '/usr/share/man/*',
];

// Copyright files stay for licence reasons; locale.alias is read by glibc at run time.
const KEPT_DOCS = ['/usr/share/doc/*/copyright', '/usr/share/locale/locale.alias'];

const DPKG_EXCLUDES = [
  '# Like the official slim images: dpkg skips docs, man pages and translations.',
  ...REMOVED_DOCS.map((path) => `path-exclude ${path}`),
  ...KEPT_DOCS.map((path) => `path-include ${path}`),
  '',
].join('\n');

// The shell is `sh -c` from dpkg and apt hooks, so these lines must stay POSIX and never fail.
const APT_CLEAN_COMMAND =
  'rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true';

export const DEBIAN_SLIM_RULES: SlimRules = {
  files: {
    '/etc/dpkg/dpkg.cfg.d/docker': DPKG_EXCLUDES,
    // Every image layer is written once, so dpkg's fsync calls only slow builds down.
    '/etc/dpkg/dpkg.cfg.d/docker-apt-speedup': 'force-unsafe-io\n',
    // Downloaded .deb files and apt's binary caches would otherwise be baked into every layer.
    '/etc/apt/apt.conf.d/docker-clean': [
      `DPkg::Post-Invoke { "${APT_CLEAN_COMMAND}"; };`,
      `APT::Update::Post-Invoke { "${APT_CLEAN_COMMAND}"; };`,
      'Dir::Cache::pkgcache "";',
      'Dir::Cache::srcpkgcache "";',
      '',
    ].join('\n'),
    '/etc/apt/apt.conf.d/docker-no-languages': 'Acquire::Languages "none";\n',
    '/etc/apt/apt.conf.d/docker-gzip-indexes': 'Acquire::GzipIndexes "true";\n',
    '/etc/apt/apt.conf.d/docker-autoremove-suggests': 'Apt::AutoRemove::SuggestsImportant "false";\n',
  },
  remove: [
    ...REMOVED_DOCS,
    '/var/lib/apt/lists/*',
    '/var/cache/apt/*.bin',
    '/var/cache/apt/archives/*.deb',
    '/var/cache/debconf/*-old',
    '/var/lib/dpkg/*-old',
    '/var/log/*.log',
    '/var/log/apt/*',
  ],
  keep: KEPT_DOCS,
};

/** Writes the rules' files into `root` and removes what they remove, keeping what they keep. */
export async function applySlimRules(root: string, rules: SlimRules): Promise<void> {
  for (const [path, content] of Object.entries(rules.files)) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  for (const pattern of rules.remove) {
    for await (const match of glob(pattern.replace(/^\/+/, ''), { cwd: root })) {
      await removeUnlessKept(root, `/${match}`, rules.keep);
    }
  }
}

/** Removes `path` (inside `root`); a directory keeps whatever `keep` matches. True when all of it went. */
async function removeUnlessKept(root: string, path: string, keep: string[]): Promise<boolean> {
  if (keep.some((pattern) => matchesGlob(path, pattern))) return false;
  const full = join(root, path);
  // lstat, never stat: symlinks in the tree point into the image, not into this host.
  const info = await lstat(full);
  if (!info.isDirectory()) {
    await rm(full, { force: true });
    return true;
  }
  let keptSomething = false;
  for (const child of await readdir(full)) {
    if (!(await removeUnlessKept(root, `${path}/${child}`, keep))) keptSomething = true;
  }
  if (!keptSomething) await rmdir(full);
  return !keptSomething;
}
