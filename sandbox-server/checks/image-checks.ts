import type { ImageInspectInfo } from 'dockerode';
import { catalogueReferences } from '../images/catalogue.ts';
import { formatReference, parseReference } from '../scope/reference.ts';
import type { OwnImage } from '../scope/scoped-engine.ts';
import type { Check } from '../lessons/schema.ts';
import type { CheckContext, Verdict } from './result.ts';

type ImageCheck = Extract<Check, { kind: 'image' }>;
type LayersCheck = Extract<Check, { kind: 'layers' }>;
type ConfigCheck = Extract<Check, { kind: 'image-config' }>;

const tagOf = (name: string) => formatReference(parseReference(name));

async function findTagged(context: CheckContext, name: string): Promise<OwnImage | undefined> {
  const wanted = tagOf(name);
  return (await context.engine.images()).find((image) => image.tags.includes(wanted));
}

export async function checkImage(check: ImageCheck, context: CheckContext): Promise<Verdict> {
  const image = await findTagged(context, check.image);
  if (check.present && !image) return `No image is tagged ${tagOf(check.image)} yet.`;
  if (!check.present && image) return `${tagOf(check.image)} is still there (image ${image.id.slice(7, 19)}).`;
  return undefined;
}

/**
 * The layers an image adds on top of its base: the base is the catalogue or own image whose layer
 * list is the longest prefix of this image's. `docker history` shows the same thing. Several names
 * can tie (busybox:latest and busybox:1.35 are one image): `names` holds them all, in catalogue order.
 */
export async function baseOf(
  context: CheckContext,
  info: ImageInspectInfo,
): Promise<{ names: string[]; layers: number } | undefined> {
  const layers = info.RootFS.Layers ?? [];
  const candidates: { name: string; layers: string[] }[] = [];
  for (const reference of catalogueReferences()) {
    const inspected = await context.engine.docker.getImage(reference).inspect().catch(() => undefined);
    if (inspected) candidates.push({ name: reference, layers: inspected.RootFS.Layers ?? [] });
  }
  for (const own of await context.engine.images()) {
    if (own.id === info.Id || own.tags.length === 0) continue;
    const inspected = await context.engine.docker.getImage(own.id).inspect().catch(() => undefined);
    if (inspected) candidates.push({ name: own.tags[0]!, layers: inspected.RootFS.Layers ?? [] });
  }
  let best: { names: string[]; layers: number } | undefined;
  for (const candidate of candidates) {
    const isPrefix = candidate.layers.length <= layers.length && candidate.layers.every((layer, index) => layers[index] === layer);
    if (!isPrefix) continue;
    if (!best || candidate.layers.length > best.layers) best = { names: [candidate.name], layers: candidate.layers.length };
    else if (candidate.layers.length === best.layers && !best.names.includes(candidate.name)) best.names.push(candidate.name);
  }
  return best;
}

export async function checkLayers(check: LayersCheck, context: CheckContext): Promise<Verdict> {
  const image = await findTagged(context, check.image);
  if (!image) return `No image is tagged ${tagOf(check.image)} yet, so its layers can't be counted.`;
  const info = await context.engine.docker.getImage(image.id).inspect();
  const base = await baseOf(context, info);
  const added = (info.RootFS.Layers ?? []).length - (base?.layers ?? 0);
  const plural = (n: number) => `${n} layer${n === 1 ? '' : 's'}`;
  const on = base ? ` on top of ${base.names[0]}` : '';
  if (check.max !== undefined && added > check.max) {
    return `${tagOf(check.image)} adds ${plural(added)}${on}; at most ${check.max} are wanted.`;
  }
  if (check.min !== undefined && added < check.min) {
    return `${tagOf(check.image)} adds ${plural(added)}${on}; at least ${check.min} are wanted.`;
  }
  return undefined;
}

function sameList(a: string[] | null | undefined, b: string[]): boolean {
  return (a ?? []).length === b.length && b.every((item, index) => (a ?? [])[index] === item);
}

function show(list: string[] | null | undefined): string {
  return list && list.length > 0 ? JSON.stringify(list) : 'nothing';
}

export async function checkImageConfig(check: ConfigCheck, context: CheckContext): Promise<Verdict> {
  const name = tagOf(check.image);
  const image = await findTagged(context, check.image);
  if (!image) return `No image is tagged ${name} yet.`;
  const info = await context.engine.docker.getImage(image.id).inspect();
  const config = info.Config;

  if (check.base !== undefined) {
    const base = await baseOf(context, info);
    const wanted = tagOf(check.base);
    if (!base?.names.includes(wanted)) return `${name} is built FROM ${base?.names[0] ?? 'an image this check can\'t name'}, not ${wanted}.`;
  }
  if (check.env) {
    const env = new Map((config.Env ?? []).map((entry) => [entry.split('=')[0]!, entry.slice(entry.indexOf('=') + 1)]));
    for (const [key, value] of Object.entries(check.env)) {
      if (!env.has(key)) return `${name} doesn't set the environment variable ${key}.`;
      if (value !== '*' && env.get(key) !== value) return `${name} sets ${key}=${env.get(key)}, not ${key}=${value}.`;
    }
  }
  if (check.expose) {
    const exposed = Object.keys(config.ExposedPorts ?? {});
    for (const port of check.expose) {
      const key = String(port).includes('/') ? String(port) : `${port}/tcp`;
      if (!exposed.includes(key)) {
        return `${name} doesn't EXPOSE ${port} (it exposes ${exposed.length > 0 ? exposed.join(', ') : 'nothing'}).`;
      }
    }
  }
  if (check.cmd && !sameList(config.Cmd, check.cmd)) return `${name} has CMD ${show(config.Cmd)}, not ${JSON.stringify(check.cmd)}.`;
  if (check.entrypoint && !sameList(config.Entrypoint as string[] | null, check.entrypoint)) {
    return `${name} has ENTRYPOINT ${show(config.Entrypoint as string[] | null)}, not ${JSON.stringify(check.entrypoint)}.`;
  }
  if (check.user !== undefined) {
    const user = config.User || 'root';
    const isRoot = user === 'root' || user === '0' || user.startsWith('0:') || user.startsWith('root:');
    if (check.user === 'non-root' ? isRoot : user !== check.user) {
      return check.user === 'non-root' ? `${name} runs as root; add a USER instruction.` : `${name} runs as ${user}, not ${check.user}.`;
    }
  }
  if (check.workdir !== undefined && (config.WorkingDir || '/') !== check.workdir) {
    return `${name} has WORKDIR ${config.WorkingDir || '/'}, not ${check.workdir}.`;
  }
  return undefined;
}
