import type Docker from 'dockerode';
import { catalogue, catalogueReferences, imageReferences, primaryReference, sourceOutline } from './catalogue.ts';
import { imageState, listImages, type ImageState } from './ensure.ts';
import { STAND_IN_LABELS } from './stand-ins.ts';

/** One catalogue image as `layerlab images` shows it. */
export interface CatalogueImageStatus {
  reference: string;
  aliases: string[];
  prepare: 'start' | 'first-use';
  /** What the engine holds under the primary reference. */
  state: ImageState['kind'];
  /** Bytes, when present. */
  size?: number;
  /** Where it comes from: the recipe's outline, or the registry it is pulled from. */
  source: string;
  /** The versions a present stand-in's probes read, from its label ('7.0.15'). */
  version?: string;
}

/** The whole catalogue against what the engine holds, from one image listing. */
export async function catalogueStatus(docker: Docker): Promise<CatalogueImageStatus[]> {
  const listed = await listImages(docker, catalogueReferences());
  return catalogue().map((image) => {
    const state = imageState(image, listed);
    const found = listed.get(primaryReference(image));
    const pulledStandIn = state.kind === 'pulled' && image.standIn;
    return {
      reference: primaryReference(image),
      aliases: imageReferences(image).slice(1),
      prepare: image.prepare,
      state: state.kind,
      size: found?.Size,
      source: pulledStandIn ? `pulled from ${found?.RepoDigests?.[0]?.split('@')[0] ?? 'a registry'}` : sourceOutline(image),
      version: found?.Labels?.[STAND_IN_LABELS.version],
    };
  });
}
