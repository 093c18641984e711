import os from 'node:os';
import { parseBytes, parseDuration } from './units.ts';

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

const MINIMAL_CAPABILITIES = ['CHOWN', 'SETUID', 'SETGID', 'FOWNER', 'DAC_OVERRIDE', 'NET_BIND_SERVICE', 'KILL'];

type Env = Record<string, string | undefined>;

function read<T>(env: Env, name: string, fallback: T, parse: (text: string) => T): T {
  const text = env[name];
  if (text === undefined || text.trim() === '') return fallback;
  try {
    return parse(text);
  } catch (error) {
    throw new Error(`${name}: ${(error as Error).message}`);
  }
}

function positiveNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`"${text}" is not a positive number`);
  return value;
}

const positiveInteger = (text: string) => Math.floor(positiveNumber(text));

export function policyFromEnv(env: Env = process.env): SandboxPolicy {
  const cores = os.availableParallelism();
  const containerCpus = read(env, 'LAYERLAB_CONTAINER_CPUS', 0.5, positiveNumber);
  const buildCpus = read(env, 'LAYERLAB_BUILD_CPUS', 0.5, positiveNumber);
  const buildConcurrency = read(env, 'LAYERLAB_BUILD_CONCURRENCY', cores, positiveInteger);
  return {
    container: {
      memoryBytes: read(env, 'LAYERLAB_CONTAINER_MEMORY', 256 * 1024 ** 2, parseBytes),
      nanoCpus: Math.round(containerCpus * 1e9),
      pids: read(env, 'LAYERLAB_CONTAINER_PIDS', 128, positiveInteger),
      logMaxBytes: read(env, 'LAYERLAB_CONTAINER_LOG_MAX', 1024 ** 2, parseBytes),
      capabilities: read(env, 'LAYERLAB_CONTAINER_CAPABILITIES', MINIMAL_CAPABILITIES, (text) =>
        text.split(',').map((cap) => cap.trim().toUpperCase()).filter(Boolean),
      ),
    },
    build: {
      memoryBytes: read(env, 'LAYERLAB_BUILD_MEMORY', 512 * 1024 ** 2, parseBytes),
      cpuQuota: Math.round(buildCpus * 100_000),
      pids: read(env, 'LAYERLAB_BUILD_PIDS', 256, positiveInteger),
      timeoutMs: read(env, 'LAYERLAB_BUILD_TIMEOUT', 5 * 60_000, parseDuration),
      globalConcurrency: buildConcurrency,
      perAddress: read(env, 'LAYERLAB_BUILDS_PER_ADDRESS', Math.max(1, buildConcurrency - 1), positiveInteger),
      contextMaxFiles: read(env, 'LAYERLAB_CONTEXT_MAX_FILES', 200, positiveInteger),
      contextMaxBytes: read(env, 'LAYERLAB_CONTEXT_MAX_BYTES', 8 * 1024 ** 2, parseBytes),
      fileMaxBytes: read(env, 'LAYERLAB_FILE_MAX_BYTES', 1024 ** 2, parseBytes),
      imageMaxBytes: read(env, 'LAYERLAB_IMAGE_MAX_BYTES', 2 * 1024 ** 3, parseBytes),
    },
    quotas: {
      runningContainers: read(env, 'LAYERLAB_MAX_RUNNING_CONTAINERS', 5, positiveInteger),
      containers: read(env, 'LAYERLAB_MAX_CONTAINERS', 20, positiveInteger),
      images: read(env, 'LAYERLAB_MAX_IMAGES', 10, positiveInteger),
      volumes: read(env, 'LAYERLAB_MAX_VOLUMES', 10, positiveInteger),
      networks: read(env, 'LAYERLAB_MAX_NETWORKS', 3, positiveInteger),
      buildsPerSession: 1,
    },
    sessions: {
      idleTtlMs: read(env, 'LAYERLAB_SESSION_IDLE_TTL', 30 * 60_000, parseDuration),
      hardTtlMs: read(env, 'LAYERLAB_SESSION_HARD_TTL', 2 * 3_600_000, parseDuration),
      max: read(env, 'LAYERLAB_MAX_SESSIONS', 200, positiveInteger),
      perAddress: read(env, 'LAYERLAB_SESSIONS_PER_ADDRESS', 20, positiveInteger),
      perAddressPerHour: read(env, 'LAYERLAB_SESSIONS_PER_ADDRESS_PER_HOUR', 300, positiveInteger),
      unopenedTtlMs: read(env, 'LAYERLAB_SESSION_UNOPENED_TTL', 5 * 60_000, parseDuration),
    },
    terminal: {
      outputCapBytes: read(env, 'LAYERLAB_OUTPUT_CAP', 512 * 1024, parseBytes),
      interactiveBytesPerSecond: read(env, 'LAYERLAB_TTY_BYTES_PER_SECOND', 1024 ** 2, parseBytes),
      historyLength: 500,
    },
    reaperIntervalMs: read(env, 'LAYERLAB_REAPER_INTERVAL', 60_000, parseDuration),
  };
}
