import { z } from 'zod';
import { pruneOldDangling, runBuild } from '../build/run-build.ts';
import { readUploadedContext } from '../build/uploaded-context.ts';
import { buildLimits } from '../policy/refusals.ts';
import { InvalidReferenceError, parseReference, type ImageReference } from '../scope/reference.ts';
import { WorkspaceError } from '../sessions/workspace.ts';
import { API_VERSION, BoundaryError } from './api.ts';
import { diskRefusal, needDiskRoom, needService } from './machine-needs.ts';
import { engineBool, parseQuery, querySchema } from './query.ts';
import { refuseOtherRegistryTags } from './registry.ts';
import type { Endpoint } from './router.ts';

/**
 * `POST /build`: the classic builder, as the workbench's `docker build` asks for it. The uploaded
 * context is read into files within the caps, the Dockerfile review runs on them, and the engine
 * builds the review's canonical text from a context the server makes (build/run-build.ts), with
 * the network off and the build limits. The progress comes back as the engine's JSON stream.
 */

/** Fields of a build the sandbox fixes: each must be absent or zero. */
const zeroOnly = (sentence: string) => z.string().max(64).refine((text) => ['', '0', 'false'].includes(text), { error: sentence }).optional();

const BUILDKIT_REFUSED = "BuildKit isn't available here; the classic builder is used (DOCKER_BUILDKIT=0)";

const buildQuery = (limits: string) =>
  querySchema({
    t: z.string().max(4096).optional(),
    dockerfile: z.string().max(256).optional(),
    q: engineBool.optional(),
    nocache: engineBool.optional(),
    rm: engineBool.optional(),
    forcerm: engineBool.optional(),
    pull: engineBool.optional(),
    target: z.string().max(128).optional(),
    buildargs: z.string().max(32 * 1024).optional(),
    labels: z.string().max(16 * 1024).optional(),
    version: z.enum(['1', '2']).optional(),
    networkmode: z.string().max(32).optional(),
    cachefrom: z.string().max(4096).optional(),
    platform: z.string().max(64).optional(),
    memory: zeroOnly(`build limits are set by the sandbox (${limits})`),
    memswap: zeroOnly(`build limits are set by the sandbox (${limits})`),
    cpushares: zeroOnly(`build limits are set by the sandbox (${limits})`),
    cpusetcpus: z.literal('').optional(),
    cpusetmems: z.literal('').optional(),
    cgroupparent: z.literal('').optional(),
    cpuperiod: zeroOnly(`build limits are set by the sandbox (${limits})`),
    cpuquota: zeroOnly(`build limits are set by the sandbox (${limits})`),
    shmsize: zeroOnly('the build\'s shared memory is fixed here'),
    squash: zeroOnly('squash needs the experimental engine, which this sandbox does not run'),
    extrahosts: z.literal('').optional(),
    // BuildKit's gRPC session: which of its two requests reaches us first is a race in the CLI.
    session: z.string().max(256).optional(),
    ulimits: z.literal('null').or(z.literal('')).optional(),
    outputs: z.literal('').optional(),
  });

const stringMap = z.record(z.string().max(256), z.string().max(16 * 1024).nullable());

function jsonMap(text: string | undefined, what: string): Map<string, string> {
  if (text === undefined || text === '') return new Map();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BoundaryError(400, `${what} are not JSON`);
  }
  const map = stringMap.safeParse(parsed);
  if (!map.success || Object.keys(map.data).length > 64) throw new BoundaryError(400, `${what} must be at most 64 names with text values`);
  return new Map(Object.entries(map.data).flatMap(([key, value]) => (value === null ? [] : [[key, value] as [string, string]])));
}

function tagsOf(text: string | undefined): ImageReference[] {
  if (!text) return [];
  const tags = text.split('\n');
  if (tags.length > 8) throw new BoundaryError(400, 'a build may give an image at most 8 tags here');
  return tags.map((tag) => {
    let ref: ImageReference;
    try {
      ref = parseReference(tag);
    } catch (error) {
      if (error instanceof InvalidReferenceError) throw new BoundaryError(400, `invalid reference format: ${tag}`);
      throw error;
    }
    if (ref.digest) throw new BoundaryError(400, `invalid reference format: ${tag}`);
    refuseOtherRegistryTags(ref);
    return ref;
  });
}

export const BUILD_ENDPOINTS: readonly Endpoint[] = [
  {
    method: 'POST',
    path: '/build',
    lists: ['t'],
    async handle({ engine, policy, session, buildQueue, machine, docker, query, request }, response) {
      // A BuildKit build request (version 2, its session, its build id, its context from the
      // session) is answered with the same sentence whichever of its parameters comes first.
      if (query.version === '2' || 'buildid' in query || query.remote === 'client-session') throw new BoundaryError(400, BUILDKIT_REFUSED);
      const parsed = parseQuery(buildQuery(buildLimits(policy)), query);
      await needDiskRoom(machine, 'new builds');
      if (policy.build.packageCache) await needService(machine, 'packages');
      if (parsed.session) throw new BoundaryError(400, BUILDKIT_REFUSED);
      if (parsed.networkmode && parsed.networkmode !== 'default') throw new BoundaryError(403, 'builds have no network here, except the package cache');
      if (parsed.cachefrom && parsed.cachefrom !== '[]') throw new BoundaryError(403, 'the build cache here is the engine\'s own; --cache-from is not available');
      if (parsed.platform && parsed.platform !== 'linux/amd64' && parsed.platform !== 'linux') throw new BoundaryError(403, 'every image here is linux/amd64');
      const labels = jsonMap(parsed.labels, 'labels');
      if (labels.size > 0) throw new BoundaryError(403, 'write labels into the Dockerfile with LABEL here');
      const buildArgs = jsonMap(parsed.buildargs, 'build arguments');
      const tags = tagsOf(parsed.t);

      let files;
      try {
        files = await readUploadedContext(request, policy);
      } catch (error) {
        if (error instanceof WorkspaceError) throw new BoundaryError(400, `unable to prepare context: ${error.message}`);
        throw error;
      }

      // Checked once the upload is in and taken at once, so two uploads can't both pass it.
      if (session.activeBuild) throw new BoundaryError(409, 'a build is already running in this session; wait for it, or press Ctrl-C in its terminal');
      const controller = new AbortController();
      // Ctrl-C in the workbench closes the CLI's connection: the build stops with it.
      response.on('close', () => controller.abort());
      session.activeBuild = controller;
      // The status waits for the first line of output: an error before any (the engine's own parse
      // error) is answered as the engine answers it, with a 400 and no stream.
      const send = (message: object) => {
        if (!response.headersSent) {
          response.writeHead(200, { 'Content-Type': 'application/json', 'Api-Version': API_VERSION });
        }
        response.write(`${JSON.stringify(message)}\r\n`);
      };
      let lastError = '';
      try {
        await engine.ensureNetwork();
        const result = await runBuild(
          engine,
          files,
          {
            dockerfilePath: (parsed.dockerfile ?? 'Dockerfile').replace(/^\.\//, ''),
            tags,
            noCache: parsed.nocache ?? false,
            quiet: parsed.q ?? false,
            client: session.record.address ?? session.namespace.id,
            buildArgs,
            target: parsed.target || undefined,
            announceContext: false,
          },
          { docker, queue: buildQueue, policy, refusalOnceGranted: () => diskRefusal(machine, 'new builds') },
          {
            out: (text) => send({ stream: text }),
            // The last line on stderr of a failed build is its error, which the CLI prints itself;
            // the rest (notes, the queue position) is shown as it comes.
            err: (text) => {
              if (text.startsWith('Waiting for a build slot')) return send({ stream: text });
              if (lastError) send({ stream: lastError });
              lastError = text;
            },
          },
          controller.signal,
        );
        if (result.ok && lastError) send({ stream: lastError });
        if (result.ok && result.imageId) send({ aux: { ID: result.imageId } });
        if (!result.ok) {
          const message = lastError.replace(/\n$/, '').replace(/^Error response from daemon: /, '') || 'the build failed';
          if (!response.headersSent && lastError.startsWith('Error response from daemon: ')) {
            response.writeHead(400, { 'Content-Type': 'application/json', 'Api-Version': API_VERSION });
            response.write(JSON.stringify({ message }));
          } else send({ errorDetail: { message }, error: message });
        }
        session.lastBuild = { result, dockerfilePath: (parsed.dockerfile ?? 'Dockerfile').replace(/^\.\//, '') };
        session.emit('objects');
        if (session.activeBuild === controller) session.activeBuild = undefined;
        response.end();
        // After the answer: the learner needn't wait for the session's old dangling images to go.
        if (result.ok) await pruneOldDangling(engine, docker).catch(() => undefined);
      } catch (error) {
        // Before any output the router answers it in the engine's shape; after, the stream just ends.
        if (!response.headersSent) throw error;
        response.end();
      } finally {
        // A next build may have begun while this one tidied up.
        if (session.activeBuild === controller) session.activeBuild = undefined;
      }
      return { streamed: true };
    },
  },
];
