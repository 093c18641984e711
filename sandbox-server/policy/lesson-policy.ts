import type { SandboxPolicy } from '../config/policy.ts';
import { catalogueReferences } from '../images/catalogue.ts';
import type { SandboxOverrides } from '../lessons/schema.ts';
import { formatReference, type ImageReference } from '../scope/reference.ts';

/**
 * A lesson may tighten the server's policy, never loosen it: fewer running containers, fewer base
 * images (so a lesson about nginx can't be solved FROM something else).
 */
export function lessonPolicy(base: SandboxPolicy, overrides: SandboxOverrides | undefined): SandboxPolicy {
  if (!overrides) return base;
  const runningContainers = Math.min(base.quotas.runningContainers, overrides.runningContainers ?? Infinity);
  const lessonImages = overrides.baseImages?.map((name) => formatReference(parseAllowed(name)));
  const baseImages =
    lessonImages === undefined ? base.baseImages : lessonImages.filter((name) => base.baseImages?.includes(name) ?? true);
  return { ...base, baseImages, quotas: { ...base.quotas, runningContainers } };
}

function parseAllowed(name: string): ImageReference {
  const colon = name.lastIndexOf(':');
  return colon > 0 ? { path: name.slice(0, colon), tag: name.slice(colon + 1) } : { path: name };
}

/** Catalogue images this policy lets a learner pull, run and build FROM. */
export function availableBaseImages(policy: SandboxPolicy): string[] {
  const all = catalogueReferences();
  return policy.baseImages === undefined ? all : all.filter((name) => policy.baseImages!.includes(name));
}

export function allowsBaseImage(policy: SandboxPolicy, ref: ImageReference): boolean {
  return policy.baseImages === undefined || policy.baseImages.includes(formatReference(ref));
}
