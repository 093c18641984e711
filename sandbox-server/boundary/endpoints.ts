import type Docker from 'dockerode';
import { z } from 'zod';
import type { ScopedEngine } from '../scope/scoped-engine.ts';
import { WORKBENCH_LABEL } from '../workbench/image.ts';
import { API_VERSION } from './api.ts';
import { containerSummary, imageSummary } from './listings.ts';
import { engineBool, engineInt, onlyFilters, parseFilters, parseQuery, querySchema } from './query.ts';

/**
 * The allow-list: every Engine API endpoint a workbench may call, with the query it may send.
 * Anything not listed here is answered 403 by the server before the engine sees it.
 */

export interface EndpointContext {
  docker: Docker;
  engine: ScopedEngine;
  query: Record<string, string>;
}

export interface Endpoint {
  method: 'GET' | 'HEAD' | 'POST' | 'DELETE';
  /** Path after the version prefix, exactly as the engine routes it. */
  path: string;
  /** What the endpoint answers: a JSON body, or a plain-text one for /_ping. */
  handle(context: EndpointContext): Promise<{ json: unknown } | { text: string }>;
}

const ping: Endpoint['handle'] = async ({ query }) => {
  parseQuery(querySchema({}), query);
  return { text: 'OK' };
};

const containerListQuery = querySchema({
  all: engineBool.optional(),
  limit: engineInt.optional(),
  size: engineBool.optional(),
  filters: z.string().optional(),
});

/** Filters the engine applies as it would straight on the engine; the session's own label is added to them. */
const CONTAINER_FILTERS = ['status', 'label', 'id', 'exited', 'health', 'before', 'since'] as const;

const imageListQuery = querySchema({
  all: engineBool.optional(),
  digests: engineBool.optional(),
  'shared-size': engineBool.optional(),
  filters: z.string().optional(),
});

export const ENDPOINTS: readonly Endpoint[] = [
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
        visibleContainers(engine, true),
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
      const listed = await visibleContainers(engine, all ?? false, { size, filters: learnerFilters });
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
      onlyFilters(learnerFilters, ['dangling', 'label']);
      const images = await engine.images({ all: all ?? false, filters: learnerFilters });
      return { json: images.map((image) => imageSummary(image, engine.namespace)) };
    },
  },
];

/** The session's containers, without its workbench: that is the terminal, not something the learner made. */
async function visibleContainers(
  engine: ScopedEngine,
  all: boolean,
  options: { size?: boolean; filters?: Map<string, string[]> } = {},
) {
  const containers = await engine.containers({ all, ...options });
  return containers.filter((container) => container.internal.Labels?.[WORKBENCH_LABEL] === undefined);
}

export function findEndpoint(method: string, path: string): Endpoint | undefined {
  return ENDPOINTS.find((endpoint) => endpoint.method === method && endpoint.path === path);
}
