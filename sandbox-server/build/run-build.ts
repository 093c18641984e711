import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import type { SandboxPolicy } from '../config/policy.ts';
import { eventError, readEngineStream } from '../engine/engine-streams.ts';
import { daemonError, engineMessage } from '../engine/errors.ts';
import { reviewDockerfile, shownProblems, type DockerfileReview } from '../policy/dockerfile-review.ts';
import { sessionBaseImages } from './review-lookup.ts';
import { ensureCatalogueImage } from '../images/ensure.ts';
import { formatReference, type ImageReference } from '../scope/reference.ts';
import type { ScopedEngine } from '../scope/scoped-engine.ts';
import { checkWorkspace, WorkspaceError, type WorkspaceFiles } from '../sessions/workspace.ts';
import { createBuildCgroup } from './cgroup.ts';
import { holdsArchive, makeBuildContext } from './context.ts';
import type { BuildQueue } from './queue.ts';
import { BuildStepTracker, type BuildStep } from './steps.ts';
import { humanSize, ordinal } from '../format/units.ts';

export interface BuildRequest {
  dockerfilePath: string;
  tags: ImageReference[];
  noCache: boolean;
  quiet: boolean;
  /** Who asked (the session's client address): build slots are shared fairly between clients. */
  client: string;
  /** `--build-arg` values; the review reads them as the engine will. */
  buildArgs?: ReadonlyMap<string, string>;
  /** `--target`: the stage to stop at. */
  target?: string;
  /** The docker CLI prints "Sending build context" itself when it uploads one. */
  announceContext?: boolean;
}

export interface BuildResult {
  ok: boolean;
  imageId?: string;
  steps: BuildStep[];
  dockerfile: string;
  /** The Dockerfile's own line for each step (step n is `stepLines[n - 1]`). */
  stepLines: number[];
  finishedAt: number;
  /** Where a failed build stopped, as the learner's Dockerfile numbers its lines, for the editor's marker. */
  failure?: { line: number; message: string };
}

export interface BuildDeps {
  docker: Docker;
  queue: BuildQueue;
  policy: SandboxPolicy;
  /**
   * Asked again once the build has its slot, as a wait in the queue can outlast the room there
   * was (the disk): a sentence refuses the build then.
   */
  refusalOnceGranted?: () => Promise<string | undefined>;
}

export interface BuildOutput {
  out(text: string): void;
  err(text: string): void;
}

/** Dangling images (learner tags moved on) kept per session before the oldest are pruned. */
const DANGLING_KEPT = 5;

export async function runBuild(
  engine: ScopedEngine,
  files: WorkspaceFiles,
  request: BuildRequest,
  deps: BuildDeps,
  output: BuildOutput,
  signal: AbortSignal,
): Promise<BuildResult> {
  const { policy } = deps;
  const dockerfile = files.get(request.dockerfilePath);
  const tracker = new BuildStepTracker();
  let stepLines: number[] = [];
  const failed = (message: string): BuildResult => {
    output.err(`${message}\n`);
    return { ok: false, steps: tracker.steps, dockerfile: dockerfile ?? '', stepLines, finishedAt: Date.now() };
  };
  if (dockerfile === undefined) {
    return failed(`unable to prepare context: the workspace has no ${request.dockerfilePath}`);
  }
  try {
    checkWorkspace(files, policy);
  } catch (error) {
    if (error instanceof WorkspaceError) return failed(`unable to prepare context: ${error.message}`);
    throw error;
  }

  const images = await engine.images();
  const replacing = new Set(request.tags.map((tag) => formatReference(tag)));
  const keptTags = (await engine.quotaImages(images)).filter((image) => !image.tags.every((tag) => replacing.has(tag)));
  if (keptTags.length >= policy.quotas.images) {
    return failed(
      `you have ${keptTags.length} images, the most a session may keep; remove some with docker rmi or docker image prune`,
    );
  }

  const review = await reviewDockerfile(dockerfile, {
    lookup: await sessionBaseImages(engine, deps.docker, policy, {
      images,
      prepare: (tag) => ensureCatalogueImage(deps.docker, tag, (line) => output.err(`${line}\n`)),
    }),
    contextHasArchive: holdsArchive(files),
    buildArgs: request.buildArgs,
  });
  for (const note of review.notes) output.err(`${note}\n`);
  if (review.problems.length > 0) {
    const shown = shownProblems(review.problems);
    for (const problem of shown) {
      output.err(
        problem.kind === 'syntax'
          ? `Error response from daemon: dockerfile parse error line ${problem.line}: ${problem.message}\n`
          : `Error: ${request.dockerfilePath}:${problem.line}: ${problem.message}\n`,
      );
    }
    return { ok: false, steps: [], dockerfile, stepLines, finishedAt: Date.now(), failure: { line: shown[0]!.line, message: shown[0]!.message } };
  }
  stepLines = review.sourceLines;
  for (const ref of review.catalogueImages) {
    if (!(await engine.hasImage(ref))) await engine.pullFromCatalogue(ref);
  }
  const toLearner = (text: string) => engine.namespace.scrub(learnerView(text, review));

  const release = await deps.queue.acquire(signal, request.client, (position) => {
    output.err(`Waiting for a build slot: ${ordinal(position)} in line…\n`);
  });
  const buildId = `${engine.namespace.id}-${randomBytes(4).toString('hex')}`;
  const cgroup = createBuildCgroup(buildId, { pids: policy.build.pids, memoryBytes: policy.build.memoryBytes });
  try {
    const refusal = await deps.refusalOnceGranted?.();
    if (refusal) return failed(`Error response from daemon: ${refusal}`);
    const context = await makeBuildContext(files, request.dockerfilePath, review.canonical);
    if (!request.quiet && request.announceContext !== false) output.out(`Sending build context to Docker daemon  ${humanSize(context.bytes)}\n`);
    const timeout = AbortSignal.timeout(policy.build.timeoutMs);
    const stream = await deps.docker.buildImage(context.stream, {
      t: request.tags.map((tag) => engine.namespace.imageTag(tag)),
      dockerfile: request.dockerfilePath,
      version: '1',
      // With the package cache on, steps join its internal network, whose only way out is the proxy.
      networkmode: policy.build.packageCache?.network ?? 'none',
      memory: policy.build.memoryBytes,
      memswap: policy.build.memoryBytes,
      cpuperiod: 100_000,
      cpuquota: policy.build.cpuQuota,
      cgroupparent: cgroup.parent,
      // docker-modem turns arrays into repeated keys; the engine wants this one as JSON.
      ulimits: JSON.stringify([
        { Name: 'nofile', Soft: 1024, Hard: 1024 },
        { Name: 'fsize', Soft: 256 * 1024 ** 2, Hard: 256 * 1024 ** 2 },
      ]),
      rm: true,
      forcerm: true,
      pull: false,
      nocache: request.noCache,
      buildargs: Object.fromEntries(request.buildArgs ?? []),
      // The cache's names point at its proxy in each step's /etc/hosts, which no layer, history
      // entry or config records (unlike HTTP_PROXY build args, which put `|0` in every RUN's history).
      ...(policy.build.packageCache ? { extrahosts: policy.build.packageCache.hosts.map((host) => `${host}:${policy.build.packageCache!.gateway}`) } : {}),
      ...(request.target ? { target: request.target } : {}),
      abortSignal: AbortSignal.any([signal, timeout]),
      // The engine takes several t= tags; dockerode's type allows one, its query builder repeats arrays.
    } as unknown as Docker.ImageBuildOptions);

    let triedTheNetwork = false;
    const outcome = await followBuild(stream, (text) => {
      const shown = toLearner(text);
      triedTheNetwork ||= NETWORK_REFUSALS.some((sign) => shown.includes(sign));
      tracker.push(shown);
      if (!request.quiet) output.out(shown);
    });
    if (signal.aborted || timeout.aborted || outcome.error) await keepLeftovers(engine, deps.docker, tracker, buildId);
    if (signal.aborted || timeout.aborted) {
      return failed(
        timeout.aborted
          ? `the build took longer than ${Math.round(policy.build.timeoutMs / 1000)} s, the limit here, and was stopped`
          : 'build cancelled',
      );
    }
    if (outcome.error) {
      const message = toLearner(outcome.error);
      output.err(`${message}\n`);
      if (/returned a non-zero code: 137/.test(message)) {
        output.err(`hint: code 137 means the step was killed, usually for using more than the build's memory limit\n`);
      }
      if (triedTheNetwork) output.err(`hint: ${networkHint(policy)}\n`);
      // The classic builder's Step N is the Nth instruction; the failing one is the last it began.
      const step = tracker.steps.at(-1);
      const line = step === undefined ? undefined : review.sourceLines[step.index - 1];
      return { ok: false, steps: tracker.steps, dockerfile, stepLines, finishedAt: Date.now(), ...(line === undefined ? {} : { failure: { line, message } }) };
    }
    const imageId = outcome.imageId;
    if (!imageId) return failed('the build finished without an image');
    const inspected = await deps.docker.getImage(imageId).inspect();
    if (inspected.Size > policy.build.imageMaxBytes) {
      await removeOverCap(engine, deps.docker, imageId, request.tags);
      return failed(
        `the image is ${humanSize(inspected.Size)}, over the ${humanSize(policy.build.imageMaxBytes)} an image may use here, so it was removed`,
      );
    }
    await keepOwned(engine, deps.docker, [...tracker.stageResults().slice(0, -1), imageId], buildId);
    if (request.quiet) output.out(`${imageId}\n`);
    return { ok: true, imageId, steps: tracker.steps, dockerfile, stepLines, finishedAt: Date.now() };
  } catch (error) {
    await keepLeftovers(engine, deps.docker, tracker, buildId);
    if (signal.aborted) return failed('build cancelled');
    if (error instanceof WorkspaceError) return failed(`unable to prepare context: ${error.message}`);
    return failed(toLearner(daemonError(error)));
  } finally {
    release();
    cgroup.remove();
  }
}

/**
 * Takes back what this build tagged, never more: the same image ID can be a catalogue image (a
 * FROM-only build) or another session's image (the build cache is shared), and a forced remove by
 * ID would delete every tag it has. The image itself goes only once nothing tags it.
 */
async function removeOverCap(engine: ScopedEngine, docker: Docker, imageId: string, tags: ImageReference[]): Promise<void> {
  // Not noprune: when this untag deletes the image, its build-cache parents that nothing else uses go too.
  for (const tag of tags) await docker.getImage(engine.namespace.imageTag(tag)).remove().catch(() => undefined);
  const left = await docker.getImage(imageId).inspect().catch(() => undefined);
  // Without force the engine refuses if a container or a child image still uses it.
  if (left && (left.RepoTags ?? []).length === 0) await docker.getImage(imageId).remove().catch(() => undefined);
}

interface BuildOutcome {
  imageId?: string;
  error?: string;
}

/** Follows the build's progress stream, keeping nothing of its output but what the caller shows. */
async function followBuild(stream: NodeJS.ReadableStream, onText: (text: string) => void): Promise<BuildOutcome> {
  const outcome: BuildOutcome = {};
  try {
    await readEngineStream(stream, (event) => {
      if (event.stream) onText(event.stream);
      if (event.aux?.ID) outcome.imageId = event.aux.ID;
      outcome.error = eventError(event) ?? outcome.error;
    });
  } catch (error) {
    outcome.error ??= engineMessage(error);
  }
  return outcome;
}

/**
 * Gives each image this build made a server-only tag, so it stays the learner's (and is reaped with
 * the session) after their own tag moves to a newer build.
 */
async function keepOwned(engine: ScopedEngine, docker: Docker, imageIds: string[], buildId: string): Promise<void> {
  const seen = new Set<string>();
  for (const [index, id] of imageIds.entries()) {
    const image = docker.getImage(id);
    const info = await image.inspect();
    if (seen.has(info.Id) || (info.RepoTags ?? []).some((tag) => engine.namespace.isKeepTag(tag))) continue;
    seen.add(info.Id);
    const keep = engine.namespace.keepTag(`${buildId}-${index}`);
    const colon = keep.lastIndexOf(':');
    await image.tag({ repo: keep.slice(0, colon), tag: keep.slice(colon + 1) });
  }
}

/**
 * A build that stops part-way leaves the images of its finished steps behind as build cache, which
 * nothing tags, so no session owns them and the reaper never finds them: disk that is never given
 * back. A keep tag on each stage's last finished step makes them the session's; the dangling prune
 * and the reaper then remove them (and their parents with them).
 */
async function keepLeftovers(engine: ScopedEngine, docker: Docker, tracker: BuildStepTracker, buildId: string): Promise<void> {
  // A stage that got no further than FROM left nothing new: its image is the base, not a leftover.
  const leftovers = new Map<number, string>();
  for (const step of tracker.steps) if (step.imageId && !/^FROM\s/i.test(step.instruction)) leftovers.set(step.stage, step.imageId);
  try {
    await keepOwned(engine, docker, [...leftovers.values()], `${buildId}-partial`);
    await pruneOldDangling(engine, docker);
  } catch {
    // best effort: the build's own error is what the learner needs to see
  }
}

/** Housekeeping after a build, for its caller to run once the learner has the answer. */
export async function pruneOldDangling(engine: ScopedEngine, docker: Docker): Promise<void> {
  const dangling = (await engine.images()).filter((image) => image.tags.length === 0).sort((a, b) => b.created - a.created);
  for (const image of dangling.slice(DANGLING_KEPT)) {
    for (const tag of image.keepTags) {
      // An image a container still uses refuses to go; it is tried again after the next build.
      await docker.getImage(tag).remove().catch(() => undefined);
    }
  }
}

/**
 * The engine builds the canonical Dockerfile: its FROM lines name pinned image IDs and its line
 * numbers are its own. The learner reads their own names and lines.
 */
function learnerView(text: string, review: DockerfileReview): string {
  let view = text.replace(/^Step (\d+)\/(\d+) : .*$/gm, (line, step: string, total: string) => {
    const source = review.sourceText[Number(step) - 1];
    return source === undefined ? line : `Step ${step}/${total} : ${source}`;
  });
  for (const [id, name] of review.baseNames) view = view.split(id).join(name);
  return view.replace(/dockerfile parse error line (\d+)/g, (match, line: string) => {
    const source = review.sourceLines[Number(line) - 1];
    return source === undefined ? match : `dockerfile parse error line ${source}`;
  });
}

/** What package managers and HTTP clients print when a name doesn't resolve or there is no route out. */
const NETWORK_REFUSALS = [
  'Could not resolve host',
  'Name or service not known',
  'getaddrinfo ENOTFOUND',
  'Temporary failure in name resolution',
  'getaddrinfo EAI_AGAIN',
  'Network is unreachable',
];

function networkHint(policy: SandboxPolicy): string {
  return policy.build.packageCache
    ? "build steps here reach only the class package cache: npm, PyPI and Debian's packages; downloads from anywhere else are refused"
    : 'build steps here have no network (the class package cache is off), so RUN can only use what the image already holds';
}
