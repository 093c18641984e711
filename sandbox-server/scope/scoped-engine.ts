import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import type { ContainerInfo, ImageInfo, VolumeInspectInfo } from 'dockerode';
import { engineMessage, isConflict, isNotFound } from '../engine/errors.ts';
import { catalogueReferences, findCatalogueImage } from '../images/catalogue.ts';
import { ensureCatalogueImage } from '../images/ensure.ts';
import { decodePorts, type PublishedPort } from '../policy/container-template.ts';
import { sessionBridgeName } from './host-firewall.ts';
import { subnetsFor, type Pool } from './network-pool.ts';
import { LABEL, type Namespace } from './namespace.ts';
import { formatReference, looksLikeImageId, parseReference, type ImageReference } from './reference.ts';
import { startWithWorkspaceBinds } from './workspace-binds.ts';

/** An image as the learner sees it: only the tags in their namespace, shown without it. */
export interface OwnImage {
  id: string;
  /** "hello:latest"; empty for an image whose learner tags all moved on (a dangling image). */
  tags: string[];
  internalTags: string[];
  keepTags: string[];
  created: number;
  size: number;
  internal: ImageInfo;
}

export interface OwnContainer {
  id: string;
  name: string;
  /** The image as the learner named it. */
  image: string;
  imageId: string;
  command: string;
  created: number;
  state: string;
  status: string;
  ports: PublishedPort[];
  internal: ContainerInfo;
}

export interface OwnVolume {
  name: string;
  internalName: string;
  created?: string;
  internal: VolumeInspectInfo;
}

/**
 * The engine as one session sees it. Every lookup goes through here, and anything outside the
 * namespace answers exactly as if it did not exist.
 */
export class ScopedEngine {
  readonly docker: Docker;
  readonly namespace: Namespace;
  readonly #networkPool: Pool;
  #networkReady: Promise<void> | undefined;
  /** The start in flight; the next waits for it (see startContainer). */
  #starting: Promise<unknown> = Promise.resolve();
  /** The quota-checked creation in flight (see oneAtATime). */
  #creating: Promise<unknown> = Promise.resolve();

  constructor(docker: Docker, namespace: Namespace, networkPool: Pool) {
    this.docker = docker;
    this.namespace = namespace;
    this.#networkPool = networkPool;
  }

  // Images

  /**
   * The session's images. `filters` are the engine's (say `label`), applied by the engine; only
   * `dangling` is read here, because an image whose learner tags all moved on still carries the
   * server's keep tag, which the engine would count.
   */
  async images(options: { all?: boolean; filters?: Map<string, string[]> } = {}): Promise<OwnImage[]> {
    const { dangling, ...engineFilters } = Object.fromEntries(options.filters ?? []);
    const all = await this.docker.listImages({ all: options.all ?? false, filters: engineFilters });
    const own = all.flatMap((info) => this.#ownImage(info) ?? []);
    if (dangling === undefined || dangling.length === 0) return own;
    const wantDangling = dangling.some((value) => value === 'true' || value === '1');
    return own.filter((image) => (image.tags.length === 0) === wantDangling);
  }

  #ownImage(info: ImageInfo): OwnImage | undefined {
    const repoTags = (info.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>');
    const internalTags = repoTags.filter((tag) => this.namespace.ownsImageTag(tag));
    const keepTags = repoTags.filter((tag) => this.namespace.isKeepTag(tag));
    if (internalTags.length === 0 && keepTags.length === 0) return undefined;
    return {
      id: info.Id,
      tags: internalTags.map((tag) => this.namespace.displayTag(tag)!),
      internalTags,
      keepTags,
      created: info.Created,
      size: info.Size,
      internal: info,
    };
  }

  /**
   * Finds the learner's image by name[:tag] or by (a prefix of) its ID. Throws InvalidReferenceError
   * for a name docker would refuse.
   */
  async findImage(text: string): Promise<OwnImage | undefined> {
    const images = await this.images();
    const bare = text.replace(/^sha256:/, '');
    if (looksLikeImageId(text)) {
      const byId = images.filter((image) => image.id.replace(/^sha256:/, '').startsWith(bare));
      if (byId.length === 1) return byId[0];
    }
    const wanted = formatReference(parseReference(text));
    return images.find((image) => image.tags.includes(wanted));
  }

  /**
   * The session's images that count against its image quota: tagged ones it made. A catalogue
   * image "pulled" into the session is the server's shared copy and costs it nothing. Pass the
   * session's images when they are already listed.
   */
  async quotaImages(listed?: OwnImage[]): Promise<OwnImage[]> {
    const [images, catalogue] = await Promise.all([
      listed ?? this.images(),
      this.docker.listImages({ filters: { reference: catalogueReferences() } }),
    ]);
    const shared = new Set(catalogue.map((image) => image.Id));
    return images.filter((image) => image.tags.length > 0 && !shared.has(image.id));
  }

  /** Is this reference tagged in the namespace? One inspect, no listing. */
  async hasImage(ref: ImageReference): Promise<boolean> {
    try {
      await this.docker.getImage(this.namespace.imageTag(ref)).inspect();
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** The catalogue's global tag for a reference, or undefined when the catalogue lacks it. */
  catalogueTag(ref: ImageReference): string | undefined {
    if (ref.domain || ref.digest) return undefined;
    const tag = ref.tag ?? 'latest';
    return findCatalogueImage(ref.path, tag) ? `${ref.path}:${tag}` : undefined;
  }

  /**
   * "Pulls" a catalogue image: tags the server's copy into the namespace, where the learner's
   * `docker images` sees it and `docker rmi` can remove it without touching anyone else's.
   * Images carry no labels, so the session's network goes first: it is what tells every server's
   * reaper that the namespace's image tags belong to a live session.
   */
  async pullFromCatalogue(ref: ImageReference, progress?: (line: string) => void): Promise<string> {
    const source = this.catalogueTag(ref);
    if (!source) throw new Error(`${formatReference(ref)} is not in the catalogue`);
    // An image prepared on first use is made now (the call costs one inspect when it is there).
    await ensureCatalogueImage(this.docker, source, progress);
    await this.ensureNetwork();
    const target = this.namespace.imageTag(ref);
    const colon = target.lastIndexOf(':');
    const image = this.docker.getImage(source);
    const info = await image.inspect();
    await image.tag({ repo: target.slice(0, colon), tag: target.slice(colon + 1) });
    return info.Id;
  }

  async tagImage(imageId: string, ref: ImageReference): Promise<void> {
    await this.ensureNetwork();
    const target = this.namespace.imageTag(ref);
    const colon = target.lastIndexOf(':');
    await this.docker.getImage(imageId).tag({ repo: target.slice(0, colon), tag: target.slice(colon + 1) });
  }

  // Containers

  /**
   * The session's containers a learner may see and touch: never the workbench (the server's, by a
   * name no learner can give, not by a label an image could carry). `filters` are the engine's,
   * and the session's own label is always among them.
   */
  async containers(options: { all: boolean; size?: boolean; filters?: Map<string, string[]> }): Promise<OwnContainer[]> {
    const filters = Object.fromEntries(options.filters ?? []);
    const list = await this.docker.listContainers({
      all: options.all,
      size: options.size ?? false,
      filters: { ...filters, label: [...(filters.label ?? []), this.namespace.labelFilter] },
    });
    const workbench = `/${this.namespace.workbenchName}`;
    return list.filter((info) => !(info.Names ?? []).includes(workbench)).map((info) => this.#ownContainer(info));
  }

  #ownContainer(info: ContainerInfo): OwnContainer {
    const internalName = info.Names?.[0] ?? '';
    return {
      id: info.Id,
      // The engine's name first: a rename changes it, and a label can't change.
      name: this.namespace.displayName(internalName) ?? info.Labels?.[LABEL.name] ?? internalName,
      image: this.namespace.scrub(info.Image),
      imageId: info.ImageID,
      command: info.Command,
      created: info.Created,
      state: info.State,
      status: info.Status,
      ports: decodePorts(info.Labels?.[LABEL.ports]),
      internal: info,
    };
  }

  /**
   * Starts one of the session's containers once `check` accepts what already runs (it throws to
   * refuse, e.g. for the running-container quota). Starts of one session go one at a time, so two
   * terminals of the session can't both pass the check for the last place.
   */
  startContainer(id: string, check: (running: OwnContainer[]) => void): Promise<void> {
    const turn = this.#starting.then(async () => {
      const running = await this.containers({ all: false });
      if (running.some((container) => container.id === id)) return;
      check(running);
      await startWithWorkspaceBinds(this.docker, this.namespace, id, () => this.docker.getContainer(id).start());
    });
    this.#starting = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Runs a count-then-create (a container, a volume, a network) after the one before it, so two
   * requests of one session can't both pass the quota for the last place.
   */
  oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.#creating.then(work);
    this.#creating = turn.catch(() => undefined);
    return turn;
  }

  // Volumes

  async volumes(): Promise<OwnVolume[]> {
    const result = await this.docker.listVolumes({ filters: { label: [this.namespace.labelFilter] } });
    // Only the learner's own names: the workspace volume is the workbench's, not the learner's to list or remove.
    return (result.Volumes ?? []).filter((volume) => this.namespace.displayName(volume.Name) !== undefined).map((volume) => ({
      name: this.namespace.displayName(volume.Name)!,
      internalName: volume.Name,
      created: (volume as { CreatedAt?: string }).CreatedAt,
      internal: volume,
    }));
  }

  async findVolume(name: string): Promise<OwnVolume | undefined> {
    return (await this.volumes()).find((volume) => volume.name === name);
  }

  /** A named volume of the session; `labels` are the learner's (Compose labels its volumes), never the server's. */
  async createVolume(name: string, labels: Record<string, string> = {}): Promise<void> {
    await this.docker.createVolume({ Name: this.namespace.volumeName(name), Labels: { ...labels, ...this.namespace.labels } });
  }

  // Network

  /** The session's own network: internal, so containers reach each other and the proxy but not the world. */
  /** Makes the session's network once: the workbench and a command may both ask at the same moment. */
  ensureNetwork(): Promise<void> {
    this.#networkReady ??= this.#makeNetwork().catch((error: unknown) => {
      this.#networkReady = undefined;
      throw error;
    });
    return this.#networkReady;
  }

  async #makeNetwork(): Promise<void> {
    const name = this.namespace.networkName;
    try {
      await this.docker.getNetwork(name).inspect();
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.#createNetwork(name);
    }
  }

  async #createNetwork(name: string): Promise<void> {
    await this.#createInternalNetwork(name, this.namespace.id, {}).catch((error: unknown) => {
      if (!isConflict(error)) throw error; // a conflict: another terminal of this session made it first
    });
  }

  /**
   * A network a learner makes (`docker network create`, Compose's project network): internal and
   * labelled like the session's own, on a bridge the host rule covers. Returns its ID. The
   * workbench joins it, as a Docker host reaches every bridge it has: `curl localhost:PORT` in the
   * workbench must reach a Compose service's published port.
   */
  async createLearnerNetwork(learnerName: string, labels: Record<string, string>): Promise<string> {
    const name = this.namespace.learnerNetworkName(learnerName);
    const seed = createHash('sha256').update(name).digest('hex');
    const id = await this.#createInternalNetwork(name, seed, labels);
    await this.docker.getNetwork(id).connect({ Container: this.namespace.workbenchName }).catch(() => undefined);
    return id;
  }

  /** Removes a learner's network; the workbench leaves it first, so only the learner's containers can keep it in use. */
  async removeLearnerNetwork(id: string): Promise<void> {
    const network = this.docker.getNetwork(id);
    const info = await network.inspect();
    const members = Object.values((info.Containers ?? {}) as Record<string, { Name?: string }>);
    if (members.every((member) => member.Name === this.namespace.workbenchName) && members.length > 0) {
      await network.disconnect({ Container: this.namespace.workbenchName, Force: true }).catch(() => undefined);
    }
    await network.remove();
  }

  async #createInternalNetwork(name: string, seed: string, labels: Record<string, string>): Promise<string> {
    let attempts = 0;
    for (const { subnet, gateway } of subnetsFor(this.#networkPool, seed)) {
      try {
        const network = await this.docker.createNetwork({
          Name: name,
          Driver: 'bridge',
          Internal: true,
          CheckDuplicate: true,
          Labels: { ...labels, ...this.namespace.labels },
          IPAM: { Driver: 'default', Config: [{ Subnet: subnet, Gateway: gateway }] },
          Options: {
            'com.docker.network.bridge.enable_icc': 'true',
            // The name the host rule recognises session bridges by (see host-firewall.ts).
            'com.docker.network.bridge.name': sessionBridgeName(seed),
          },
        });
        return network.id;
      } catch (error) {
        // Another session holds this subnet: try the next. After many, the pool is the problem.
        if (!/overlaps/i.test(engineMessage(error)) || ++attempts >= 256) throw error;
      }
    }
    throw new Error('the network pool has no free subnet left');
  }

  /** The session's networks as the engine lists them: its own (shown as "bridge") and those the learner made. */
  async networks(): Promise<Docker.NetworkInspectInfo[]> {
    return this.docker.listNetworks({ filters: { label: [this.namespace.labelFilter] } });
  }
}
