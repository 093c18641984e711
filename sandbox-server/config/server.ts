import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePreviewHost } from '../preview/preview-host.ts';
import { parsePool, type Pool } from '../scope/network-pool.ts';
import { readEnvironment } from './environment.ts';
import { policyFromEnv, type SandboxPolicy } from './policy.ts';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

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
   * false, true, or a list of addresses and CIDRs.
   */
  trustProxy: boolean | string[];
  /** Marks every engine object, so two servers on one engine never reap each other's sessions. */
  instance: string;
  stateDir: string;
  /** dockerd's and apt's logs when the server had to install or start the engine. */
  logDir: string;
  siteDir: string;
  lessonsDir: string;
  /** Set the Secure flag on the session cookie (serve behind HTTPS). */
  secureCookies: boolean;
  /** Where session networks take their /28 subnets from. */
  networkPool: Pool;
  /** The preview host pattern (preview/preview-host.ts), with `{token}` and `{port}`. */
  previewHost: string;
  /** Workbenches kept started ahead of learners (workbench/warm-pool.ts). */
  warmWorkbenches: number;
  policy: SandboxPolicy;
}

type Env = Record<string, string | undefined>;

export function serverConfigFromEnv(env: Env = process.env): ServerConfig {
  const e = readEnvironment(env);
  const instance = e.LAYERLAB_INSTANCE;
  const trust = e.LAYERLAB_TRUST_PROXY;
  return {
    host: e.HOST,
    port: e.PORT,
    allowedOrigins: (e.LAYERLAB_ALLOWED_ORIGINS ?? []).map((origin) => (origin.endsWith('/') ? origin.slice(0, -1) : origin)),
    allowedHosts: e.LAYERLAB_ALLOWED_HOSTS ?? [],
    trustProxy: trust === undefined || trust === '0' ? false : trust === '1' ? true : trust.split(',').map((item) => item.trim()).filter(Boolean),
    instance,
    stateDir: path.resolve(e.LAYERLAB_STATE_DIR ?? path.join(PROJECT_ROOT, '.layerlab', instance)),
    logDir: path.resolve(e.LAYERLAB_LOG_DIR ?? path.join(PROJECT_ROOT, '.layerlab', 'logs')),
    siteDir: path.resolve(e.LAYERLAB_SITE_DIR ?? path.join(PROJECT_ROOT, 'dist')),
    lessonsDir: path.resolve(e.LAYERLAB_LESSONS_DIR ?? path.join(PROJECT_ROOT, 'lessons')),
    secureCookies: e.LAYERLAB_SECURE_COOKIES ?? false,
    networkPool: parseNetworkPool(e.LAYERLAB_NETWORK_POOL),
    previewHost: checkedPreviewHost(e.LAYERLAB_PREVIEW_HOST),
    warmWorkbenches: e.LAYERLAB_WARM_WORKBENCHES,
    policy: policyFromEnv(env),
  };
}

function checkedPreviewHost(text: string): string {
  try {
    return parsePreviewHost(text).text;
  } catch (error) {
    throw new Error(`LAYERLAB_PREVIEW_HOST: ${(error as Error).message}`);
  }
}

function parseNetworkPool(text: string): Pool {
  try {
    return parsePool(text);
  } catch (error) {
    throw new Error(`LAYERLAB_NETWORK_POOL: ${(error as Error).message}`);
  }
}
