import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { haproxyConfig } from '../../sandbox-server/hosts/haproxy-config.ts';
import { hostLoad, setDraining, type HostLoad } from '../../sandbox-server/hosts/host-load.ts';
import { agentLine, startLoadAgent } from '../../sandbox-server/hosts/load-agent.ts';

const load = (sessions: number, seats: number, state: HostLoad['state'] = 'ready'): HostLoad => ({ state, sessions, seats, builds: { running: 0, waiting: 0 } });

describe("a host's load, as HAProxy's agent check reads it", () => {
  it('is ready with its free seats as the weight, and drain when full or draining', () => {
    expect(agentLine(load(0, 40))).toBe('ready 100%\n');
    expect(agentLine(load(30, 40))).toBe('ready 25%\n');
    // Never 0%: a weight of 0 would drain a host that still has a seat.
    expect(agentLine(load(399, 400))).toBe('ready 1%\n');
    expect(agentLine(load(40, 40, 'full'))).toBe('drain\n');
    expect(agentLine(load(3, 40, 'draining'))).toBe('drain\n');
  });

  it('is full at its last seat and draining while the drain file is there', () => {
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'layerlab-load-'));
    const sessions = (count: number) => Array.from({ length: count }, () => ({}));
    const context = (count: number) =>
      ({
        config: { stateDir, policy: { sessions: { max: 2 } } },
        store: { all: () => sessions(count), isExpired: () => false },
        buildQueue: { running: 1, waiting: 0 },
      }) as unknown as Parameters<typeof hostLoad>[0];
    expect(hostLoad(context(1))).toEqual({ state: 'ready', sessions: 1, seats: 2, builds: { running: 1, waiting: 0 } });
    expect(hostLoad(context(2)).state).toBe('full');
    setDraining(stateDir, true);
    expect(hostLoad(context(0)).state).toBe('draining');
    setDraining(stateDir, false);
    expect(hostLoad(context(0)).state).toBe('ready');
  });
});

describe('the HAProxy configuration', () => {
  const hosts = [
    { name: 'a', address: '10.0.0.11:4321', agentPort: 4390 },
    { name: 'b', address: '10.0.0.12:4321', agentPort: 4391 },
  ];

  it("pins a browser with HAProxy's own cookie, checks the engine, and asks each host its load", () => {
    const config = haproxyConfig({ bind: ':80', hosts });
    expect(config).toContain('  balance roundrobin\n');
    expect(config).toContain('  cookie layerlab_route insert indirect nocache httponly maxidle 4h maxlife 24h attr "Max-Age=86400" attr "SameSite=Lax"\n');
    expect(config).toContain(`  http-check expect string '"engine":true'\n`);
    expect(config).toContain('  server b 10.0.0.12:4321 cookie b weight 100 check inter 2s fall 2 rise 2 agent-check agent-port 4391 agent-inter 2s\n');
    expect(config).toContain('http-error status 503 content-type "text/html; charset=utf-8" string "<!doctype html>');
    expect(config).not.toContain(':443');
  });

  it('serves HTTPS with a certificate, and sends each host its previews', () => {
    const config = haproxyConfig({ bind: ':80', hosts, tlsCertificate: '/etc/haproxy/course.pem', previewDomain: 'previews.example.net' });
    expect(config).toContain('  bind :443 ssl crt /etc/haproxy/course.pem\n  http-request redirect scheme https code 301 unless { ssl_fc }\n');
    expect(config).toMatch(/ attr "SameSite=Lax" secure\n/);
    expect(config).toContain('  use-server b if { hdr(host),field(1,:) -m end .b.previews.example.net }\n');
  });

  it('refuses what HAProxy would misread, in a sentence', () => {
    expect(() => haproxyConfig({ bind: ':80', hosts: [] })).toThrow('name at least one host');
    expect(() => haproxyConfig({ bind: ':80', hosts: [hosts[0]!, hosts[0]!] })).toThrow('host "a" is named twice');
    expect(() => haproxyConfig({ bind: ':80', hosts: [{ ...hosts[0]!, name: 'a\n  server evil 1.2.3.4:80' }] })).toThrow('a name is lowercase letters');
    expect(() => haproxyConfig({ bind: ':80', hosts: [{ ...hosts[0]!, address: '10.0.0.11:4321 backup' }] })).toThrow('is not host:port');
    expect(() => haproxyConfig({ bind: ':80', hosts: [{ ...hosts[0]!, address: '10.0.0.11:99999' }] })).toThrow('is not host:port');
    expect(() => haproxyConfig({ bind: ':80', hosts: [{ ...hosts[0]!, agentPort: 0 }] })).toThrow('the agent port 0 is not a port');
    expect(() => haproxyConfig({ bind: 'everywhere', hosts })).toThrow('--bind "everywhere"');
    expect(() => haproxyConfig({ bind: ':80', hosts, tlsCertificate: '/etc/a.pem crt /etc/shadow' })).toThrow('--tls-cert');
    expect(() => haproxyConfig({ bind: ':80', hosts, previewDomain: 'x } || { always_true' })).toThrow('--preview-domain');
  });
});

describe('the load agent', () => {
  it('answers every check though peers hold their connections open, and closes at once', async () => {
    const agent = await startLoadAgent({ host: '127.0.0.1', port: 0, load: () => load(10, 40) });
    const read = () =>
      new Promise<string>((resolve, reject) => {
        const socket = net.connect(agent.port, '127.0.0.1');
        let text = '';
        socket.on('data', (data) => (text += data));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
    // Peers that never close their end, more than any limit a listener might keep.
    const holders = Array.from({ length: 100 }, () => net.connect(agent.port, '127.0.0.1').on('error', () => undefined));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await read()).toBe('ready 75%\n');
    const started = Date.now();
    await agent.close();
    expect(Date.now() - started).toBeLessThan(1500);
    for (const holder of holders) holder.destroy();
  });

  it('names LAYERLAB_AGENT_PORT when its port is taken', async () => {
    const agent = await startLoadAgent({ host: '127.0.0.1', port: 0, load: () => load(0, 1) });
    await expect(startLoadAgent({ host: '127.0.0.1', port: agent.port, load: () => load(0, 1) })).rejects.toThrow(
      `LAYERLAB_AGENT_PORT ${agent.port}: the load agent can't listen on 127.0.0.1:${agent.port} (EADDRINUSE)`,
    );
    await agent.close();
  });
});
