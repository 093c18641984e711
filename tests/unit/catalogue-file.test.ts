import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogueFileError, loadCatalogue, mergeCatalogues, parseCatalogue } from '../../sandbox-server/images/catalogue-file.ts';
import { catalogue, imageReferences, primaryReference, sourceOutline } from '../../sandbox-server/images/catalogue.ts';
import { catalogueTable } from '../../sandbox-server/cli/images.ts';
import { catalogueJsonSchemaText, renderCatalogueDoc } from '../../sandbox-server/images/catalogue-docs.ts';
import { readFileSync } from 'node:fs';
import { NPM_CACHE_URL, PYPI_CACHE_HOST, PYPI_CACHE_INDEX } from '../../sandbox-server/packages/cache-hosts.ts';
import { findCatalogueImage } from '../../sandbox-server/images/catalogue.ts';

const REDIS_STAND_IN = `
  - repository: redis
    tags: ["7.0"]
    summary: Redis
    standIn:
      kind: dockerfile
      from: debian:bookworm-slim
      dockerfile: |
        FROM debian:bookworm-slim
        RUN true
      claims: "7.0"
      probes:
        - name: redis
          command: redis-server --version
          pattern: v=(\\d+\\.\\d+\\.\\d+)
      source: Redis {redis}
      outline: bookworm + redis-server
`;

function problem(source: string): string {
  try {
    parseCatalogue('extra.yml', source);
  } catch (error) {
    expect(error).toBeInstanceOf(CatalogueFileError);
    return (error as Error).message;
  }
  throw new Error('the file was accepted');
}

describe('the shipped catalogue file', () => {
  it('holds the five core images, prepared at start, and the bigger ones for first use', () => {
    const byPrepare = (prepare: string) => catalogue().filter((image) => image.prepare === prepare).map(primaryReference);
    expect(byPrepare('start')).toEqual(['busybox:latest', 'debian:bookworm-slim', 'python:3.11-slim', 'node:18-slim', 'nginx:1.22']);
    expect(byPrepare('first-use')).toEqual(['python:3.11', 'node:18', 'golang:1.19', 'redis:7.0', 'postgres:15']);
  });

  it('tags each stand-in with the version it claims, which its probe checks', () => {
    for (const image of catalogue()) {
      expect(image.standIn, primaryReference(image)).toBeDefined();
      for (const tag of image.tags.filter((tag) => /^\d/.test(tag))) expect(tag.startsWith(image.standIn!.claims), `${image.repository}:${tag}`).toBe(true);
    }
  });
});

describe("the catalogue's documentation", () => {
  it('is what the schema says: run npm run docs:catalogue after changing it', () => {
    const doc = readFileSync(new URL('../../docs/catalogue.md', import.meta.url), 'utf8');
    expect(renderCatalogueDoc(doc)).toBe(doc);
    expect(readFileSync(new URL('../../catalogue.schema.json', import.meta.url), 'utf8')).toBe(catalogueJsonSchemaText());
    expect(readFileSync(new URL('../../catalogue.yml', import.meta.url), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./catalogue.schema.json');
  });
});

describe('the python and node stand-ins', () => {
  it("send pip and npm to the class package cache's names", () => {
    const files = (repository: string, tag: string) => {
      const recipe = findCatalogueImage(repository, tag)?.standIn;
      return recipe?.kind === 'dockerfile' ? (recipe.files ?? {}) : {};
    };
    expect(files('python', '3.11-slim')['pip.conf']).toContain(`index-url = ${PYPI_CACHE_INDEX}\ntrusted-host = ${PYPI_CACHE_HOST}\n`);
    expect(files('node', '18-slim').npmrc).toContain(`registry=${NPM_CACHE_URL}\n`);
  });
});

describe('a catalogue file with a mistake', () => {
  it('names the file, the entry and the unknown key, and suggests the key meant', () => {
    expect(problem(`images:\n${REDIS_STAND_IN.replace('      dockerfile: |', '      dockerfil: |')}`).split('\n')).toEqual([
      'extra.yml: redis:7.0: standIn "dockerfil" is not a key here; did you mean "dockerfile"? (keys: kind, from, dockerfile, files, claims, probes, source, outline)',
      'extra.yml: redis:7.0: standIn.dockerfile is missing',
    ]);
    expect(problem(`images:\n${REDIS_STAND_IN.replace('    summary: Redis', '    sumary: Redis')}`)).toContain(
      'extra.yml: redis:7.0: "sumary" is not a key here; did you mean "summary"?',
    );
  });

  it('says what is missing, and what a wrong kind or prepare should be', () => {
    expect(problem(`images:\n${REDIS_STAND_IN.replace('      claims: "7.0"\n', '')}`)).toBe('extra.yml: redis:7.0: standIn.claims is missing');
    expect(problem(`images:\n${REDIS_STAND_IN.replace('kind: dockerfile', 'kind: dockerfiles')}`)).toBe(
      'extra.yml: redis:7.0: standIn.kind is "dockerfiles", not one of busybox-static, debootstrap, dockerfile; did you mean "dockerfile"?',
    );
    expect(problem(`images:\n${REDIS_STAND_IN.replace('    summary: Redis', '    summary: Redis\n    prepare: first_use')}`)).toBe(
      'extra.yml: redis:7.0: prepare is "first_use", not one of start, first-use; did you mean "first-use"?',
    );
    expect(problem(`images:\n${REDIS_STAND_IN.replace('    tags: ["7.0"]', '    tags: "7.0"')}`)).toBe(
      'extra.yml: redis: tags should be a list, not the string "7.0"',
    );
  });

  it('wants either pull or standIn', () => {
    expect(problem('images:\n  - repository: redis\n    tags: ["7"]\n    summary: Redis\n')).toBe(
      'extra.yml: redis:7: give either pull (a reference to pull) or standIn (a recipe), not both or neither',
    );
  });

  it('refuses a repository:tag listed twice, and YAML that does not parse, naming the line', () => {
    expect(problem(`images:\n${REDIS_STAND_IN}${REDIS_STAND_IN}`)).toBe('extra.yml: redis:7.0 is listed twice; give each repository:tag to one entry');
    expect(problem('images:\n  - repository: [redis\n')).toMatch(/^extra\.yml:\d+: this is not valid YAML/);
    expect(problem('imagez: []\n')).toContain('extra.yml: the file "imagez" is not a key here; did you mean "images"?');
  });
});

describe("an operator's catalogue file", () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'layerlab-catalogue-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('adds its images and replaces the shipped entry that shares a repository:tag', async () => {
    const file = join(directory, 'extra.yml');
    await writeFile(
      file,
      `images:
  - repository: redis
    tags: ["7.0", "7"]
    summary: The real Redis image, from the school's mirror
    pull: mirror.example.org/library/redis:7.0
  - repository: myschool/tools
    tags: [latest]
    summary: The school's own tools
    prepare: start
    pull: mirror.example.org/myschool/tools:latest
`,
    );
    const merged = loadCatalogue({ LAYERLAB_CATALOGUE: file });
    const redis = merged.filter((image) => image.repository === 'redis');
    expect(redis).toHaveLength(1);
    expect(imageReferences(redis[0]!)).toEqual(['redis:7.0', 'redis:7']);
    expect(sourceOutline(redis[0]!)).toBe('pulled from mirror.example.org/library/redis:7.0');
    // In the shipped place, not moved to the end; new entries come after the shipped ones.
    expect(merged.map(primaryReference).indexOf('redis:7.0')).toBe(catalogue().map(primaryReference).indexOf('redis:7.0'));
    expect(merged.at(-1)).toMatchObject({ repository: 'myschool/tools', prepare: 'start' });
    expect(merged).toHaveLength(catalogue().length + 1);
  });

  it('is checked with the shipped file: a stand-in must build FROM an image one of them has', async () => {
    const file = join(directory, 'bad-base.yml');
    await writeFile(file, `images:\n${REDIS_STAND_IN.replace(/debian:bookworm-slim/g, 'alpine:3.19')}`);
    expect(() => loadCatalogue({ LAYERLAB_CATALOGUE: file })).toThrow(
      `catalogue.yml with ${file}: redis:7.0: standIn.from names alpine:3.19, which is not in the catalogue`,
    );
    expect(() => loadCatalogue({ LAYERLAB_CATALOGUE: join(directory, 'absent.yml') })).toThrow(
      `${join(directory, 'absent.yml')}: the catalogue file can't be read (ENOENT)`,
    );
  });

  it('replaces each shipped entry once, even when it shares tags with two of them', () => {
    const shipped = parseCatalogue('a.yml', `images:\n${REDIS_STAND_IN}${REDIS_STAND_IN.replace('["7.0"]', '["7.2"]')}`);
    const extra = parseCatalogue('b.yml', 'images:\n  - repository: redis\n    tags: ["7.0", "7.2"]\n    summary: Both\n    pull: m.example/redis:7\n');
    expect(mergeCatalogues(shipped, extra).map((image) => image.summary)).toEqual(['Both']);
  });
});

describe('layerlab images', () => {
  it('shows each image with its aliases, size, preparation, presence and source', () => {
    const table = catalogueTable([
      { reference: 'nginx:1.22', aliases: ['nginx:latest'], prepare: 'start', state: 'current', size: 89_300_000, source: 'stand-in: debootstrap bookworm + nginx', version: '1.22.1' },
      { reference: 'redis:7.0', aliases: [], prepare: 'first-use', state: 'missing', source: 'stand-in: debootstrap bookworm + redis-server' },
    ]).split('\n');
    expect(table[0]).toMatch(/^IMAGE\s+ALIASES\s+SIZE\s+PREPARED\s+PRESENT\s+SOURCE$/);
    expect(table[1]).toMatch(/^nginx:1\.22\s+nginx:latest\s+89\.3MB\s+at start\s+yes\s+stand-in: debootstrap bookworm \+ nginx \(1\.22\.1\)$/);
    expect(table[2]).toMatch(/^redis:7\.0\s+-\s+-\s+on first use\s+no\s+stand-in: debootstrap bookworm \+ redis-server$/);
  });
});
