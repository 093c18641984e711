import { describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  catalogue,
  catalogueReferences,
  findCatalogueImage,
  imageReferences,
  primaryReference,
  standInBase,
  type CatalogueImage,
  type StandInImage,
} from '../../sandbox-server/images/catalogue.ts';
import { applySlimRules, DEBIAN_SLIM_RULES } from '../../sandbox-server/images/debian-slim.ts';
import {
  debianSourcesFile,
  parseDeb822Sources,
  parseOneLineSources,
} from '../../sandbox-server/images/debian-mirrors.ts';
import { splitReference } from '../../sandbox-server/images/engine-images.ts';
import { recipeHash } from '../../sandbox-server/images/recipe-hash.ts';
import { versionMatchesClaim } from '../../sandbox-server/images/stand-in-recipe.ts';

describe('the catalogue', () => {
  it('lists every reference, aliases included, once', () => {
    const references = catalogueReferences();
    for (const expected of [
      'busybox:latest',
      'busybox:1.35',
      'debian:bookworm-slim',
      'debian:12-slim',
      'python:3.11-slim',
      'node:18-slim',
      'nginx:1.22',
      'nginx:latest',
    ]) {
      expect(references).toContain(expected);
    }
    expect(new Set(references).size).toBe(references.length);
  });

  it('puts the primary tag first', () => {
    const nginx = findCatalogueImage('nginx', 'latest');
    expect(nginx && primaryReference(nginx)).toBe('nginx:1.22');
    expect(nginx && imageReferences(nginx)).toEqual(['nginx:1.22', 'nginx:latest']);
  });

  it('finds an image by any of its tags', () => {
    expect(findCatalogueImage('nginx', 'latest')).toBe(findCatalogueImage('nginx', '1.22'));
    expect(findCatalogueImage('debian', '12-slim')).toBe(findCatalogueImage('debian', 'bookworm-slim'));
    expect(findCatalogueImage('busybox', '1.35')?.repository).toBe('busybox');
  });

  it("accepts Docker Hub's long repository names", () => {
    const node = findCatalogueImage('node', '18-slim');
    expect(node).toBeDefined();
    expect(findCatalogueImage('library/node', '18-slim')).toBe(node);
    expect(findCatalogueImage('docker.io/library/node', '18-slim')).toBe(node);
  });

  it('finds nothing for a tag or repository it does not declare', () => {
    expect(findCatalogueImage('node', 'latest')).toBeUndefined();
    expect(findCatalogueImage('node', '20-slim')).toBeUndefined();
    expect(findCatalogueImage('alpine', 'latest')).toBeUndefined();
    expect(findCatalogueImage('someone/node', '18-slim')).toBeUndefined();
  });

  it('gives every image a one-sentence summary', () => {
    for (const image of catalogue()) {
      expect(image.summary.length, primaryReference(image)).toBeGreaterThan(10);
      expect(image.summary, primaryReference(image)).not.toMatch(/\.\s+\S/);
    }
  });
});

describe('stand-in recipes', () => {
  it('state in every versioned tag the version the recipe claims', () => {
    for (const image of catalogue()) {
      if (!image.standIn) continue;
      for (const tag of image.tags.filter((tag) => /^\d/.test(tag))) {
        expect(tag.startsWith(image.standIn.claims), `${image.repository}:${tag}`).toBe(true);
        expect(/^[-.]|^$/.test(tag.slice(image.standIn.claims.length)), `${image.repository}:${tag}`).toBe(true);
      }
    }
  });

  it('build Dockerfile stand-ins FROM a catalogue image that comes earlier', () => {
    for (const image of catalogue()) {
      if (image.standIn?.kind !== 'dockerfile') continue;
      expect(image.standIn.dockerfile.split('\n')[0]).toBe(`FROM ${image.standIn.from}`);
      const base = standInBase(image);
      expect(base).toBeDefined();
      expect(catalogue().indexOf(base as CatalogueImage)).toBeLessThan(catalogue().indexOf(image));
    }
  });

  it('name a probe for every placeholder of the source sentence', () => {
    for (const image of catalogue()) {
      if (!image.standIn) continue;
      const names = image.standIn.probes.map((probe) => probe.name);
      const placeholders = [...image.standIn.source.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      expect(placeholders.length, primaryReference(image)).toBeGreaterThan(0);
      for (const placeholder of placeholders) expect(names, primaryReference(image)).toContain(placeholder);
      for (const probe of image.standIn.probes) expect(new RegExp(probe.pattern).source).toContain('(');
    }
  });

  it('read versions from the output the tools print', () => {
    const sample: Record<string, string> = {
      'busybox:latest': 'BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.',
      'python:3.11-slim': 'Python 3.11.2',
      'node:18-slim': 'v18.20.4',
      'nginx:1.22': 'nginx version: nginx/1.22.1',
      'debian:bookworm-slim': '12.11',
      'python:3.11': 'Python 3.11.2',
      'node:18': 'v18.20.4',
      'golang:1.19': 'go version go1.19.8 linux/amd64',
      'redis:7.0': 'Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d7c971a948f0',
      'postgres:15': 'postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)',
    };
    for (const image of catalogue()) {
      const printed = sample[primaryReference(image)];
      if (!image.standIn) continue;
      const first = image.standIn.probes[0];
      if (!printed || !first) continue;
      const version = new RegExp(first.pattern, 'm').exec(printed)?.[1];
      expect(version && versionMatchesClaim(image.standIn.claims, version), primaryReference(image)).toBe(true);
    }
  });

  it('match a claimed version only on whole version parts', () => {
    expect(versionMatchesClaim('18', '18.20.4')).toBe(true);
    expect(versionMatchesClaim('1.22', '1.22')).toBe(true);
    expect(versionMatchesClaim('1.2', '1.22.1')).toBe(false);
    expect(versionMatchesClaim('18', '20.1.0')).toBe(false);
  });

  it('hash each recipe to a short, stable, distinct label', () => {
    const hashes = catalogue().map(recipeHash);
    for (const hash of hashes) expect(hash).toMatch(/^[0-9a-f]{12}$/);
    expect(new Set(hashes).size).toBe(hashes.length);
    expect(catalogue().map(recipeHash)).toEqual(hashes);
  });

  it('change the hash when the recipe changes, but not when only tags or summary do', () => {
    const node = findCatalogueImage('node', '18-slim') as StandInImage;
    const retagged = { ...node, tags: [...node.tags, 'hydrogen-slim'], summary: 'Another sentence.' };
    expect(recipeHash(retagged)).toBe(recipeHash(node));
    if (node.standIn?.kind !== 'dockerfile') throw new Error('node is expected to be a Dockerfile stand-in');
    const changed = { ...node, standIn: { ...node.standIn, dockerfile: `${node.standIn.dockerfile}ENV X=1\n` } };
    expect(recipeHash(changed)).not.toBe(recipeHash(node));
  });
});

describe('references', () => {
  it('split into repository and tag', () => {
    expect(splitReference('node:18-slim')).toEqual({ repository: 'node', tag: '18-slim' });
    expect(splitReference('busybox')).toEqual({ repository: 'busybox', tag: 'latest' });
    expect(splitReference('localhost:5000/app')).toEqual({ repository: 'localhost:5000/app', tag: 'latest' });
    expect(splitReference('localhost:5000/app:v1')).toEqual({ repository: 'localhost:5000/app', tag: 'v1' });
  });
});

describe("Debian's apt sources", () => {
  it('read the archive and security mirrors from a deb822 file', () => {
    const sources = parseDeb822Sources(`Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://src.example/debian
Suites: bookworm

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
`);
    expect(sources).toEqual([
      { uri: 'http://mirror.example/debian', suites: ['bookworm', 'bookworm-updates'] },
      { uri: 'http://mirror.example/debian-security', suites: ['bookworm-security'] },
    ]);
  });

  it('read one-line sources, options and comments included', () => {
    expect(
      parseOneLineSources(`# a comment
deb [signed-by=/usr/share/keyrings/k.gpg] http://mirror.example/debian bookworm main
deb-src http://mirror.example/debian bookworm main
deb http://security.example/debian-security bookworm-security main # trailing
`),
    ).toEqual([
      { uri: 'http://mirror.example/debian', suites: ['bookworm'] },
      { uri: 'http://security.example/debian-security', suites: ['bookworm-security'] },
    ]);
  });

  it('write the deb822 file the official image ships', () => {
    const file = debianSourcesFile('bookworm', { archive: 'http://a/debian', security: 'http://s/debian-security' });
    expect(file).toContain('URIs: http://a/debian\nSuites: bookworm bookworm-updates\n');
    expect(file).toContain('URIs: http://s/debian-security\nSuites: bookworm-security\n');
  });
});

describe('slim rules', () => {
  it('remove docs but keep copyright files, and write the dpkg excludes', async () => {
    const root = await mkdtemp(join(tmpdir(), 'layerlab-slim-'));
    try {
      await mkdir(join(root, 'usr/share/doc/bash'), { recursive: true });
      await writeFile(join(root, 'usr/share/doc/bash/copyright'), 'GPL');
      await writeFile(join(root, 'usr/share/doc/bash/README'), 'docs');
      await mkdir(join(root, 'usr/share/doc/empty-docs/examples'), { recursive: true });
      await mkdir(join(root, 'usr/share/man/man1'), { recursive: true });
      await writeFile(join(root, 'usr/share/man/man1/bash.1.gz'), 'man');
      await mkdir(join(root, 'var/lib/apt/lists'), { recursive: true });
      await writeFile(join(root, 'var/lib/apt/lists/deb.debian.org_Packages'), 'index');

      await applySlimRules(root, DEBIAN_SLIM_RULES);

      expect(await readdir(join(root, 'usr/share/doc'))).toEqual(['bash']);
      expect(await readdir(join(root, 'usr/share/doc/bash'))).toEqual(['copyright']);
      expect(await readdir(join(root, 'usr/share/man'))).toEqual([]);
      expect(await readdir(join(root, 'var/lib/apt/lists'))).toEqual([]);
      const excludes = await readFile(join(root, 'etc/dpkg/dpkg.cfg.d/docker'), 'utf8');
      expect(excludes).toContain('path-exclude /usr/share/doc/*');
      expect(excludes).toContain('path-include /usr/share/doc/*/copyright');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
