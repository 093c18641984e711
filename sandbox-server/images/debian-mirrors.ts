import { readFileSync } from 'node:fs';
import { readEnvironment } from '../config/environment.ts';

/** Where Debian packages come from: the archive (suite, suite-updates) and the security archive. */
export interface DebianMirrors {
  archive: string;
  security: string;
}

export const DEFAULT_DEBIAN_MIRRORS: DebianMirrors = {
  archive: 'http://deb.debian.org/debian',
  security: 'http://deb.debian.org/debian-security',
};

const HOST_SOURCES = ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list'];

/**
 * The mirrors this host's apt already uses, since those are known to answer from here.
 * LAYERLAB_DEBIAN_MIRROR overrides the archive.
 */
export async function hostDebianMirrors(env: NodeJS.ProcessEnv = process.env): Promise<DebianMirrors> {
  return hostDebianMirrorsNow(env);
}

/** The same, read at once: the build policy (config/policy.ts) is made synchronously. */
export function hostDebianMirrorsNow(env: NodeJS.ProcessEnv = process.env): DebianMirrors {
  let found: Partial<DebianMirrors> = {};
  for (const path of HOST_SOURCES) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    const sources = path.endsWith('.sources') ? parseDeb822Sources(text) : parseOneLineSources(text);
    found = { ...mirrorsFrom(sources), ...found };
  }
  return {
    archive: readEnvironment(env).LAYERLAB_DEBIAN_MIRROR ?? (found.archive || DEFAULT_DEBIAN_MIRRORS.archive),
    security: found.security || DEFAULT_DEBIAN_MIRRORS.security,
  };
}

/** apt's sources for `suite`, in the deb822 form Debian's own bookworm image ships. */
export function debianSourcesFile(suite: string, mirrors: DebianMirrors): string {
  const keyring = '/usr/share/keyrings/debian-archive-keyring.gpg';
  return [
    'Types: deb',
    `URIs: ${mirrors.archive}`,
    `Suites: ${suite} ${suite}-updates`,
    'Components: main',
    `Signed-By: ${keyring}`,
    '',
    'Types: deb',
    `URIs: ${mirrors.security}`,
    `Suites: ${suite}-security`,
    'Components: main',
    `Signed-By: ${keyring}`,
    '',
  ].join('\n');
}

interface AptSource {
  uri: string;
  suites: string[];
}

export function parseDeb822Sources(text: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon);
      if (colon > 0 && /^[A-Za-z-]+$/.test(name)) fields.set(name.toLowerCase(), line.slice(colon + 1).trim());
    }
    const types = (fields.get('types') ?? '').split(/\s+/);
    const uri = (fields.get('uris') ?? '').split(/\s+/)[0];
    if (!types.includes('deb') || !uri || fields.get('enabled') === 'no') continue;
    sources.push({ uri, suites: (fields.get('suites') ?? '').split(/\s+/).filter(Boolean) });
  }
  return sources;
}

export function parseOneLineSources(text: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const raw of text.split('\n')) {
    // Options such as [signed-by=...] sit between `deb` and the URI.
    const line = withoutOptions(raw.split('#')[0]!).trim();
    const [type, uri, suite] = line.split(/\s+/);
    if (type === 'deb' && uri && suite) sources.push({ uri, suites: [suite] });
  }
  return sources;
}

/** The line without its first `[option=value …]` group. */
function withoutOptions(line: string): string {
  const open = line.indexOf('[');
  const close = line.indexOf(']', open);
  return open < 0 || close < 0 ? line : line.slice(0, open) + line.slice(close + 1);
}

function mirrorsFrom(sources: AptSource[]): Partial<DebianMirrors> {
  const mirrors: Partial<DebianMirrors> = {};
  for (const source of sources) {
    let uri = source.uri;
    while (uri.endsWith('/')) uri = uri.slice(0, -1);
    if (source.suites.some((suite) => suite.endsWith('-security'))) mirrors.security ??= uri;
    else if (source.suites.length > 0) mirrors.archive ??= uri;
  }
  return mirrors;
}
