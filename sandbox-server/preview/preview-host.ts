import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Session } from '../sessions/session.ts';
import type { SessionStore } from '../sessions/store.ts';

/**
 * The preview's address: one host per session and port, e.g. p-<token>-8080.localhost. A page the
 * learner's container serves is then of another origin than the lesson site, so its script can
 * neither read the site's pages nor send requests with the site's cookie, however it was written.
 * The token, not the session id (the cookie secret), names the session: a preview URL can be
 * shared or shown without handing over the session.
 */

/** Hex, because host names are case-insensitive; 128 bits, because it is the only key. */
const TOKEN_HEX = 32;

export interface PreviewHostPattern {
  /** The pattern as the operator wrote it: `p-{token}-{port}.localhost`. */
  text: string;
  /** The labels after the first, which must hold both placeholders: `.localhost`. */
  suffix: string;
  /** The first label, split at its placeholders. */
  before: string;
  between: string;
  after: string;
  /** Whether {token} comes before {port} in the first label. */
  tokenFirst: boolean;
}

const LABEL_TEXT = /^[a-z0-9-]*$/;
const SUFFIX_TEXT = /^(\.[a-z0-9-]+)+$/;

/** Reads LAYERLAB_PREVIEW_HOST; both placeholders in the first label, so one CSP wildcard covers every preview. */
export function parsePreviewHost(text: string): PreviewHostPattern {
  const lower = text.trim().toLowerCase();
  const dot = lower.indexOf('.');
  const first = dot < 0 ? lower : lower.slice(0, dot);
  const suffix = dot < 0 ? '' : lower.slice(dot);
  const token = first.indexOf('{token}');
  const port = first.indexOf('{port}');
  const problem = `"${text}" is not a host pattern like p-{token}-{port}.localhost (both placeholders once, in the first label, then a domain)`;
  if (token < 0 || port < 0 || first.indexOf('{token}', token + 1) >= 0 || first.indexOf('{port}', port + 1) >= 0 || !SUFFIX_TEXT.test(suffix)) {
    throw new Error(problem);
  }
  const tokenFirst = token < port;
  const [a, b] = tokenFirst ? ['{token}', '{port}'] : ['{port}', '{token}'];
  const before = first.slice(0, first.indexOf(a));
  const between = first.slice(first.indexOf(a) + a.length, first.indexOf(b));
  const after = first.slice(first.indexOf(b) + b.length);
  if (![before, between, after].every((part) => LABEL_TEXT.test(part)) || between === '') throw new Error(problem);
  return { text: lower, suffix, before, between, after, tokenFirst };
}

export interface PreviewAddress {
  token: string;
  port: number;
}

/**
 * The token and port a Host header names, or undefined when it is no preview host. Plain string
 * slicing (the token has a fixed length), so no pattern can make it slow.
 */
export function matchPreviewHost(pattern: PreviewHostPattern, host: string | undefined): PreviewAddress | undefined {
  if (!host || host.length > 255) return undefined;
  let name = host.toLowerCase();
  const colon = name.lastIndexOf(':');
  if (colon >= 0) name = name.slice(0, colon);
  if (!name.endsWith(pattern.suffix)) return undefined;
  let first = name.slice(0, name.length - pattern.suffix.length);
  if (first.includes('.') || !first.startsWith(pattern.before) || !first.endsWith(pattern.after)) return undefined;
  first = first.slice(pattern.before.length, first.length - pattern.after.length);
  let token: string;
  let portText: string;
  if (pattern.tokenFirst) {
    token = first.slice(0, TOKEN_HEX);
    if (!first.startsWith(pattern.between, TOKEN_HEX)) return undefined;
    portText = first.slice(TOKEN_HEX + pattern.between.length);
  } else {
    token = first.slice(first.length - TOKEN_HEX);
    const rest = first.slice(0, first.length - TOKEN_HEX);
    if (!rest.endsWith(pattern.between)) return undefined;
    portText = rest.slice(0, rest.length - pattern.between.length);
  }
  if (!/^[0-9a-f]{32}$/.test(token) || !/^[0-9]{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65535 || String(port) !== portText) return undefined;
  return { token, port };
}

/** The host name of one session's preview of one port. */
export function previewHostname(pattern: PreviewHostPattern, token: string, port: number): string {
  return pattern.text.replace('{token}', token).replace('{port}', String(port));
}

/**
 * The preview's URL as the page that asks reaches this server: its scheme, and its port (the
 * preview is served by the same listener, so it is reached through the same port).
 */
export function previewUrl(pattern: PreviewHostPattern, token: string, port: number, page: { protocol: string; host: string | undefined }): string {
  return `${page.protocol}://${previewHostname(pattern, token, port)}${portSuffix(page.host)}/`;
}

/**
 * The CSP source that allows every preview and no other host: `*.localhost:4321`. Without a
 * scheme it means the page's own (and https from an http page), as the preview's URL has.
 */
export function previewFrameSource(pattern: PreviewHostPattern, pageHost: string | undefined): string {
  return `*${pattern.suffix}${portSuffix(pageHost)}`;
}

function portSuffix(host: string | undefined): string {
  const match = host ? /:([0-9]{1,5})$/.exec(host) : null;
  return match && !host!.endsWith(']') ? `:${match[1]}` : '';
}

/** The session's preview token, made the first time it is asked for and kept with the session. */
export function previewTokenOf(session: Session, store: SessionStore): string {
  if (!session.record.previewToken) {
    session.record.previewToken = randomBytes(TOKEN_HEX / 2).toString('hex');
    store.changed();
  }
  return session.record.previewToken;
}

export function sessionForPreviewToken(store: SessionStore, token: string): Session | undefined {
  const wanted = Buffer.from(token);
  for (const session of store.all()) {
    const own = session.record.previewToken;
    if (own && own.length === token.length && timingSafeEqual(Buffer.from(own), wanted) && !store.isExpired(session)) return session;
  }
  return undefined;
}
