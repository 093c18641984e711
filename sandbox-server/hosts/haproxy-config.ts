/**
 * The HAProxy configuration for several Layerlab hosts (docs/deploying.md), written by
 * `layerlab hosts haproxy`. A new browser goes to a host by weighted round robin (each host's load
 * agent sets its weight from its free seats), and HAProxy's own cookie then pins it there: the
 * page, the API calls, the terminal WebSocket and the previews of one learner always reach the
 * host whose engine holds their containers. The pin lives in the browser, not in a table, so a
 * reload of HAProxy or a flood of new clients never moves a learner. A host that is full or
 * draining (its agent says "drain") keeps its pinned learners and gets no new ones; a host that is
 * down loses them to another (option redispatch), where the page reopens the session from the
 * browser's copy of its files.
 */

export interface BalancedHost {
  /** A short name: HAProxy's server name and cookie value, sent back in X-Layerlab-Host. */
  name: string;
  /** host:port of its `layerlab serve`. */
  address: string;
  /** Its LAYERLAB_AGENT_PORT. */
  agentPort: number;
}

export interface BalancerOptions {
  /** Where HAProxy listens for plain HTTP, like `:80` or `127.0.0.1:8080`. */
  bind: string;
  hosts: BalancedHost[];
  /**
   * A PEM file (certificate and key) to serve HTTPS with on port 443; plain HTTP then only
   * redirects to it.
   */
  tlsCertificate?: string;
  /**
   * The domain the previews are served under, one subdomain per host: host `a` sets
   * LAYERLAB_PREVIEW_HOST=p-{token}-{port}.a.<domain>, and HAProxy sends `*.a.<domain>` to it. A
   * domain of its own (not the course's), so a learner's page can't set cookies for the course.
   */
  previewDomain?: string;
}

/** HAProxy's cookie that pins a browser to its host; HAProxy removes it before a request reaches Layerlab. */
export const ROUTE_COOKIE = 'layerlab_route';

const NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const HOST_PORT = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]):(\d{1,5})$/;
const BIND = /^(?:[A-Za-z0-9.-]{0,253}|\[[0-9A-Fa-f:.]{2,45}\]):(\d{1,5})$/;
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?){1,10}$/;
/** A file path HAProxy reads as one word: no spaces, quotes or # (a comment). */
const CONFIG_PATH = /^\/[A-Za-z0-9._/-]{1,400}$/;

export class BalancerConfigError extends Error {}

/** A port in 1–65535, from text that is only digits. */
export function isPort(text: string | undefined): boolean {
  return text !== undefined && /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
}

function checkOptions({ bind, hosts, tlsCertificate, previewDomain }: BalancerOptions): void {
  if (!isPort(BIND.exec(bind)?.[1])) throw new BalancerConfigError(`--bind "${bind}": give an address and port like :80 or 127.0.0.1:8080`);
  if (tlsCertificate !== undefined && !CONFIG_PATH.test(tlsCertificate)) {
    throw new BalancerConfigError(`--tls-cert "${tlsCertificate}": give the absolute path of a PEM file (letters, digits, . _ - and /)`);
  }
  if (previewDomain !== undefined && !DOMAIN.test(previewDomain)) {
    throw new BalancerConfigError(`--preview-domain "${previewDomain}": give a lowercase domain like previews.example.net`);
  }
  if (hosts.length === 0) throw new BalancerConfigError('name at least one host: --host a=10.0.0.11:4321');
  const names = new Set<string>();
  for (const host of hosts) {
    if (!NAME.test(host.name)) throw new BalancerConfigError(`host "${host.name}": a name is lowercase letters, digits, - and _, at most 32`);
    if (names.has(host.name)) throw new BalancerConfigError(`host "${host.name}" is named twice`);
    names.add(host.name);
    if (!isPort(HOST_PORT.exec(host.address)?.[1])) throw new BalancerConfigError(`host ${host.name}: "${host.address}" is not host:port`);
    if (!isPort(String(host.agentPort))) throw new BalancerConfigError(`host ${host.name}: the agent port ${host.agentPort} is not a port (1–65535)`);
  }
}

/** What a browser reads when no host can take it: HAProxy's own page, in the course's words. */
const NO_HOST_PAGE =
  '<!doctype html><meta charset=utf-8><title>The course is full</title><p>Every host of this course is full or restarting. Try again in a few minutes; your work is kept in this browser.</p>';

export function haproxyConfig(options: BalancerOptions): string {
  checkOptions(options);
  const { hosts, tlsCertificate, previewDomain } = options;
  const frontend = tlsCertificate
    ? [`  bind ${options.bind}`, `  bind :443 ssl crt ${tlsCertificate}`, '  http-request redirect scheme https code 301 unless { ssl_fc }']
    : [`  bind ${options.bind}`];
  const previews = previewDomain ? hosts.map((host) => `  use-server ${host.name} if { hdr(host),field(1,:) -m end .${host.name}.${previewDomain} }`) : [];
  const servers = hosts.map(
    // weight 100: the agent's "ready 40%" is a share of it, and a share of HAProxy's default 1 rounds to 0.
    (host) => `  server ${host.name} ${host.address} cookie ${host.name} weight 100 check inter 2s fall 2 rise 2 agent-check agent-port ${host.agentPort} agent-inter 2s`,
  );
  return `# Written by \`layerlab hosts haproxy\` (docs/deploying.md), for HAProxy 2.6 or later.
global
  log stdout format raw local0 warning
  user haproxy
  group haproxy

defaults
  mode http
  log global
  option httplog
  option forwardfor
  timeout connect 5s
  timeout http-request 10s
  timeout client 2m
  timeout server 10m
  # A terminal WebSocket stays open for the whole lesson.
  timeout tunnel 4h
  http-error status 503 content-type "text/html; charset=utf-8" string "${NO_HOST_PAGE}"

frontend layerlab
${frontend.join('\n')}
  default_backend hosts

backend hosts
  balance roundrobin
  # The pin: which host this browser belongs to, kept for a day of use (longer than any session).
  cookie ${ROUTE_COOKIE} insert indirect nocache httponly maxidle 4h maxlife 24h attr "Max-Age=86400" attr "SameSite=Lax"${tlsCertificate ? ' secure' : ''}
  # A host that is down gives its browsers to another one, where the page reopens the session.
  option redispatch
  retries 2
  option httpchk
  http-check send meth GET uri /api/health ver HTTP/1.1 hdr Host localhost
  http-check expect string '"engine":true'
  http-response set-header X-Layerlab-Host %s
${[...previews, ...servers].join('\n')}
`;
}
