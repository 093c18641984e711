import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { readEnvironment } from '../config/environment.ts';
import { courseFromEnv } from '../course/course.ts';
import { PROJECT_ROOT } from '../project-root.ts';
import { issueSentence, pathText } from '../format/schema-sentences.ts';
import { yamlErrorSentence } from '../format/yaml-errors.ts';
import { CatalogueFile, type CatalogueEntry } from './catalogue-schema.ts';
import type { CatalogueImage } from './catalogue.ts';

/** The catalogue the project ships, at the repository's root. */
export const SHIPPED_CATALOGUE_FILE = path.join(PROJECT_ROOT, 'catalogue.yml');

/** The largest catalogue file read: the shipped one, recipes and all, is about 15 KB. */
const MAX_FILE_BYTES = 1024 * 1024;

export class CatalogueFileError extends Error {}

/**
 * The shipped catalogue plus the course's catalogue.yml (a course of one's own, LAYERLAB_COURSE) and the
 * operator's LAYERLAB_CATALOGUE file, if set. An added entry replaces every earlier entry it shares a repository:tag with (so `redis:7.0` in the operator's
 * file, pulled from a mirror, takes the stand-in's place), and is added otherwise.
 */
export function loadCatalogue(env: Record<string, string | undefined> = process.env): CatalogueImage[] {
  // The course's additions first, then the operator's, which have the last word on this machine.
  const extraFiles = [courseFromEnv(env).catalogueFile, readEnvironment(env).LAYERLAB_CATALOGUE].filter((file) => file !== undefined);
  let images = readCatalogueFile(SHIPPED_CATALOGUE_FILE);
  for (const file of extraFiles) images = mergeCatalogues(images, readCatalogueFile(file));
  checkBases(images, extraFiles.length > 0 ? [path.basename(SHIPPED_CATALOGUE_FILE), ...extraFiles].join(' with ') : SHIPPED_CATALOGUE_FILE);
  return images;
}

/** Entries of `extra` replace the `shipped` entries they share a reference with; the rest are added. */
export function mergeCatalogues(shipped: readonly CatalogueImage[], extra: readonly CatalogueImage[]): CatalogueImage[] {
  const merged: CatalogueImage[] = [];
  const added = new Set<CatalogueImage>();
  for (const image of shipped) {
    const replacement = extra.find((candidate) => sharesReference(candidate, image));
    if (!replacement) merged.push(image);
    else if (!added.has(replacement)) {
      merged.push(replacement);
      added.add(replacement);
    }
  }
  return [...merged, ...extra.filter((image) => !added.has(image))];
}

function sharesReference(a: CatalogueImage, b: CatalogueImage): boolean {
  return a.repository === b.repository && a.tags.some((tag) => b.tags.includes(tag));
}

/** Reads and validates one catalogue file; every problem is a sentence naming the file and entry. */
export function readCatalogueFile(file: string): CatalogueImage[] {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CatalogueFileError(`${file}: the catalogue file can't be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (source.length > MAX_FILE_BYTES) throw new CatalogueFileError(`${file}: the catalogue file is larger than 1 MB`);
  return parseCatalogue(file, source);
}

/** Validates a catalogue file's text; `file` names it in the sentences. */
export function parseCatalogue(file: string, source: string): CatalogueImage[] {
  const document = parseDocument(source);
  const yamlError = document.errors[0];
  if (yamlError) {
    throw new CatalogueFileError(yamlErrorSentence(file, yamlError));
  }
  const raw: unknown = document.toJS();
  const result = CatalogueFile.safeParse(raw, { reportInput: true });
  if (!result.success) {
    // An unknown key first: it is usually why a key is "missing" (a typo of its name).
    const issues = [...result.error.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
    throw new CatalogueFileError(issues.map((issue) => `${file}: ${placeOf(raw, issue.path)} ${issueSentence(issue)}`).join('\n'));
  }
  const images = result.data.images.map(toCatalogueImage);
  const seen = new Map<string, CatalogueImage>();
  for (const image of images) {
    for (const tag of image.tags) {
      const reference = `${image.repository}:${tag}`;
      if (seen.has(reference)) throw new CatalogueFileError(`${file}: ${reference} is listed twice; give each repository:tag to one entry`);
      seen.set(reference, image);
    }
  }
  return images;
}

/** "redis:7.0: standIn.probes[0].pattern" for an issue inside the entry for redis:7.0. */
function placeOf(raw: unknown, issuePath: readonly PropertyKey[]): string {
  if (issuePath[0] !== 'images' || typeof issuePath[1] !== 'number') {
    return issuePath.length === 0 ? 'the file' : pathText(issuePath);
  }
  const entry = (raw as { images: unknown[] }).images[issuePath[1]] as { repository?: unknown; tags?: unknown } | undefined;
  const firstTag = Array.isArray(entry?.tags) ? entry.tags[0] : undefined;
  const name =
    typeof entry?.repository === 'string'
      ? `${entry.repository}${typeof firstTag === 'string' || typeof firstTag === 'number' ? `:${firstTag}` : ''}`
      : `entry ${issuePath[1] + 1}`;
  const rest = issuePath.slice(2);
  return rest.length === 0 ? `${name}:` : `${name}: ${pathText(rest)}`;
}

function toCatalogueImage(entry: CatalogueEntry): CatalogueImage {
  const { repository, tags, summary, prepare } = entry;
  return entry.standIn ? { repository, tags, summary, prepare, standIn: entry.standIn } : { repository, tags, summary, prepare, pull: entry.pull! };
}

/** Every Dockerfile stand-in must start FROM a catalogue image, and no chain of bases may loop. */
function checkBases(images: readonly CatalogueImage[], where: string): void {
  const byReference = new Map<string, CatalogueImage>(images.flatMap((image) => image.tags.map((tag) => [`${image.repository}:${tag}`, image] as const)));
  for (const image of images) {
    const chain: CatalogueImage[] = [];
    let current: CatalogueImage | undefined = image;
    while (current?.standIn?.kind === 'dockerfile') {
      const name = `${current.repository}:${current.tags[0]}`;
      const from: string = current.standIn.from;
      if (current.standIn.dockerfile.split('\n')[0]?.trim() !== `FROM ${from}`) {
        throw new CatalogueFileError(`${where}: ${name}: standIn.dockerfile should start with the line "FROM ${from}", as standIn.from says`);
      }
      const base = byReference.get(from);
      if (!base) throw new CatalogueFileError(`${where}: ${name}: standIn.from names ${from}, which is not in the catalogue`);
      if (chain.includes(base) || base === image) {
        throw new CatalogueFileError(`${where}: ${name}: standIn.from leads back to ${name}; a stand-in can't be built from itself`);
      }
      chain.push(current);
      current = base;
    }
  }
}
