import type Docker from 'dockerode';
import type { SandboxPolicy } from '../config/policy.ts';
import { isNotFound } from '../engine/errors.ts';
import { catalogueReferences } from '../images/catalogue.ts';
import { allowsBaseImage, availableBaseImages } from '../policy/lesson-policy.ts';
import type { BaseImage, BaseImageLookup } from '../policy/dockerfile-review.ts';
import { formatReference } from '../scope/reference.ts';
import type { OwnImage, ScopedEngine } from '../scope/scoped-engine.ts';

export interface BaseImageOptions {
  /** Makes a catalogue image the engine lacks (one prepared on first use) before the build pins it. */
  prepare?: (tag: string) => Promise<void>;
  /** The session's images, when the caller has just listed them (a build has): the engine is not asked twice. */
  images?: OwnImage[];
}

/**
 * The base images a session may build FROM, as the Dockerfile review asks for them. The build and
 * the editor's markers share it, so a FROM the editor accepts is one the build accepts.
 */
export async function sessionBaseImages(
  engine: ScopedEngine,
  docker: Docker,
  policy: SandboxPolicy,
  options: BaseImageOptions = {},
): Promise<BaseImageLookup> {
  const images = options.images ?? (await engine.images());
  // A "pulled" catalogue image is the catalogue's, not the learner's: it follows the lesson's
  // base-image list like any catalogue name, and is listed once.
  const catalogue = new Set(catalogueReferences());
  const ownTags = new Set(images.flatMap((image) => image.tags).filter((tag) => !catalogue.has(tag)));
  return {
    own: async (ref) => (ownTags.has(formatReference(ref)) ? baseImage(docker, engine.namespace.imageTag(ref)) : undefined),
    catalogue: async (ref) => {
      const tag = engine.catalogueTag(ref);
      if (tag === undefined || !allowsBaseImage(policy, ref)) return undefined;
      const found = await baseImage(docker, tag);
      if (found) return found;
      // A catalogue image prepared on first use is not made yet: a build makes it now, and the
      // editor's review accepts the name without its config (it has nothing to pin).
      if (!options.prepare) return { id: tag, env: [], workingDir: '', onBuild: [] };
      await options.prepare(tag);
      return baseImage(docker, tag);
    },
    available: () => [...availableBaseImages(policy), ...[...ownTags].map((tag) => `${tag} (yours)`)],
  };
}

/** What a build needs to know of a base image, read from its ID so a moved tag changes nothing. */
async function baseImage(docker: Docker, tag: string): Promise<BaseImage | undefined> {
  try {
    const info = await docker.getImage(tag).inspect();
    return { id: info.Id, env: info.Config?.Env ?? [], workingDir: info.Config?.WorkingDir ?? '', onBuild: info.Config?.OnBuild ?? [] };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
