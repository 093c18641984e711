import { z } from 'zod';
import { API_VERSION, BoundaryError } from './api.ts';
import { ARCHIVE_ENDPOINTS } from './archives.ts';
import { BUILD_ENDPOINTS } from './builds.ts';
import { CONTAINER_ENDPOINTS, requireContainer } from './containers.ts';
import { forwardToEngine } from './engine-forward.ts';
import { EXEC_ENDPOINTS } from './execs.ts';
import { IMAGE_ENDPOINTS } from './images.ts';
import { containerSummary, imageSummary, learnerLabels } from './listings.ts';
import { NETWORK_ENDPOINTS } from './networks.ts';
import { REGISTRY_ENDPOINTS } from './registry.ts';
import { VOLUME_ENDPOINTS } from './volumes.ts';
import { engineBool, engineInt, onlyFilters, parseFilters, parseQuery, querySchema } from './query.ts';
import { globMatch, matchesNameFilter, matchesReference } from './filters.ts';
import type { Endpoint } from './router.ts';
import { workbenchHelp } from '../workbench/help.ts';

/**
 * The allow-list: every Engine API endpoint a workbench may call, with the query it may send.
 * Anything not listed here is answered 403 by the server before the engine sees it.
 */

const ping: Endpoint['handle'] = async ({ query }) => {
  parseQuery(querySchema({}), query);
  return { text: 'OK' };
};

const containerListQuery = querySchema({
  all: engineBool.optional(),
  limit: engineInt.optional(),
  size: engineBool.optional(),
  filters: z.string().optional(),
  // docker-py (Compose 1.29) sends it; the engine ignores it.
  trunc_cmd: z.string().max(8).optional(),
});

/** Filters the engine applies as it would straight on the engine; the session's own label is added to them. */
const CONTAINER_FILTERS = ['status', 'label', 'id', 'exited', 'health', 'before', 'since', 'name'] as const;

const imageListQuery = querySchema({
  all: engineBool.optional(),
  digests: engineBool.optional(),
  'shared-size': engineBool.optional(),
  filters: z.string().optional(),
});

const SYSTEM_ENDPOINTS: readonly Endpoint[] = [
  {
    method: 'GET',
    path: '/events',
    async handle({ engine, engineSocket, query, holdStream }, response) {
      const { since, until, filters } = parseQuery(querySchema({ since: z.string().max(32).optional(), until: z.string().max(32).optional(), filters: z.string().optional() }), query);
      const learnerFilters = parseFilters(filters);
      onlyFilters(learnerFilters, ['type', 'event']);
      // Only events of objects that carry the session's label: its containers, volumes and networks.
      const engineFilters = { ...Object.fromEntries(learnerFilters), label: [engine.namespace.labelFilter] };
      const search = new URLSearchParams({ filters: JSON.stringify(engineFilters), ...(since ? { since } : {}), ...(until ? { until } : {}) });
      const release = holdStream();
      await forwardToEngine(engineSocket, 'GET', `/v1.41/events?${search}`, response, {
        eachLine: (line) => {
          if (line.trim() === '') return undefined;
          try {
            const event = JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } };
            // The workbench is the terminal, not something the learner made: its events (every exec of its shell) stay out.
            if (event.Actor?.Attributes?.name === engine.namespace.workbenchName) return undefined;
            const attributes = learnerLabels(event.Actor?.Attributes);
            return engine.namespace.scrub(JSON.stringify({ ...event, Actor: { ...event.Actor, Attributes: attributes } }));
          } catch {
            return undefined;
          }
        },
      }).finally(release);
      return { streamed: true };
    },
  },
  {
    method: 'GET',
    path: '/system/df',
    async handle({ engine, query }) {
      parseQuery(querySchema({}), query);
      const [images, containers, volumes] = await Promise.all([engine.images(), engine.containers({ all: true, size: true }), engine.volumes()]);
      return {
        json: {
          LayersSize: images.reduce((total, image) => total + image.size, 0),
          Images: images.map((image) => ({
            ...imageSummary(image, engine.namespace),
            Containers: containers.filter((container) => container.imageId === image.id).length,
          })),
          Containers: containers.map((container) => containerSummary(container, engine.namespace)),
          Volumes: volumes.map((volume) => ({
            Name: volume.name,
            Driver: 'local',
            Scope: 'local',
            Labels: {},
            Mountpoint: '',
            UsageData: {
              Size: -1,
              RefCount: containers.filter((container) => (container.internal.Mounts ?? []).some((mount) => mount.Name === volume.internalName)).length,
            },
          })),
          BuildCache: [],
        },
      };
    },
  },
  // Not the engine's: the workbench's `help`, from the session's live policy.
  {
    method: 'GET',
    path: '/layerlab/help',
    async handle({ policy, query }) {
      parseQuery(querySchema({}), query);
      return { text: workbenchHelp(policy) };
    },
  },
  { method: 'GET', path: '/_ping', handle: ping },
  { method: 'HEAD', path: '/_ping', handle: ping },
  {
    method: 'GET',
    path: '/version',
    async handle({ docker, query }) {
      parseQuery(querySchema({}), query);
      const version = (await docker.version()) as unknown as Record<string, unknown>;
      return { json: { ...version, ApiVersion: API_VERSION } };
    },
  },
  {
    method: 'GET',
    path: '/info',
    async handle({ docker, engine, query }) {
      parseQuery(querySchema({}), query);
      const [info, containers, images] = await Promise.all([
        docker.info() as Promise<Record<string, unknown>>,
        engine.containers({ all: true }),
        engine.images(),
      ]);
      const count = (state: string) => containers.filter((container) => container.state === state).length;
      // The host's identity (its name, ID, paths, registry and swarm settings) stays out.
      const copied = ['Driver', 'MemoryLimit', 'SwapLimit', 'KernelMemory', 'CpuCfsPeriod', 'CpuCfsQuota', 'CPUShares', 'CPUSet', 'PidsLimit', 'IPv4Forwarding', 'OomKillDisable', 'NCPU', 'MemTotal', 'KernelVersion', 'OSType', 'Architecture', 'ServerVersion', 'CgroupDriver', 'CgroupVersion', 'LoggingDriver', 'DefaultRuntime', 'Runtimes', 'InitBinary', 'SecurityOptions'];
      const json: Record<string, unknown> = Object.fromEntries(copied.filter((key) => key in info).map((key) => [key, info[key]]));
      return {
        json: {
          ID: 'layerlab',
          Name: 'layerlab',
          OperatingSystem: 'Layerlab sandbox',
          ...json,
          Containers: containers.length,
          ContainersRunning: count('running'),
          ContainersPaused: count('paused'),
          ContainersStopped: containers.length - count('running') - count('paused'),
          Images: images.length,
          Labels: [],
          ExperimentalBuild: false,
          Plugins: { Volume: ['local'], Network: ['bridge'], Log: ['json-file'] },
          Swarm: { LocalNodeState: 'inactive' },
          Warnings: null,
        },
      };
    },
  },
  {
    method: 'GET',
    path: '/containers/json',
    async handle({ engine, query }) {
      const { all, limit, size, filters } = parseQuery(containerListQuery, query);
      const learnerFilters = parseFilters(filters);
      onlyFilters(learnerFilters, CONTAINER_FILTERS);
      const names = learnerFilters.get('name') ?? [];
      learnerFilters.delete('name');
      // before and since name a container: only the session's own, passed on by ID, so the engine
      // never says whether someone else's exists.
      for (const key of ['before', 'since']) {
        const values = learnerFilters.get(key);
        if (values) learnerFilters.set(key, await Promise.all(values.map(async (value) => (await requireContainer(engine, value)).id)));
      }
      // The engine's rule: a limit means "the latest N created", running or not.
      const listAll = (all ?? false) || (limit !== undefined && limit > 0);
      const listed = (await engine.containers({ all: listAll, size, filters: learnerFilters })).filter(
        (container) => names.length === 0 || names.some((pattern) => matchesNameFilter(container.name, pattern)),
      );
      const shown = limit !== undefined && limit > 0 ? listed.slice(0, limit) : listed;
      return { json: shown.map((container) => containerSummary(container, engine.namespace)) };
    },
  },
  {
    method: 'GET',
    path: '/images/json',
    async handle({ engine, query }) {
      const { all, filters } = parseQuery(imageListQuery, query);
      const learnerFilters = parseFilters(filters);
      onlyFilters(learnerFilters, ['dangling', 'label', 'reference']);
      const references = learnerFilters.get('reference') ?? [];
      learnerFilters.delete('reference');
      const images = (await engine.images({ all: all ?? false, filters: learnerFilters }))
        .map((image) => {
          if (references.length === 0) return image;
          // Digests too, as the engine filters them: a pushed image would show its registry name.
          const digests = (image.internal.RepoDigests ?? []).filter((digest) => {
            const repository = engine.namespace.scrub(digest).split('@')[0]!;
            return references.some((pattern) => globMatch(pattern, repository));
          });
          return {
            ...image,
            tags: image.tags.filter((tag) => references.some((pattern) => matchesReference(pattern, tag))),
            internal: { ...image.internal, RepoDigests: digests },
          };
        })
        .filter((image) => references.length === 0 || image.tags.length > 0);
      return { json: images.map((image) => imageSummary(image, engine.namespace)) };
    },
  },
];

/**
 * A lookup the CLI makes while it searches for an object (`docker inspect NAME` tries a
 * container, an image, a network, a volume, then a plugin): "not found", as on an engine without
 * plugins.
 */
const PLUGIN_LOOKUP: Endpoint = {
  method: 'GET',
  path: '/plugins/{id}/json',
  async handle({ params }) {
    throw new BoundaryError(404, `plugin ${params.id} not found`);
  },
};

export const ENDPOINTS: readonly Endpoint[] = [...SYSTEM_ENDPOINTS, ...CONTAINER_ENDPOINTS, ...IMAGE_ENDPOINTS, ...BUILD_ENDPOINTS, ...EXEC_ENDPOINTS, ...VOLUME_ENDPOINTS, ...NETWORK_ENDPOINTS, ...REGISTRY_ENDPOINTS, ...ARCHIVE_ENDPOINTS, PLUGIN_LOOKUP];
