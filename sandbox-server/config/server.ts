import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePool, type Pool } from '../scope/network-pool.ts';
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
  policy: SandboxPolicy;
}

type Env = Record<string, string | undefined>;

export function serverConfigFromEnv(env: Env = process.env): ServerConfig {
  const port = Number(env.PORT ?? 4321);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT: "${env.PORT}" is not a port number`);
  }
  const instance = env.LAYERLAB_INSTANCE ?? 'main';
  if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(instance)) {
    throw new Error(`LAYERLAB_INSTANCE: "${instance}" must be lowercase letters, digits and dashes`);
  }
  return {
    host: env.HOST ?? '127.0.0.1',
    port,
    allowedOrigins: (env.LAYERLAB_ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim().replace(/\/$/, ''))
      .filter(Boolean),
    allowedHosts: list(env.LAYERLAB_ALLOWED_HOSTS),
    trustProxy: env.LAYERLAB_TRUST_PROXY === undefined || env.LAYERLAB_TRUST_PROXY === '' || env.LAYERLAB_TRUST_PROXY === '0' ? false : env.LAYERLAB_TRUST_PROXY === '1' ? true : list(env.LAYERLAB_TRUST_PROXY),
    instance,
    stateDir: path.resolve(env.LAYERLAB_STATE_DIR ?? path.join(PROJECT_ROOT, '.layerlab', instance)),
    logDir: path.resolve(env.LAYERLAB_LOG_DIR ?? path.join(PROJECT_ROOT, '.layerlab', 'logs')),
    siteDir: path.resolve(env.LAYERLAB_SITE_DIR ?? path.join(PROJECT_ROOT, 'dist')),
    lessonsDir: path.resolve(env.LAYERLAB_LESSONS_DIR ?? path.join(PROJECT_ROOT, 'lessons')),
    secureCookies: env.LAYERLAB_SECURE_COOKIES === '1',
    networkPool: parseNetworkPool(env.LAYERLAB_NETWORK_POOL ?? '10.200.0.0/16'),
    policy: policyFromEnv(env),
  };
}

function list(text: string | undefined): string[] {
  return (text ?? '').split(',').map((item) => item.trim()).filter(Boolean);
}

function parseNetworkPool(text: string): Pool {
  try {
    return parsePool(text);
  } catch (error) {
    throw new Error(`LAYERLAB_NETWORK_POOL: ${(error as Error).message}`);
  }
}
