import type { NetworkInspectInfo } from 'dockerode';
import { z } from 'zod';
import { REFUSALS } from '../policy/refusals.ts';
import type { ScopedEngine } from '../scope/scoped-engine.ts';
import { BoundaryError, pruneEach } from './api.ts';
import { requireContainer } from './containers.ts';
import { learnerLabels, SESSION_NETWORK_DISPLAY_NAME } from './listings.ts';
import { engineBool, onlyFilters, parseFilters, parseQuery, querySchema } from './query.ts';
import type { Endpoint } from './router.ts';
import { matchesNameFilter } from './filters.ts';

/**
 * Networks: the session's own, shown as `bridge`, and those the learner makes (Compose makes one
 * per project). Every one is internal: containers on it reach each other by name, and nothing
 * else. They count against a quota, and another session's answer as ones that never existed.
 */

export interface SessionNetwork {
  /** As the learner names it: `bridge` for the session's own. */
  name: string;
  internalName: string;
  info: NetworkInspectInfo;
}

export async function sessionNetworks(engine: ScopedEngine): Promise<SessionNetwork[]> {
  await engine.ensureNetwork();
  return (await engine.networks()).flatMap((info) => {
    if (info.Name === engine.namespace.networkName) return [{ name: SESSION_NETWORK_DISPLAY_NAME, internalName: info.Name, info }];
    const name = engine.namespace.displayNetworkName(info.Name);
    return name ? [{ name, internalName: info.Name, info }] : [];
  });
}

/** Docker's order: full ID, exact name, unique ID prefix. */
export async function requireNetwork(engine: ScopedEngine, text: string): Promise<SessionNetwork> {
  const networks = await sessionNetworks(engine);
  const found =
    networks.find((network) => network.info.Id === text) ??
    networks.find((network) => network.name === text) ??
    (() => {
      const byPrefix = networks.filter((network) => /^[0-9a-f]+$/.test(text) && network.info.Id.startsWith(text));
      return byPrefix.length === 1 ? byPrefix[0] : undefined;
    })();
  if (!found) throw new BoundaryError(404, `network ${text} not found`);
  return found;
}

function networkView(network: SessionNetwork, engine: ScopedEngine): Record<string, unknown> {
  const { info } = network;
  // The workbench is on every session network; it is the server's, not one of the learner's containers.
  const containers = Object.fromEntries(
    Object.entries((info.Containers ?? {}) as Record<string, { Name?: string }>).filter(([, member]) => member.Name !== engine.namespace.workbenchName),
  );
  return JSON.parse(
    engine.namespace.scrub(
      JSON.stringify({
        ...info,
        Name: network.name,
        Containers: containers,
        Labels: learnerLabels(info.Labels),
        // The bridge's host-side name and the sandbox's options are the server's business.
        Options: {},
      }),
    ),
  );
}

/** A filter given no values passes everything; given several, any one of them may match. */
function oneOf(values: string[] | undefined, matches: (value: string) => boolean): boolean {
  return values === undefined || values.length === 0 || values.some(matches);
}

/** Names a learner may give a network: one a bridge, DNS and the namespace prefix can all carry. */
const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;

const createBody = z.strictObject({
  Name: z.string().max(128),
  CheckDuplicate: z.boolean().optional(),
  Driver: z.string().max(32).optional(),
  Scope: z.string().max(16).optional(),
  Internal: z.boolean().optional(),
  Attachable: z.boolean().optional(),
  Ingress: z.literal(false).optional(),
  ConfigOnly: z.literal(false).optional(),
  ConfigFrom: z.null().optional(),
  EnableIPv6: z.literal(false).optional(),
  IPAM: z
    .object({ Driver: z.string().max(32).optional(), Config: z.array(z.never()).max(0).nullable().optional(), Options: z.record(z.string(), z.string()).nullable().optional() })
    .nullable()
    .optional(),
  Options: z.record(z.string().max(64), z.string().max(256)).nullable().optional(),
  Labels: z.record(z.string().max(256), z.string().max(4096)).nullable().optional(),
});

export const NETWORK_ENDPOINTS: readonly Endpoint[] = [
  {
    method: 'GET',
    path: '/networks',
    async handle({ engine, query }) {
      const { filters } = parseQuery(querySchema({ filters: z.string().optional() }), query);
      const parsed = parseFilters(filters);
      onlyFilters(parsed, ['name', 'id', 'label', 'driver']);
      const matches = (network: SessionNetwork) =>
        // Several values of one filter are alternatives, as on the engine.
        oneOf(parsed.get('name'), (name) => matchesNameFilter(network.name, name)) &&
        oneOf(parsed.get('id'), (id) => network.info.Id.startsWith(id)) &&
        oneOf(parsed.get('driver'), (driver) => driver === 'bridge') &&
        (parsed.get('label') ?? []).every((label) => {
          const [key, value] = label.split('=', 2) as [string, string | undefined];
          const labels = learnerLabels(network.info.Labels);
          return key in labels && (value === undefined || labels[key] === value);
        });
      return { json: (await sessionNetworks(engine)).filter(matches).map((network) => networkView(network, engine)) };
    },
  },
  {
    method: 'GET',
    path: '/networks/{id}',
    async handle({ engine, query, params }) {
      parseQuery(querySchema({ verbose: engineBool.optional(), scope: z.string().max(16).optional() }), query);
      return { json: networkView(await requireNetwork(engine, params.id!), engine) };
    },
  },
  {
    method: 'POST',
    path: '/networks/create',
    async handle({ engine, policy, query, json }) {
      parseQuery(querySchema({}), query);
      const parsed = createBody.safeParse(await json());
      if (!parsed.success) throw new BoundaryError(403, 'networks here are internal bridges with the sandbox\'s addresses; create one with docker network create NAME');
      const body = parsed.data;
      if (body.Driver && body.Driver !== 'bridge') throw new BoundaryError(403, 'networks here use the bridge driver');
      if (!NETWORK_NAME.test(body.Name) || body.Name === SESSION_NETWORK_DISPLAY_NAME || body.Name === 'host' || body.Name === 'none') {
        throw new BoundaryError(400, `network name ${body.Name} is not valid or is taken by a network every session has`);
      }
      if (Object.keys(body.Options ?? {}).length > 0) throw new BoundaryError(403, REFUSALS.network);
      const labels = body.Labels ?? {};
      if (Object.keys(labels).some((key) => key.startsWith('org.layerlab.'))) throw new BoundaryError(403, REFUSALS.labels);
      const id = await engine.oneAtATime(async () => {
        const networks = await sessionNetworks(engine);
        if (networks.some((network) => network.name === body.Name)) throw new BoundaryError(409, `network with name ${body.Name} already exists`);
        const made = networks.filter((network) => network.name !== SESSION_NETWORK_DISPLAY_NAME).length;
        if (made >= policy.quotas.networks) {
          throw new BoundaryError(403, `a session may create ${policy.quotas.networks} networks; remove one with docker network rm NAME`);
        }
        return engine.createLearnerNetwork(body.Name, labels);
      });
      return { json: { Id: id, Warning: '' }, status: 201 };
    },
  },
  {
    method: 'DELETE',
    path: '/networks/{id}',
    async handle({ engine, query, params }) {
      parseQuery(querySchema({}), query);
      const network = await requireNetwork(engine, params.id!);
      if (network.name === SESSION_NETWORK_DISPLAY_NAME) throw new BoundaryError(403, 'bridge is a pre-defined network and cannot be removed');
      await engine.removeLearnerNetwork(network.info.Id);
      return { json: null, status: 204 };
    },
  },
  {
    method: 'POST',
    path: '/networks/{id}/connect',
    async handle({ engine, docker, query, params, json }) {
      parseQuery(querySchema({}), query);
      const body = z
        .strictObject({ Container: z.string().max(128), EndpointConfig: z.object({ Aliases: z.array(z.string().max(64).regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/)).max(8).nullable().optional() }).nullable().optional() })
        .safeParse(await json());
      if (!body.success) throw new BoundaryError(403, 'a container joins a network here by name, with aliases at most');
      const network = await requireNetwork(engine, params.id!);
      const container = await requireContainer(engine, body.data.Container);
      await docker.getNetwork(network.info.Id).connect({ Container: container.id, EndpointConfig: { Aliases: [...new Set([container.name, ...(body.data.EndpointConfig?.Aliases ?? [])])] } });
      return { json: null, status: 200 };
    },
  },
  {
    method: 'POST',
    path: '/networks/{id}/disconnect',
    async handle({ engine, docker, query, params, json }) {
      parseQuery(querySchema({}), query);
      const body = z.strictObject({ Container: z.string().max(128), Force: z.boolean().optional() }).safeParse(await json());
      if (!body.success) throw new BoundaryError(400, 'name the container to disconnect');
      const network = await requireNetwork(engine, params.id!);
      const container = await requireContainer(engine, body.data.Container);
      await docker.getNetwork(network.info.Id).disconnect({ Container: container.id, Force: body.data.Force ?? false });
      return { json: null, status: 200 };
    },
  },
  {
    method: 'POST',
    path: '/networks/prune',
    async handle({ engine, query }) {
      const { filters } = parseQuery(querySchema({ filters: z.string().optional() }), query);
      onlyFilters(parseFilters(filters), []);
      const made = (await sessionNetworks(engine)).filter((network) => network.name !== SESSION_NETWORK_DISPLAY_NAME);
      const deleted = await pruneEach(made, (network) => engine.removeLearnerNetwork(network.info.Id), (network) => network.name);
      return { json: { NetworksDeleted: deleted } };
    },
  },
];
