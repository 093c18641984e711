import { createHash } from 'node:crypto';
import path from 'node:path';
import { parseClassDatabase, type ClassDatabase } from '../classes/class-database.ts';
import { courseFromEnv, type Course } from '../course/course.ts';
import { PROJECT_ROOT } from '../project-root.ts';
import { parsePreviewHost } from '../preview/preview-host.ts';
import { parsePool, type Pool } from '../scope/network-pool.ts';
import { readEnvironment } from './environment.ts';
import { policyFromEnv, type SandboxPolicy } from './policy.ts';

export { PROJECT_ROOT } from '../project-root.ts';

export interface ServerConfig {
  host: string;
  port: number;
  /**
   * Origins allowed to open the terminal socket. Empty means "the origin the page was served from":
   * the Origin header must equal http(s)://<Host header>.
   */
  allowedOrigins: string[];
  /** Host names (beyond loopback, IP addresses and the allowed origins') this server answers to. */
  allowedHosts: string[];
  /**
   * Which proxies' X-Forwarded-For to believe for the client's address (Fastify's trustProxy):
   * none, the one hop in front (`1`: the last address it added, never one a client wrote), or a
   * list of proxy addresses and CIDRs.
   */
  trustProxy: false | 1 | string[];
  /** Marks every engine object, so two servers on one engine never reap each other's sessions. */
  instance: string;
  stateDir: string;
  /** dockerd's and apt's logs when the server had to install or start the engine. */
  logDir: string;
  siteDir: string;
  /** The course served: its lessons folder, catalogue additions, title (course/course.ts). */
  course: Course;
  /** Set the Secure flag on the session cookie (serve behind HTTPS). */
  secureCookies: boolean;
  /** Where session networks take their /28 subnets from. */
  networkPool: Pool;
  /** The preview host pattern (preview/preview-host.ts), with `{token}` and `{port}`. */
  previewHost: string;
  /** The class database: classes, learners, their progress and commands; SQLite, or PostgreSQL for several hosts. */
  classDb: ClassDatabase;
  /** Free bytes kept on the engine's disk (services/disk-space.ts); 0 is no watermark. */
  diskMinFreeBytes: number;
  /** How often the machine's services are looked at (services/machine-services.ts). */
  serviceCheckIntervalMs: number;
  /** Workbenches kept started ahead of learners (workbench/warm-pool.ts). */
  warmWorkbenches: number;
  /** The port of the load agent HAProxy asks (hosts/load-agent.ts), if this host is one of several. */
  agentPort: number | undefined;
  policy: SandboxPolicy;
}

type Env = Record<string, string | undefined>;

export function serverConfigFromEnv(env: Env = process.env): ServerConfig {
  const e = readEnvironment(env);
  const instance = e.LAYERLAB_INSTANCE;
  const trust = e.LAYERLAB_TRUST_PROXY;
  const course = courseFromEnv(env);
  const stateDir = path.resolve(e.LAYERLAB_STATE_DIR ?? path.join(PROJECT_ROOT, '.layerlab', instance));
  return {
    host: e.HOST,
    port: e.PORT,
    allowedOrigins: (e.LAYERLAB_ALLOWED_ORIGINS ?? []).map((origin) => (origin.endsWith('/') ? origin.slice(0, -1) : origin)),
    allowedHosts: e.LAYERLAB_ALLOWED_HOSTS ?? [],
    trustProxy: trust === undefined || trust === '0' ? false : trust === '1' ? 1 : trust.split(',').map((item) => item.trim()).filter(Boolean),
    instance,
    stateDir,
    classDb: checkedClassDatabase(e.LAYERLAB_CLASS_DB, path.join(stateDir, 'classes.sqlite')),
    diskMinFreeBytes: e.LAYERLAB_DISK_MIN_FREE,
    serviceCheckIntervalMs: e.LAYERLAB_SERVICE_CHECK_INTERVAL,
    logDir: path.resolve(e.LAYERLAB_LOG_DIR ?? path.join(PROJECT_ROOT, '.layerlab', 'logs')),
    siteDir: path.resolve(e.LAYERLAB_SITE_DIR ?? defaultSiteDir(course)),
    course,
    secureCookies: e.LAYERLAB_SECURE_COOKIES ?? false,
    networkPool: parseNetworkPool(e.LAYERLAB_NETWORK_POOL),
    previewHost: checkedPreviewHost(e.LAYERLAB_PREVIEW_HOST),
    warmWorkbenches: e.LAYERLAB_WARM_WORKBENCHES,
    agentPort: e.LAYERLAB_AGENT_PORT,
    policy: policyFromEnv(env),
  };
}

/** dist/ for this repository's course; a course of one's own gets a folder of its own, so switching back and forth rebuilds neither. */
function defaultSiteDir(course: Course): string {
  if (course.shipped) return path.join(PROJECT_ROOT, 'dist');
  const name = path.basename(course.root).replace(/[^\w.-]/g, '_').slice(0, 40);
  return path.join(PROJECT_ROOT, '.layerlab', 'sites', `${name}-${createHash('sha256').update(course.root).digest('hex').slice(0, 8)}`);
}

function checkedPreviewHost(text: string): string {
  try {
    return parsePreviewHost(text).text;
  } catch (error) {
    throw new Error(`LAYERLAB_PREVIEW_HOST: ${(error as Error).message}`);
  }
}

function checkedClassDatabase(text: string | undefined, fallbackFile: string): ClassDatabase {
  try {
    return parseClassDatabase(text, fallbackFile);
  } catch (error) {
    throw new Error(`LAYERLAB_CLASS_DB: ${(error as Error).message}`);
  }
}

function parseNetworkPool(text: string): Pool {
  try {
    return parsePool(text);
  } catch (error) {
    throw new Error(`LAYERLAB_NETWORK_POOL: ${(error as Error).message}`);
  }
}
