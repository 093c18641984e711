import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureHostPackages } from '../../sandbox-server/engine/host-packages.ts';
import { haproxyConfig, type BalancerOptions } from '../../sandbox-server/hosts/haproxy-config.ts';
import { freePort } from './ports.ts';

/**
 * HAProxy (Debian's, installed as the server installs nginx) in front of test hosts, with the
 * configuration `layerlab hosts haproxy` writes, and browsers that keep their cookies.
 */

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A browser: its cookies (HAProxy's pin, Layerlab's session) and the host that answered last. */
export class Browser {
  readonly cookies = new Map<string, string>();
  lastHost: string | undefined;
  readonly url: string;

  constructor(url: string) {
    this.url = url;
  }

  get cookie(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async request(method: string, pathname: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.url}${pathname}`, {
      method,
      headers: { origin: this.url, cookie: this.cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const equals = pair.indexOf('=');
      this.cookies.set(pair.slice(0, equals), pair.slice(equals + 1));
    }
    this.lastHost = response.headers.get('x-layerlab-host') ?? undefined;
    const text = await response.text();
    return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : text };
  }

  /** Asks until HAProxy sends this browser to `host` (its checks notice a host gone within seconds). */
  async waitForHost(host: string, timeoutMs = 20_000): Promise<void> {
    for (let waited = 0; waited < timeoutMs; waited += 250) {
      await this.request('GET', '/api/health').catch(() => undefined);
      if (this.lastHost === host) return;
      await sleep(250);
    }
    throw new Error(`HAProxy did not send this browser to ${host} within ${timeoutMs} ms`);
  }
}

export interface Balancer {
  url: string;
  /** HAProxy's log, for a failure's message. */
  log: string;
  close(): void;
}

export async function startBalancer(options: Omit<BalancerOptions, 'bind'>): Promise<Balancer> {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'layerlab-balancer-'));
  ensureHostPackages([{ provides: '/usr/sbin/haproxy', package: 'haproxy' }], path.join(folder, 'logs'), () => undefined);
  const port = await freePort();
  writeFileSync(path.join(folder, 'haproxy.cfg'), haproxyConfig({ ...options, bind: `127.0.0.1:${port}` }));
  const log = path.join(folder, 'haproxy.log');
  const haproxy: ChildProcess = spawn('haproxy', ['-db', '-f', path.join(folder, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', openSync(log, 'w')] });
  const url = `http://127.0.0.1:${port}`;
  // Up once every host has answered through it.
  const seen = new Set<string>();
  for (let attempt = 0; attempt < 100 && seen.size < options.hosts.length; attempt++) {
    const browser = new Browser(url);
    await browser.request('GET', '/api/health').catch(() => undefined);
    if (browser.lastHost) seen.add(browser.lastHost);
    if (seen.size < options.hosts.length) await sleep(100);
  }
  if (seen.size < options.hosts.length) throw new Error(`HAProxy reached only ${[...seen].join(', ') || 'no host'}; its log is ${log}`);
  return {
    url,
    log,
    close() {
      haproxy.kill();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
