import type Docker from 'dockerode';
import { createReadStream } from 'node:fs';
import { busyboxRootfsTar } from './busybox-rootfs.ts';
import { imageReferences, primaryReference, type StandInImage } from './catalogue.ts';
import { debianRootfsTarball } from './debian-rootfs.ts';
import { buildImage, contextTar, importRootfs, tagImage } from './engine-images.ts';
import { probeVersions } from './probe.ts';
import { recipeHash } from './recipe-hash.ts';
import { versionMatchesClaim, type StandInRecipe } from './stand-in-recipe.ts';

/** Labels every stand-in carries, so the course (and a person running `docker inspect`) can tell it from the real image. */
export const STAND_IN_LABELS = {
  standIn: 'org.layerlab.stand-in',
  source: 'org.layerlab.stand-in.source',
  version: 'org.layerlab.stand-in.version',
  recipe: 'org.layerlab.recipe',
} as const;

export interface StandInBuildOptions {
  /** Where the debootstrap root filesystem tarball is kept. */
  cacheDir: string;
  /** Make everything again, ignoring cached inputs. */
  fresh: boolean;
}

export interface BuiltStandIn {
  imageId: string;
  /** What the probes read from the image, e.g. { nodejs: '18.20.4', npm: '9.2.0' }. */
  versions: Record<string, string>;
}

/**
 * Makes a catalogue image locally: builds it from its recipe, reads the versions it really
 * contains, refuses it if they contradict its tags, then labels it and tags every alias.
 * Tags move only once the image has passed, so a failed build leaves the old one in place.
 * A Dockerfile recipe's base must already be present.
 */
export async function buildStandIn(
  docker: Docker,
  image: StandInImage,
  options: StandInBuildOptions,
): Promise<BuiltStandIn> {
  const recipe = image.standIn;
  const unlabelled = await buildUnlabelled(docker, recipe, options);
  try {
    const versions = await probeVersions(docker, unlabelled, recipe.probes);
    const claimed = recipe.probes[0];
    const found = claimed ? versions[claimed.name] : undefined;
    if (!claimed || !found || !versionMatchesClaim(recipe.claims, found)) {
      throw new Error(`the image contains ${claimed?.name} ${found}, not ${recipe.claims} as its tags state`);
    }
    // The labels are added by a build of `FROM <id>` because the versions they name are only
    // known once the image exists; a label-only step adds configuration, not a layer. One
    // LABEL line (rather than the build's `labels` option, which adds a step per label) keeps
    // `docker history` short.
    const labels = standInLabels(image, versions, found);
    const dockerfile = `FROM ${unlabelled}\nLABEL ${Object.entries(labels)
      .map(([key, value]) => `${key}=${dockerfileQuote(value)}`)
      .join(' ')}\n`;
    const imageId = await buildImage(docker, contextTar({ Dockerfile: dockerfile }), {
      tag: primaryReference(image),
      networkMode: 'none',
    });
    for (const alias of imageReferences(image).slice(1)) await tagImage(docker, imageId, alias);
    return { imageId, versions };
  } catch (error) {
    // The unlabelled image is a parent of the labelled one, so this only succeeds on failure paths.
    await docker.getImage(unlabelled).remove().catch(() => {});
    throw error;
  }
}

async function buildUnlabelled(docker: Docker, recipe: StandInRecipe, options: StandInBuildOptions): Promise<string> {
  switch (recipe.kind) {
    case 'busybox-static':
      return importRootfs(docker, await busyboxRootfsTar(recipe), recipe.changes);
    case 'debootstrap': {
      const tarball = await debianRootfsTarball(recipe, { cacheDir: options.cacheDir, fresh: options.fresh });
      return importRootfs(docker, createReadStream(tarball), recipe.changes);
    }
    case 'dockerfile':
      // The default bridge network, because apt-get fetches the packages from Debian's mirror.
      return buildImage(docker, contextTar({ Dockerfile: recipe.dockerfile, ...recipe.files }), {
        networkMode: 'bridge',
        noCache: options.fresh,
      });
  }
}

function standInLabels(image: StandInImage, versions: Record<string, string>, version: string): Record<string, string> {
  const source = image.standIn.source.replace(/\{(\w+)\}/g, (placeholder, name: string) => versions[name] ?? placeholder);
  return {
    [STAND_IN_LABELS.standIn]: 'true',
    [STAND_IN_LABELS.source]: source,
    [STAND_IN_LABELS.version]: version,
    [STAND_IN_LABELS.recipe]: recipeHash(image),
  };
}

/** A double-quoted Dockerfile word; `$` is escaped too, since LABEL expands variables. */
function dockerfileQuote(value: string): string {
  return `"${value.replace(/[\\"$]/g, (character) => `\\${character}`)}"`;
}
