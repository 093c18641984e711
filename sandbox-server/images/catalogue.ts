import { loadCatalogue } from './catalogue-file.ts';
import type { StandInRecipe } from './stand-in-recipe.ts';

export type { StandInRecipe } from './stand-in-recipe.ts';

/**
 * The base images a learner's Dockerfile may start FROM (besides their own images), declared in
 * catalogue.yml at the repository's root and, for an operator's additions, the file
 * LAYERLAB_CATALOGUE names (docs/catalogue.md).
 *
 * No registry answers on the machines this course runs on, so most images are made locally as
 * "stand-ins": built from Debian bookworm packages, with tags that state the version really
 * inside (checked after the build). Where a registry does answer, the real image is pulled
 * instead; an entry can also name a registry or mirror to pull from.
 */
interface CatalogueImageBase {
  /** In familiar form: 'node', not 'docker.io/library/node'. */
  repository: string;
  /** The first is the primary tag; the rest are aliases for the same image ID. */
  tags: string[];
  /** One sentence a learner sees. */
  summary: string;
  /** 'start': made present when the server starts; 'first-use': when a learner first needs it. */
  prepare: 'start' | 'first-use';
}

/** An image made locally from a recipe when no registry answers. */
export interface StandInImage extends CatalogueImageBase {
  standIn: StandInRecipe;
  pull?: undefined;
}

/** An image pulled from a configured registry or mirror and tagged with its familiar name. */
export interface PulledImage extends CatalogueImageBase {
  /** The reference pulled, e.g. 'mirror.example.org/library/redis:7.0'. */
  pull: string;
  standIn?: undefined;
}

export type CatalogueImage = StandInImage | PulledImage;

let loaded: readonly CatalogueImage[] | undefined;

/** The catalogue, read once per process; a broken file stops here with a sentence naming it. */
export function catalogue(): readonly CatalogueImage[] {
  loaded ??= loadCatalogue(process.env);
  return loaded;
}

/** The images made present when the server starts; the rest wait for first use. */
export function startImages(): CatalogueImage[] {
  return catalogue().filter((image) => image.prepare === 'start');
}

/** 'node:18-slim' for the primary tag. */
export function primaryReference(image: CatalogueImage): string {
  return `${image.repository}:${image.tags[0]}`;
}

/** Every 'repository:tag' of one image, primary first. */
export function imageReferences(image: CatalogueImage): string[] {
  return image.tags.map((tag) => `${image.repository}:${tag}`);
}

/** Every 'repository:tag' in the catalogue, aliases included. */
export function catalogueReferences(): string[] {
  return catalogue().flatMap(imageReferences);
}

/**
 * The catalogue image a repository and tag name, or undefined. The repository is in familiar
 * form ('node'); Docker Hub's long forms ('library/node', 'docker.io/library/node') mean the
 * same. The caller supplies the tag, 'latest' included.
 */
export function findCatalogueImage(repository: string, tag: string, images: readonly CatalogueImage[] = catalogue()): CatalogueImage | undefined {
  const familiar = repository.replace(/^(?:docker\.io\/|index\.docker\.io\/|registry-1\.docker\.io\/)?(?:library\/)?/, '');
  return images.find((image) => image.repository === familiar && image.tags.includes(tag));
}

/** The catalogue image a stand-in is built FROM, if it is built from one. */
export function standInBase(image: CatalogueImage, images: readonly CatalogueImage[] = catalogue()): CatalogueImage | undefined {
  if (image.standIn?.kind !== 'dockerfile') return undefined;
  const from = image.standIn.from;
  const colon = from.lastIndexOf(':');
  const base = findCatalogueImage(from.slice(0, colon), from.slice(colon + 1), images);
  if (!base) throw new Error(`${primaryReference(image)} is built FROM ${from}, which is not in the catalogue`);
  return base;
}

/** Where an image comes from, in a few words: 'stand-in: debootstrap bookworm + nginx' or 'pulled from …'. */
export function sourceOutline(image: CatalogueImage): string {
  return image.standIn ? `stand-in: ${image.standIn.outline}` : `pulled from ${image.pull}`;
}
