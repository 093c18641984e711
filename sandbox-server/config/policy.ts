import os from 'node:os';
import { readEnvironment } from './environment.ts';
import { packageProxyAddress } from '../packages/settings.ts';

/**
 * The sandbox policy: every limit a learner's session runs under.
 * Each field has a default from PRODUCT.md and an environment variable that overrides it.
 */
export interface SandboxPolicy {
  container: {
    memoryBytes: number;
    nanoCpus: number;
    pids: number;
    logMaxBytes: number;
    /** Capabilities kept after dropping ALL. */
    capabilities: string[];
  };
  build: {
    memoryBytes: number;
    /** CPU quota per 100 ms period, in microseconds (50_000 = half a CPU). */
    cpuQuota: number;
    pids: number;
    timeoutMs: number;
    /** Builds allowed at once on this server, across all sessions. */
    globalConcurrency: number;
    /** Of those, the most one client address may hold at once. */
    perAddress: number;
    contextMaxFiles: number;
    contextMaxBytes: number;
    fileMaxBytes: number;
    imageMaxBytes: number;
    /** The class package cache's network and proxy (HTTP_PROXY in build steps), or undefined for builds with no network. */
    packageCache?: { network: string; proxyUrl: string };
  };
  quotas: {
    runningContainers: number;
    containers: number;
    images: number;
    volumes: number;
    /** Networks a learner may create (for Compose), besides the session's own. */
    networks: number;
    buildsPerSession: number;
  };
  sessions: {
    idleTtlMs: number;
    hardTtlMs: number;
    max: number;
    /** Live sessions one client address may hold at once. */
    perAddress: number;
    /** New sessions one address may open per hour. */
    perAddressPerHour: number;
    /** A session whose terminal was never opened ends this soon. */
    unopenedTtlMs: number;
  };
  terminal: {
    /** Bytes one command may print before the rest is cut with a notice. */
    outputCapBytes: number;
    /** Bytes per second an interactive TTY may send before output is dropped with a notice. */
    interactiveBytesPerSecond: number;
    historyLength: number;
  };
  reaperIntervalMs: number;
  /** Catalogue references learners may use; undefined means the whole catalogue. Lessons narrow it. */
  baseImages?: string[];
}

type Env = Record<string, string | undefined>;

/** The policy from the environment (config/environment.ts reads and checks every variable). */
export function policyFromEnv(env: Env = process.env): SandboxPolicy {
  const e = readEnvironment(env);
  const cores = os.availableParallelism();
  const containerCpus = e.LAYERLAB_CONTAINER_CPUS;
  const buildCpus = e.LAYERLAB_BUILD_CPUS;
  const buildConcurrency = e.LAYERLAB_BUILD_CONCURRENCY ?? cores;
  return {
    container: {
      memoryBytes: e.LAYERLAB_CONTAINER_MEMORY,
      nanoCpus: Math.round(containerCpus * 1e9),
      pids: e.LAYERLAB_CONTAINER_PIDS,
      logMaxBytes: e.LAYERLAB_CONTAINER_LOG_MAX,
      capabilities: e.LAYERLAB_CONTAINER_CAPABILITIES.map((capability) => capability.toUpperCase()),
    },
    build: {
      memoryBytes: e.LAYERLAB_BUILD_MEMORY,
      cpuQuota: Math.round(buildCpus * 100_000),
      pids: e.LAYERLAB_BUILD_PIDS,
      timeoutMs: e.LAYERLAB_BUILD_TIMEOUT,
      globalConcurrency: buildConcurrency,
      perAddress: e.LAYERLAB_BUILDS_PER_ADDRESS ?? Math.max(1, buildConcurrency - 1),
      contextMaxFiles: e.LAYERLAB_CONTEXT_MAX_FILES,
      contextMaxBytes: e.LAYERLAB_CONTEXT_MAX_BYTES,
      fileMaxBytes: e.LAYERLAB_FILE_MAX_BYTES,
      imageMaxBytes: e.LAYERLAB_IMAGE_MAX_BYTES,
      packageCache: packageCacheOf(env),
    },
    quotas: {
      runningContainers: e.LAYERLAB_MAX_RUNNING_CONTAINERS,
      containers: e.LAYERLAB_MAX_CONTAINERS,
      images: e.LAYERLAB_MAX_IMAGES,
      volumes: e.LAYERLAB_MAX_VOLUMES,
      networks: e.LAYERLAB_MAX_NETWORKS,
      buildsPerSession: 1,
    },
    sessions: {
      idleTtlMs: e.LAYERLAB_SESSION_IDLE_TTL,
      hardTtlMs: e.LAYERLAB_SESSION_HARD_TTL,
      max: e.LAYERLAB_MAX_SESSIONS,
      perAddress: e.LAYERLAB_SESSIONS_PER_ADDRESS,
      perAddressPerHour: e.LAYERLAB_SESSIONS_PER_ADDRESS_PER_HOUR,
      unopenedTtlMs: e.LAYERLAB_SESSION_UNOPENED_TTL,
    },
    terminal: {
      outputCapBytes: e.LAYERLAB_OUTPUT_CAP,
      interactiveBytesPerSecond: e.LAYERLAB_TTY_BYTES_PER_SECOND,
      historyLength: 500,
    },
    reaperIntervalMs: e.LAYERLAB_REAPER_INTERVAL,
  };
}

function packageCacheOf(env: Env): { network: string; proxyUrl: string } | undefined {
  const address = packageProxyAddress(env);
  return address && { network: address.network, proxyUrl: address.proxyUrl };
}
