import type Docker from 'dockerode';
import { formatReference, parseReference, type ImageReference } from './reference.ts';
import type { OwnImage, ScopedEngine } from './scoped-engine.ts';

/**
 * The rules for removing, tagging and pruning a session's images, in the daemon's words
 * (daemon/images/image_delete.go), applied to the session's view. The imitation terminal and the
 * Engine API boundary both go through here; each prints the records in its own way.
 */

/** A refusal the daemon would answer with 409 (or 404 for a missing image); `message` is the daemon's. */
export class ImageRuleError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export interface RemoveRecord {
  Untagged?: string;
  Deleted?: string;
}

const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** "hello" → "hello:latest"; undefined for text that can't be an image name (an ID like sha256:…). */
export function tagName(text: string): string | undefined {
  try {
    return formatReference(parseReference(text));
  } catch {
    return undefined;
  }
}

function repositoryOf(tag: string): string {
  return tag.slice(0, tag.lastIndexOf(':'));
}

export async function requireOwnImage(engine: ScopedEngine, text: string): Promise<OwnImage> {
  const image = await engine.findImage(text).catch(() => undefined);
  if (!image) throw new ImageRuleError(404, `No such image: ${text}`);
  return image;
}

/**
 * `docker rmi NAME`: untag when other tags remain, refuse when a container uses the image unless
 * forced, and report the image deleted once no tag of this session points at it.
 */
export async function removeOwnImage(engine: ScopedEngine, docker: Docker, name: string, force: boolean): Promise<RemoveRecord[]> {
  const image = await requireOwnImage(engine, name);
  const byId = !image.tags.includes(tagName(name) ?? '');
  const containers = (await engine.containers({ all: true })).filter((container) => container.imageId === image.id);
  const running = containers.find((container) => container.state === 'running');
  const stopped = containers.find((container) => container.state !== 'running');

  let removeTags: string[];
  if (!byId) {
    const tag = tagName(name)!;
    const internal = engine.namespace.imageTag(tag);
    if (image.tags.length > 1) {
      await docker.getImage(internal).remove({ noprune: true });
      return [{ Untagged: tag }];
    }
    const user = running ?? stopped;
    if (user && !force) {
      throw new ImageRuleError(409, `conflict: unable to remove repository reference "${name}" (must force) - container ${shortId(user.id)} is using its referenced image ${shortId(image.id)}`);
    }
    if (running) {
      // Forced past a running container, docker only untags; the image stays, dangling.
      await docker.getImage(internal).remove({ noprune: true });
      return [{ Untagged: tag }];
    }
    removeTags = [internal];
  } else {
    const repositories = new Set(image.tags.map(repositoryOf));
    if (repositories.size > 1 && !force) {
      throw new ImageRuleError(409, `conflict: unable to delete ${shortId(image.id)} (must be forced) - image is referenced in multiple repositories`);
    }
    if (running) {
      throw new ImageRuleError(409, `conflict: unable to delete ${shortId(image.id)} (cannot be forced) - image is being used by running container ${shortId(running.id)}`);
    }
    if (stopped && !force) {
      throw new ImageRuleError(409, `conflict: unable to delete ${shortId(image.id)} (must be forced) - image is being used by stopped container ${shortId(stopped.id)}`);
    }
    removeTags = image.internalTags;
  }

  // The server's keep tags go first and quietly, so the learner's last tag is the one that deletes.
  for (const keep of image.keepTags) await docker.getImage(keep).remove({ noprune: true }).catch(() => undefined);
  const records: RemoveRecord[] = [];
  for (const [index, tag] of removeTags.entries()) {
    const last = index === removeTags.length - 1;
    const removed = (await docker.getImage(tag).remove({ force: last && force })) as RemoveRecord[];
    for (const record of removed) {
      if (record.Untagged) records.push({ Untagged: engine.namespace.scrub(record.Untagged) });
      if (record.Deleted) records.push({ Deleted: record.Deleted });
    }
  }
  // Another session (or the catalogue) may still tag the same image; for this learner it is gone.
  if (!records.some((record) => record.Deleted)) records.push({ Deleted: image.id });
  return records;
}

/**
 * `docker tag SOURCE TARGET`: a new tag must fit the image quota, unless it names an image the
 * learner already has tagged (another name for it costs nothing).
 */
export async function tagOwnImage(engine: ScopedEngine, source: string, target: ImageReference, maxImages: number): Promise<void> {
  const image = await requireOwnImage(engine, source);
  if (target.digest) throw new ImageRuleError(400, 'refusing to create a tag with a digest reference');
  if (image.tags.includes(formatReference(target))) return;
  await checkImageQuota(engine, target, maxImages, image.id);
  await engine.tagImage(image.id, target);
}

export async function checkImageQuota(engine: ScopedEngine, ref: ImageReference, maxImages: number, imageId?: string): Promise<void> {
  const tagged = await engine.quotaImages();
  if (tagged.some((image) => image.id === imageId || image.tags.includes(formatReference(ref)))) return;
  if (tagged.length >= maxImages) {
    throw new ImageRuleError(403, `you have ${tagged.length} images, the most a session may keep; remove some with docker rmi`);
  }
}

/** `docker image prune [-a]`: the session's unused images (dangling ones only, unless all). */
export async function pruneOwnImages(engine: ScopedEngine, docker: Docker, all: boolean): Promise<{ records: RemoveRecord[]; reclaimed: number }> {
  const used = new Set((await engine.containers({ all: true })).map((container) => container.imageId));
  const candidates = (await engine.images()).filter((image) => !used.has(image.id) && (all || image.tags.length === 0));
  let reclaimed = 0;
  const records: RemoveRecord[] = [];
  for (const image of candidates) {
    // Each image's own layer sizes, read before it goes: the space reclaimed is what the deleted
    // layers held (as the daemon counts it), not the whole image with the base it shares.
    const layers = (await docker.getImage(image.id).history()) as { Id: string; Size: number }[];
    const layerSize = (id: string) => layers.find((layer) => layer.Id === id)?.Size ?? 0;
    let deleted = false;
    for (const tag of [...image.keepTags, ...image.internalTags]) {
      const removed = ((await docker.getImage(tag).remove().catch(() => [])) ?? []) as RemoveRecord[];
      if (image.internalTags.includes(tag)) records.push({ Untagged: engine.namespace.displayTag(tag)! });
      for (const record of removed) {
        if (!record.Deleted) continue;
        records.push({ Deleted: record.Deleted });
        reclaimed += layerSize(record.Deleted);
        deleted = true;
      }
    }
    if (!deleted) {
      records.push({ Deleted: image.id });
      reclaimed += layerSize(image.id);
    }
  }
  return { records, reclaimed };
}
