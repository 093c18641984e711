import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { isConflict } from '../engine/errors.ts';
import { containerCreateOptions, type PublishedPort } from '../policy/container-template.ts';
import { startWithWorkspaceBinds, workspaceDir } from '../scope/workspace-binds.ts';
import { LABEL } from '../scope/namespace.ts';
import { OBJECT_NAME, randomContainerName } from '../scope/object-names.ts';
import { formatReference, InvalidReferenceError, looksLikeImageId, parseReference, type ImageReference } from '../scope/reference.ts';
import { checkImageQuota } from '../scope/image-operations.ts';
import type { OwnContainer, ScopedEngine } from '../scope/scoped-engine.ts';
import { BoundaryError, pruneEach, referenceOf, ruled } from './api.ts';
import { readCreateRequest } from './container-create.ts';
import { needDiskRoom } from './machine-needs.ts';
import { ruledChanges } from './commit-changes.ts';
import { requireNetwork } from './networks.ts';
import { refuseOtherRegistries } from './registry.ts';
import { forwardToEngine, hijackEngine } from './engine-forward.ts';
import { containerInspect } from './inspect.ts';
import { engineBool, engineInt, onlyFilters, parseFilters, parseQuery, querySchema } from './query.ts';
import type { Endpoint, EndpointContext } from './router.ts';

/**
 * A container's life through the boundary: create (held to the template), start (held to the
 * quotas), attach, wait, logs, stop, kill, restart, remove and inspect. A container is found as
 * the engine finds one (full ID, name, unique ID prefix) among the session's own only; any other
 * answers exactly as one that never existed.
 */

export async function requireContainer(engine: ScopedEngine, text: string): Promise<OwnContainer> {
  const containers = await engine.containers({ all: true });
  const name = text.replace(/^\//, '');
  const found =
    containers.find((container) => container.id === text) ??
    containers.find((container) => container.name === name) ??
    onlyOne(containers.filter((container) => /^[0-9a-f]+$/.test(text) && container.id.startsWith(text)));
  if (!found) throw new BoundaryError(404, `No such container: ${text}`);
  return found;
}

function onlyOne<T>(items: T[]): T | undefined {
  return items.length === 1 ? items[0] : undefined;
}

/** The session's image a create names: its own tag, or an ID (prefix) of one of its images. */
async function requireImage(engine: ScopedEngine, text: string): Promise<string> {
  let ref: ImageReference | undefined;
  try {
    ref = parseReference(text);
  } catch (error) {
    if (error instanceof InvalidReferenceError && !looksLikeImageId(text)) throw new BoundaryError(400, 'invalid reference format');
  }
  const wanted = ref ? formatReference(ref) : text;
  const image = await engine.findImage(text).catch(() => undefined);
  if (!image) throw new BoundaryError(404, `No such image: ${wanted}`);
  // Written as the learner wrote it (no :latest added), because the engine shows Config.Image in docker ps.
  return ref && image.tags.includes(wanted) ? engine.namespace.qualify(ref) : image.id;
}

function nameConflict(name: string, holder?: string): BoundaryError {
  return new BoundaryError(409, `Conflict. The container name "/${name}" is already in use${holder ? ` by container "${holder}"` : ''}. You have to remove (or rename) that container to be able to reuse that name.`);
}

function checkPortsFree(wanted: PublishedPort[], running: OwnContainer[]): void {
  const taken = new Set(running.flatMap((container) => container.ports.map((port) => `${port.hostPort}/${port.protocol}`)));
  for (const port of wanted) {
    if (taken.has(`${port.hostPort}/${port.protocol}`)) {
      throw new BoundaryError(500, `driver failed programming external connectivity on endpoint: Bind for 0.0.0.0:${port.hostPort} failed: port is already allocated`);
    }
  }
}

/** Starts a container unless the session already runs its most, or another holds its ports; false if it was running. */
async function startWithinQuotas(engine: ScopedEngine, maxRunning: number, container: OwnContainer): Promise<boolean> {
  let started = true;
  await engine.startContainer(container.id, (running) => {
    started = !running.some((other) => other.id === container.id);
    const others = running.filter((other) => other.id !== container.id);
    if (others.length >= maxRunning) {
      throw new BoundaryError(403, `${others.length} containers are already running, the most a session may run at once; stop one with docker stop NAME`);
    }
    checkPortsFree(container.ports, others);
  });
  return started;
}

async function create({ engine, policy, docker, query, json }: EndpointContext): Promise<{ json: unknown; status: number }> {
  const { name } = parseQuery(querySchema({ name: z.string().max(128).optional(), platform: z.string().max(64).optional() }), query);
  const requested = (name ?? '').replace(/^\//, '');
  if (requested !== '' && !OBJECT_NAME.test(requested)) {
    throw new BoundaryError(400, `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  const request = readCreateRequest(requested, await json(), policy);
  const image = await requireImage(engine, request.image);
  return engine.oneAtATime(async () => {
    const containers = await engine.containers({ all: true });
    const quotas = policy.quotas;
    if (containers.length >= quotas.containers) {
      throw new BoundaryError(403, `you have ${containers.length} containers, the most a session may keep; remove stopped ones with docker rm or docker container prune`);
    }
    const taken = new Set(containers.map((container) => container.name));
    if (requested !== '' && taken.has(requested)) {
      throw nameConflict(requested, containers.find((container) => container.name === requested)!.id);
    }
    const containerName = requested || randomContainerName(taken);
    const volumes = await engine.volumes();
    const missing = request.volumeNames.filter((volume) => !volumes.some((own) => own.name === volume));
    if (volumes.length + missing.length > quotas.volumes) {
      throw new BoundaryError(403, `a session may keep ${quotas.volumes} volumes; remove some with docker volume rm`);
    }
    await engine.ensureNetwork();
    for (const volume of missing) await engine.createVolume(volume);

    const bindsPart = request.spec.volumes.some((volume) => volume.workspace && volume.subpath);
    const options = containerCreateOptions(
      { ...request.spec, name: containerName, image },
      engine.namespace,
      policy,
      bindsPart ? await workspaceDir(docker, engine.namespace) : undefined,
    );
    options.Labels = { ...request.labels, ...options.Labels, [LABEL.name]: containerName };
    for (const port of request.exposedPorts) (options.ExposedPorts ??= {})[port.includes('/') ? port : `${port}/tcp`] = {};
    options.Hostname = request.hostname;
    options.StopSignal = request.stopSignal;
    options.StopTimeout = request.stopTimeout;
    options.AttachStdin = request.attach.stdin;
    options.AttachStdout = request.attach.stdout;
    options.AttachStderr = request.attach.stderr;
    options.OpenStdin = request.openStdin;
    options.StdinOnce = request.stdinOnce;
    options.HostConfig!.AutoRemove = request.autoRemove;
    // The engine's DNS knows a container by its engine name (ll-<ns>-web); the alias makes `web` resolve, as on a real engine.
    const network = request.network === undefined ? engine.namespace.networkName : (await requireNetwork(engine, request.network)).internalName;
    options.HostConfig!.NetworkMode = network;
    options.NetworkingConfig = { EndpointsConfig: { [network]: { Aliases: [...new Set([containerName, ...request.aliases])] } } };
    try {
      const container = await docker.createContainer(options);
      return { json: { Id: container.id, Warnings: [] }, status: 201 };
    } catch (error) {
      if (isConflict(error)) throw nameConflict(containerName);
      throw error;
    }
  });
}

const forward = (method: string, action: string, schema: z.ZodType<Record<string, unknown>>, scrubLines = false) =>
  async (context: EndpointContext, response: ServerResponse) => {
    const query = parseQuery(schema, context.query);
    const container = await requireContainer(context.engine, context.params.id!);
    const search = new URLSearchParams(Object.entries(query).filter(([, value]) => value !== undefined).map(([key, value]) => [key, String(value)]));
    const upload = method === 'PUT' ? { upload: context.request, maxUpload: MAX_COPY_BYTES } : {};
    // Stats name the container by its engine name, one JSON document a line.
    const lines = scrubLines ? { eachLine: (line: string) => context.engine.namespace.scrub(line) } : {};
    const release = context.holdStream();
    try {
      await forwardToEngine(context.engineSocket, method, `/v1.41/containers/${container.id}/${action}?${search}`, response, { ...upload, ...lines });
    } finally {
      release();
    }
    return { streamed: true } as const;
  };

interface FilesystemChange {
  Path: string;
  /** 0 changed, 1 added, 2 deleted. */
  Kind: number;
}

const INIT_PATH = '/sbin/docker-init';

/**
 * `docker diff` without the init the sandbox gives every container (the engine mounts it at
 * /sbin/docker-init, and makes /sbin for it in an image that has none): the learner asked for
 * no init, so the learner sees no trace of it. A /sbin the learner put files in stays.
 */
function withoutSandboxInit(changes: FilesystemChange[]): FilesystemChange[] {
  const learnerUsesSbin = changes.some((change) => change.Path.startsWith('/sbin/') && change.Path !== INIT_PATH);
  return changes.filter((change) => change.Path !== INIT_PATH && !(change.Path === '/sbin' && change.Kind === 1 && !learnerUsesSbin));
}

/** `docker cp` into a container: a tar, streamed through, up to this. */
const MAX_COPY_BYTES = 64 * 1024 ** 2;

/** The raw text of each query value is what the engine gets; the schema only decides which may be sent. */
const raw = (max: number) => z.string().max(max).optional();

export const CONTAINER_ENDPOINTS: readonly Endpoint[] = [
  { method: 'POST', path: '/containers/create', handle: create },
  {
    method: 'POST',
    path: '/containers/{id}/start',
    async handle({ engine, policy, params, query }) {
      parseQuery(querySchema({ detachKeys: raw(32) }), query);
      const container = await requireContainer(engine, params.id!);
      return (await startWithinQuotas(engine, policy.quotas.runningContainers, container)) ? { json: null, status: 204 } : { json: null, status: 304 };
    },
  },
  { method: 'POST', path: '/containers/{id}/stop', handle: forward('POST', 'stop', querySchema({ t: raw(8) })) },
  {
    method: 'POST',
    path: '/containers/{id}/restart',
    async handle({ engine, docker, policy, params, query }) {
      const { t } = parseQuery(querySchema({ t: engineInt.optional() }), query);
      const container = await requireContainer(engine, params.id!);
      // A stopped container that restarts starts: the running quota applies, as to docker start.
      // The engine restarts in place and binds again: a bind of part of the workspace is checked as on a start.
      if (container.state === 'running') await startWithWorkspaceBinds(docker, engine.namespace, container.id, () => docker.getContainer(container.id).restart(t === undefined ? {} : { t }));
      else await startWithinQuotas(engine, policy.quotas.runningContainers, container);
      return { json: null, status: 204 };
    },
  },
  { method: 'POST', path: '/containers/{id}/kill', handle: forward('POST', 'kill', querySchema({ signal: raw(16) })) },
  { method: 'POST', path: '/containers/{id}/wait', handle: forward('POST', 'wait', querySchema({ condition: z.enum(['', 'not-running', 'next-exit', 'removed'], { error: 'must be not-running, next-exit or removed' }).optional() })) },
  { method: 'POST', path: '/containers/{id}/resize', handle: forward('POST', 'resize', querySchema({ h: raw(6), w: raw(6) })) },
  {
    method: 'GET',
    path: '/containers/{id}/logs',
    handle: forward('GET', 'logs', querySchema({ follow: raw(8), stdout: raw(8), stderr: raw(8), since: raw(32), until: raw(32), timestamps: raw(8), tail: raw(16), details: raw(8) })),
  },
  {
    method: 'GET',
    path: '/containers/{id}/json',
    async handle({ engine, docker, params, query }) {
      parseQuery(querySchema({ size: engineBool.optional() }), query);
      const container = await requireContainer(engine, params.id!);
      const info = await docker.getContainer(container.id).inspect();
      return { json: containerInspect(info, container, engine.namespace) };
    },
  },
  {
    method: 'DELETE',
    path: '/containers/{id}',
    async handle({ engine, docker, params, query }) {
      const { force, v } = parseQuery(querySchema({ force: engineBool.optional(), v: engineBool.optional(), link: engineBool.refine((link) => !link, { error: 'links are not available here' }).optional() }), query);
      const container = await requireContainer(engine, params.id!);
      await docker.getContainer(container.id).remove({ force: force ?? false, v: v ?? false });
      return { json: null, status: 204 };
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/attach',
    async hijack(context, client, head) {
      const query = parseQuery(
        querySchema({ stream: engineBool.optional(), stdin: engineBool.optional(), stdout: engineBool.optional(), stderr: engineBool.optional(), logs: engineBool.optional(), detachKeys: raw(32) }),
        context.query,
      );
      const container = await requireContainer(context.engine, context.params.id!);
      const search = new URLSearchParams();
      for (const key of ['stream', 'stdin', 'stdout', 'stderr', 'logs'] as const) if (query[key] !== undefined) search.set(key, query[key] ? '1' : '0');
      if (query.detachKeys) search.set('detachKeys', query.detachKeys);
      const release = context.holdStream();
      try {
        await hijackEngine(context.engineSocket, 'POST', `/v1.41/containers/${container.id}/attach?${search}`, client, head);
      } finally {
        release();
      }
    },
  },
  { method: 'POST', path: '/containers/{id}/pause', handle: forward('POST', 'pause', querySchema({})) },
  { method: 'POST', path: '/containers/{id}/unpause', handle: forward('POST', 'unpause', querySchema({})) },
  { method: 'GET', path: '/containers/{id}/top', handle: forward('GET', 'top', querySchema({ ps_args: z.string().max(64).regex(/^[a-zA-Z -]*$/).optional() })) },
  { method: 'GET', path: '/containers/{id}/stats', handle: forward('GET', 'stats', querySchema({ stream: raw(8), 'one-shot': raw(8) }), true) },
  {
    method: 'GET',
    path: '/containers/{id}/changes',
    async handle({ engine, docker, params, query }) {
      parseQuery(querySchema({}), query);
      const container = await requireContainer(engine, params.id!);
      const changes = (await docker.getContainer(container.id).changes()) as FilesystemChange[] | null;
      return { json: changes && withoutSandboxInit(changes) };
    },
  },
  // docker export: the container's filesystem as a tar, streamed out.
  { method: 'GET', path: '/containers/{id}/export', handle: forward('GET', 'export', querySchema({})) },
  {
    method: 'POST',
    path: '/containers/{id}/rename',
    async handle({ engine, docker, params, query }) {
      const { name } = parseQuery(querySchema({ name: z.string().max(128) }), query);
      const wanted = name.replace(/^\//, '');
      if (!OBJECT_NAME.test(wanted)) throw new BoundaryError(400, `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
      const container = await requireContainer(engine, params.id!);
      const taken = (await engine.containers({ all: true })).find((other) => other.name === wanted);
      if (taken) throw nameConflict(wanted, taken.id);
      await docker.getContainer(container.id).rename({ name: engine.namespace.containerName(wanted) });
      return { json: null, status: 204 };
    },
  },
  {
    method: 'POST',
    path: '/containers/prune',
    async handle({ engine, docker, query }) {
      const { filters } = parseQuery(querySchema({ filters: z.string().optional() }), query);
      onlyFilters(parseFilters(filters), []);
      const stopped = (await engine.containers({ all: true })).filter((container) => container.state !== 'running' && container.state !== 'paused');
      const deleted = await pruneEach(stopped, (container) => docker.getContainer(container.id).remove(), (container) => container.id);
      return { json: { ContainersDeleted: deleted, SpaceReclaimed: 0 } };
    },
  },
  // docker cp: the engine reads and writes inside the container's own filesystem; the stream passes through.
  { method: 'GET', path: '/containers/{id}/archive', handle: forward('GET', 'archive', querySchema({ path: z.string().max(4096) })) },
  { method: 'HEAD', path: '/containers/{id}/archive', handle: forward('HEAD', 'archive', querySchema({ path: z.string().max(4096) })) },
  {
    method: 'PUT',
    path: '/containers/{id}/archive',
    handle: forward('PUT', 'archive', querySchema({ path: z.string().max(4096), noOverwriteDirNonDir: raw(8), copyUIDGID: raw(8) })),
  },
  {
    method: 'POST',
    path: '/commit',
    lists: ['changes'],
    async handle({ engine, docker, policy, machine, query }) {
      const { container: text, repo, tag, comment, author, pause, changes } = parseQuery(
        querySchema({
          container: z.string().max(128),
          repo: z.string().max(256).optional(),
          tag: z.string().max(128).optional(),
          comment: z.string().max(1024).optional(),
          author: z.string().max(256).optional(),
          pause: engineBool.optional(),
          changes: z.string().max(32 * 1024).optional(),
        }),
        query,
      );
      const changed = ruledChanges(changes);
      // A nameless image would count against no quota; a name makes it one of the session's images.
      if (!repo) throw new BoundaryError(403, 'name the image a commit makes here: docker commit CONTAINER NAME:TAG');
      const container = await requireContainer(engine, text);
      const ref = referenceOf(tag ? `${repo}:${tag}` : repo);
      refuseOtherRegistries(ref);
      await ruled(checkImageQuota(engine, ref, policy.quotas.images));
      await needDiskRoom(machine, 'new images');
      const internal = engine.namespace.imageTag(ref);
      const colon = internal.lastIndexOf(':');
      await engine.ensureNetwork();
      const result = (await docker.getContainer(container.id).commit({ repo: internal.slice(0, colon), tag: internal.slice(colon + 1), comment, author, pause: pause ?? true, ...(changed ? { changes: changed } : {}) })) as { Id: string };
      // The session's keep tag too, so the image stays owned after its name moves on.
      const keep = engine.namespace.keepTag(`commit-${result.Id.replace(/^sha256:/, '').slice(0, 12)}`);
      const keepColon = keep.lastIndexOf(':');
      await docker.getImage(result.Id).tag({ repo: keep.slice(0, keepColon), tag: keep.slice(keepColon + 1) });
      return { json: { Id: result.Id }, status: 201 };
    },
  },
];
