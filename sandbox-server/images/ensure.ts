import type Docker from 'dockerode';
import { layerlabCacheDir } from './cache-dir.ts';
import {
  catalogue,
  catalogueReferences,
  findCatalogueImage,
  imageReferences,
  primaryReference,
  standInBase,
  startImages,
  type CatalogueImage,
  type StandInImage,
} from './catalogue.ts';
import { tagImage } from './engine-images.ts';
import { CATALOGUE_PULL_TIMEOUT_MS, pullImage } from './pull.ts';
import { recipeHash } from './recipe-hash.ts';
import { buildStandIn, STAND_IN_LABELS } from './stand-ins.ts';
import { ensureHostPackages, type HostNeed } from '../engine/host-packages.ts';
import type { StandInRecipe } from './stand-in-recipe.ts';
import path from 'node:path';
import { readEnvironment } from '../config/environment.ts';

export interface EnsureReport {
  /** The image's primary reference, e.g. 'node:18-slim'. */
  reference: string;
  action: 'present' | 'pulled' | 'built';
  /** Time spent on this image, not counting its base image. */
  seconds: number;
}

export interface EnsureOptions {
  /** Try the registry before building a stand-in. Default: true, unless LAYERLAB_PULL=0. */
  pull?: boolean;
  /** Make every selected image again, even if present, and ignore cached inputs. */
  force?: boolean;
  /**
   * Repositories ('node') or references ('nginx:latest') to ensure; their bases come along if
   * needed. Default: the images whose `prepare` is `start`.
   */
  only?: string[];
  log?: (line: string) => void;
  /** Default: LAYERLAB_CACHE_DIR, or <repo>/.layerlab/cache. */
  cacheDir?: string;
}

/** What the engine holds under an image's primary reference. */
export type ImageState =
  | { kind: 'missing' }
  /** A stand-in built from the current recipe. */
  | { kind: 'current'; id: string }
  /** A stand-in built from an older recipe. */
  | { kind: 'stale'; id: string }
  /** The real image, from a registry. */
  | { kind: 'pulled'; id: string }
  /** Neither ours nor pulled (say, something else tagged with the name); it is replaced. */
  | { kind: 'foreign'; id: string };

export interface ListedImage {
  Id: string;
  RepoTags?: string[] | null;
  Labels?: Record<string, string> | null;
  RepoDigests?: string[] | null;
  Size?: number;
}

// Calls in one process run one after the other: two builds of the same stand-in would race
// for its tags and double the work.
let previousCall: Promise<unknown> = Promise.resolve();

/**
 * Makes catalogue images present (by default those prepared at start): leaves alone what is already there (a stand-in with the
 * current recipe, or a pulled image), pulls what a registry has, and builds a stand-in for the
 * rest, bases first. Once one pull fails, the registry is taken as unreachable for the rest of
 * the call. On a machine that has everything it costs one image listing.
 */
export function ensureCatalogue(docker: Docker, options: EnsureOptions = {}): Promise<EnsureReport[]> {
  return oneAtATime(() => ensureSerially(docker, selectImages(options.only), options));
}

/**
 * Makes the server's own images present the same way (the workbench): built from their recipes,
 * never pulled, since no registry publishes them. Their catalogue bases come along.
 */
export function ensureServerImages(
  docker: Docker,
  images: readonly CatalogueImage[],
  options: Omit<EnsureOptions, 'only' | 'pull'> = {},
): Promise<EnsureReport[]> {
  return oneAtATime(() => ensureSerially(docker, images, { ...options, pull: false }));
}

function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  const call = previousCall.then(work);
  previousCall = call.catch(() => {});
  return call;
}

async function ensureSerially(docker: Docker, selected: readonly CatalogueImage[], options: EnsureOptions): Promise<EnsureReport[]> {
  const force = options.force ?? false;
  const cacheDir = options.cacheDir ?? layerlabCacheDir();
  const log = options.log ?? (() => {});
  let registryMayAnswer = options.pull ?? readEnvironment(process.env).LAYERLAB_PULL ?? true;

  const listed = await listImages(docker, [...catalogueReferences(), ...selected.flatMap(imageReferences)]);
  const width = Math.max(...[...catalogue(), ...selected].map((image) => primaryReference(image).length)) + 2;
  const say = (reference: string, text: string) => log(`${reference.padEnd(width)}${text}`);
  const reports: EnsureReport[] = [];
  const visited = new Set<CatalogueImage>();

  const ensure = async (image: CatalogueImage): Promise<void> => {
    if (visited.has(image)) return;
    visited.add(image);
    const reference = primaryReference(image);
    const state = imageState(image, listed);
    let started = performance.now();
    const report = (action: EnsureReport['action']) => {
      const seconds = (performance.now() - started) / 1000;
      reports.push({ reference, action, seconds });
      return seconds;
    };

    if (!force && (state.kind === 'current' || state.kind === 'pulled')) {
      await tagMissingAliases(docker, image, state.id, listed);
      report('present');
      say(reference, state.kind === 'pulled' ? 'present (pulled)' : 'present');
      return;
    }

    if (image.pull !== undefined) {
      // The operator named this registry or mirror: there is no stand-in to fall back to.
      say(reference, `pulling ${image.pull}…`);
      try {
        await pullImage(docker, image.pull, CATALOGUE_PULL_TIMEOUT_MS);
        const { Id } = await docker.getImage(image.pull).inspect();
        for (const alias of imageReferences(image)) await tagImage(docker, Id, alias);
      } catch (error) {
        throw new Error(`${reference}: ${(error as Error).message}`, { cause: error });
      }
      say(reference, `pulled from ${image.pull} in ${report('pulled').toFixed(1)} s`);
      return;
    }

    if (registryMayAnswer) {
      try {
        await pullImage(docker, reference);
        const { Id } = await docker.getImage(reference).inspect();
        // Aliases follow the catalogue, not the registry: here nginx:latest is nginx:1.22.
        for (const alias of imageReferences(image).slice(1)) await tagImage(docker, Id, alias);
        await removeReplacedStandIns(docker, image, listed, Id);
        say(reference, `pulled in ${report('pulled').toFixed(1)} s`);
        return;
      } catch (error) {
        registryMayAnswer = false;
        say(reference, `no registry answered (${oneLine((error as Error).message)}); building stand-ins`);
      }
    }

    const base = standInBase(image);
    if (base) await ensure(base);
    started = performance.now();
    const why =
      state.kind === 'stale'
        ? 'recipe changed; '
        : state.kind === 'foreign'
          ? 'replacing an image that is neither a stand-in nor pulled; '
          : '';
    say(reference, `${why}building stand-in (${image.standIn.outline})…`);
    let imageId: string;
    try {
      ensureHostPackages(hostNeeds(image.standIn), path.join(cacheDir, '..', 'logs'), log);
      ({ imageId } = await buildStandIn(docker, image, { cacheDir, fresh: force }));
    } catch (error) {
      throw new Error(`${reference}: ${(error as Error).message}`, { cause: error });
    }
    await removeReplacedStandIns(docker, image, listed, imageId);
    say(reference, `built in ${report('built').toFixed(1)} s`);
  };

  for (const image of selected) await ensure(image);
  return reports;
}

/**
 * Makes one catalogue image present if the engine lacks it, for a learner's first pull, run or
 * build FROM an image prepared on first use. `progress` hears a line before a slow build starts and
 * one when it is done (for the learner); `log` hears the ensure's own lines (for the operator).
 * Present images cost one inspect, and never wait for another build.
 */
export async function ensureCatalogueImage(
  docker: Docker,
  reference: string,
  progress: (line: string) => void = () => {},
  log: (line: string) => void = () => {},
): Promise<void> {
  try {
    await docker.getImage(reference).inspect();
    return;
  } catch {
    // Missing (or unreadable): ensure it below, which says what went wrong if it can't.
  }
  const colon = reference.lastIndexOf(':');
  const image = findCatalogueImage(reference.slice(0, colon), reference.slice(colon + 1));
  if (!image) throw new Error(`${reference} is not in the image catalogue`);
  progress(
    image.standIn
      ? `${reference} is not built yet: building it now from its recipe (${image.standIn.outline}); this takes a minute or two, once`
      : `${reference} is not here yet: pulling it from ${image.pull}`,
  );
  const started = performance.now();
  const reports = await ensureCatalogue(docker, { only: [reference], log });
  const made = reports.some((report) => report.action !== 'present');
  progress(`${reference} is ready${made ? ` (${((performance.now() - started) / 1000).toFixed(0)} s)` : ''}`);
}

/** The machine's own packages a recipe builds from. */
function hostNeeds(recipe: StandInRecipe): HostNeed[] {
  if (recipe.kind === 'busybox-static') return [{ provides: recipe.binary, package: 'busybox-static' }];
  if (recipe.kind === 'debootstrap') return [{ provides: 'debootstrap', package: 'debootstrap' }];
  return [];
}

/** One engine call for the whole catalogue, so a warm check costs milliseconds. */
export async function listImages(docker: Docker, references: string[]): Promise<Map<string, ListedImage>> {
  const images = (await docker.listImages({ filters: { reference: [...new Set(references)] } })) as ListedImage[];
  const byReference = new Map<string, ListedImage>();
  for (const image of images) {
    for (const tag of image.RepoTags ?? []) byReference.set(tag, image);
  }
  return byReference;
}

export function imageState(image: CatalogueImage, listed: Map<string, ListedImage>): ImageState {
  const found = listed.get(primaryReference(image));
  if (!found) return { kind: 'missing' };
  const labels = found.Labels ?? {};
  if (labels[STAND_IN_LABELS.standIn] === 'true') {
    return labels[STAND_IN_LABELS.recipe] === recipeHash(image)
      ? { kind: 'current', id: found.Id }
      : { kind: 'stale', id: found.Id };
  }
  if ((found.RepoDigests ?? []).length > 0) return { kind: 'pulled', id: found.Id };
  return { kind: 'foreign', id: found.Id };
}

/** An alias someone removed or moved is pointed back at the image; no rebuild needed. */
async function tagMissingAliases(
  docker: Docker,
  image: CatalogueImage,
  imageId: string,
  listed: Map<string, ListedImage>,
): Promise<void> {
  for (const alias of imageReferences(image).slice(1)) {
    if (listed.get(alias)?.Id !== imageId) await tagImage(docker, imageId, alias);
  }
}

/**
 * Removes the stand-ins an image's tags named before they moved, but only those no tag names
 * any more: removing by ID would otherwise delete an image someone else tagged (a learner's
 * `docker tag node:18-slim mine`). The engine also refuses while containers or child images use
 * one; that is fine, it goes with them. Images that are not stand-ins are never removed.
 */
async function removeReplacedStandIns(
  docker: Docker,
  image: CatalogueImage,
  listed: Map<string, ListedImage>,
  currentId: string,
): Promise<void> {
  const previous = new Set<string>();
  for (const reference of imageReferences(image)) {
    const before = listed.get(reference);
    if (before && before.Id !== currentId && before.Labels?.[STAND_IN_LABELS.standIn] === 'true') previous.add(before.Id);
  }
  for (const imageId of previous) {
    try {
      const { RepoTags } = await docker.getImage(imageId).inspect();
      if ((RepoTags ?? []).length === 0) await docker.getImage(imageId).remove();
    } catch {
      // Best effort: a leftover image costs disk, not correctness.
    }
  }
}

function selectImages(only: string[] | undefined): CatalogueImage[] {
  if (!only) return startImages();
  const selected = new Set<CatalogueImage>();
  for (const name of only) {
    const image = catalogue().find((candidate) => candidate.repository === name || imageReferences(candidate).includes(name));
    if (!image) throw new Error(`${name} is not in the image catalogue (it has ${catalogueReferences().join(', ')})`);
    selected.add(image);
  }
  // Catalogue order, so the reports read the same whatever order `only` used.
  return catalogue().filter((image) => selected.has(image));
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
