import { z } from 'zod';
import { OBJECT_NAME } from '../scope/object-names.ts';
import type { OwnVolume, ScopedEngine } from '../scope/scoped-engine.ts';
import { BoundaryError, pruneEach } from './api.ts';
import { learnerLabels } from './listings.ts';
import { engineBool, onlyFilters, parseFilters, parseQuery, querySchema } from './query.ts';
import type { Endpoint } from './router.ts';
import { matchesNameFilter } from './filters.ts';

/** Named volumes: the session's own, under their learner names, within the volume quota. */

function volumeView(volume: OwnVolume): Record<string, unknown> {
  const info = volume.internal as OwnVolume['internal'] & { CreatedAt?: string };
  return {
    CreatedAt: info.CreatedAt,
    Driver: info.Driver,
    Labels: learnerLabels(info.Labels),
    // The folder on the host is the host's business.
    Mountpoint: '',
    Name: volume.name,
    Options: null,
    Scope: 'local',
  };
}

async function requireVolume(engine: ScopedEngine, name: string): Promise<OwnVolume> {
  const volume = await engine.findVolume(name);
  if (!volume) throw new BoundaryError(404, `get ${name}: no such volume`);
  return volume;
}

export const VOLUME_ENDPOINTS: readonly Endpoint[] = [
  {
    method: 'GET',
    path: '/volumes',
    async handle({ engine, query }) {
      const { filters } = parseQuery(querySchema({ filters: z.string().optional() }), query);
      const parsed = parseFilters(filters);
      onlyFilters(parsed, ['name']);
      const names = parsed.get('name') ?? [];
      const volumes = (await engine.volumes()).filter((volume) => names.length === 0 || names.some((name) => matchesNameFilter(volume.name, name)));
      return { json: { Volumes: volumes.map((volume) => volumeView(volume)), Warnings: null } };
    },
  },
  {
    method: 'POST',
    path: '/volumes/create',
    async handle({ engine, policy, query, json }) {
      parseQuery(querySchema({}), query);
      const body = z
        .strictObject({
          Name: z.string().max(128).optional(),
          Driver: z.enum(['', 'local']).optional(),
          DriverOpts: z.strictObject({}).nullable().optional(),
          Labels: z.record(z.string().max(256), z.string().max(4096)).nullable().optional(),
        })
        .safeParse((await json()) ?? {});
      if (!body.success) throw new BoundaryError(403, 'volumes here use the local driver with no options; create one with docker volume create NAME');
      const name = body.data.Name ?? '';
      if (!OBJECT_NAME.test(name)) {
        throw new BoundaryError(400, name === '' ? 'name your volume here: docker volume create NAME' : `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`);
      }
      const labels = body.data.Labels ?? {};
      if (Object.keys(labels).some((key) => key.startsWith('org.layerlab.'))) throw new BoundaryError(403, 'labels starting with org.layerlab. are reserved for the sandbox');
      await engine.oneAtATime(async () => {
        const volumes = await engine.volumes();
        if (volumes.some((volume) => volume.name === name)) return;
        if (volumes.length >= policy.quotas.volumes) throw new BoundaryError(403, `a session may keep ${policy.quotas.volumes} volumes; remove some with docker volume rm`);
        await engine.ensureNetwork();
        await engine.createVolume(name, labels);
      });
      return { json: volumeView(await requireVolume(engine, name)), status: 201 };
    },
  },
  {
    method: 'GET',
    path: '/volumes/{name}',
    async handle({ engine, params, query }) {
      parseQuery(querySchema({}), query);
      return { json: volumeView(await requireVolume(engine, params.name!)) };
    },
  },
  {
    method: 'DELETE',
    path: '/volumes/{name}',
    async handle({ engine, docker, params, query }) {
      const { force } = parseQuery(querySchema({ force: engineBool.optional() }), query);
      const volume = await requireVolume(engine, params.name!);
      await docker.getVolume(volume.internalName).remove({ force: force ?? false });
      return { json: null, status: 204 };
    },
  },
  {
    method: 'POST',
    path: '/volumes/prune',
    async handle({ engine, docker, query }) {
      const { filters } = parseQuery(querySchema({ filters: z.string().optional() }), query);
      onlyFilters(parseFilters(filters), []);
      // The engine refuses a volume a container uses; prune leaves those, as docker does.
      const deleted = await pruneEach(await engine.volumes(), (volume) => docker.getVolume(volume.internalName).remove(), (volume) => volume.name);
      return { json: { VolumesDeleted: deleted, SpaceReclaimed: 0 } };
    },
  },
];
