import { createHash } from 'node:crypto';
import { standInBase, type CatalogueImage } from './catalogue.ts';

/**
 * Bump when the stand-in builder changes what ends up in an image without any recipe changing
 * (say, a new label), so that every stand-in is rebuilt once.
 */
export const STAND_IN_BUILDER_REVISION = 1;

/**
 * A short hash of everything that decides a stand-in's content: its recipe, the builder's
 * revision, and its base image's hash (a changed Debian recipe rebuilds node, python and nginx).
 * Tags and summary are left out: adding an alias needs a tag, not a rebuild.
 */
export function recipeHash(image: CatalogueImage): string {
  const base = standInBase(image);
  return createHash('sha256')
    .update(
      JSON.stringify(
        image.standIn
          ? { revision: STAND_IN_BUILDER_REVISION, recipe: image.standIn, base: base ? recipeHash(base) : null }
          : { pull: image.pull },
      ),
    )
    .digest('hex')
    .slice(0, 12);
}
