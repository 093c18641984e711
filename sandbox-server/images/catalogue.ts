import { NPM_CACHE_URL, PYPI_CACHE_HOST, PYPI_CACHE_INDEX } from '../packages/cache-hosts.ts';
import { DEBIAN_SLIM_RULES } from './debian-slim.ts';
import type { StandInRecipe } from './stand-in-recipe.ts';

export type { StandInRecipe } from './stand-in-recipe.ts';

/**
 * The base images a learner's Dockerfile may start FROM (besides their own images).
 *
 * No registry answers on the machines this course runs on, so each image can also be made
 * locally as a "stand-in": built from Debian bookworm packages, with tags that state the
 * version really inside (Debian bookworm ships Node.js 18, Python 3.11, nginx 1.22 and
 * BusyBox 1.35). Where a registry does answer, the real image is pulled instead.
 */
export interface CatalogueImage {
  /** In familiar form: 'node', not 'docker.io/library/node'. */
  repository: string;
  /** The first is the primary tag; the rest are aliases for the same image ID. */
  tags: string[];
  /** One sentence a learner sees. */
  summary: string;
  /** How to make the image when no registry answers. */
  standIn: StandInRecipe;
}

// The PATH Debian's and BusyBox's official images set; without it `docker inspect` shows no Env.
const DEFAULT_PATH = 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const DEBIAN_BASE = 'debian:bookworm-slim';

// pip and npm look for packages where only the class package cache answers (packages/), and
// only inside a build, through its proxy; `pip install` and `npm install` work there as anywhere.
const PIP_CONF = `# Packages come from Layerlab's class package cache, reachable only during a build.
[global]
index-url = ${PYPI_CACHE_INDEX}
trusted-host = ${PYPI_CACHE_HOST}
`;
const NPMRC = `# Packages come from Layerlab's class package cache, reachable only during a build.
registry=${NPM_CACHE_URL}
`;

export const CATALOGUE: readonly CatalogueImage[] = [
  {
    repository: 'busybox',
    tags: ['latest', '1.35'],
    summary: 'BusyBox 1.35: a shell and the common Unix tools in a single 2 MB binary, on an otherwise empty image',
    standIn: {
      kind: 'busybox-static',
      binary: '/bin/busybox',
      requiredApplets: ['sh', 'ls', 'cat', 'echo', 'env', 'mkdir', 'sleep', 'ps', 'id', 'wget', 'httpd', 'nc', 'vi'],
      changes: [DEFAULT_PATH, 'CMD ["sh"]'],
      claims: '1.35',
      probes: [
        { name: 'busybox', command: 'busybox | head -n 1', pattern: 'BusyBox v(\\d+\\.\\d+\\.\\d+)' },
        { name: 'package', command: 'busybox | head -n 1', pattern: '\\(Debian ([^)]+)\\)' },
      ],
      source:
        "The host's Debian busybox-static {busybox} (package {package}) with a /bin link for each applet, in an otherwise empty image",
      outline: 'host busybox-static + applet links',
    },
  },
  {
    repository: 'debian',
    tags: ['bookworm-slim', '12-slim'],
    summary: 'Debian 12 (bookworm), slim: bash, apt and dpkg without docs, man pages or translations',
    standIn: {
      kind: 'debootstrap',
      suite: 'bookworm',
      variant: 'minbase',
      slim: DEBIAN_SLIM_RULES,
      changes: [DEFAULT_PATH, 'CMD ["bash"]'],
      claims: '12',
      probes: [{ name: 'debian', command: 'cat /etc/debian_version', pattern: '^(\\d+(?:\\.\\d+)*)' }],
      source: 'Debian {debian} (bookworm) minbase root filesystem from debootstrap, trimmed like the official slim image',
      outline: 'debootstrap bookworm minbase',
    },
  },
  {
    repository: 'python',
    tags: ['3.11-slim'],
    summary: 'Python 3.11 on Debian bookworm slim (pip included; `python` runs python3)',
    standIn: {
      kind: 'dockerfile',
      from: DEBIAN_BASE,
      // LANG: the official image sets a UTF-8 locale, so Python's I/O defaults to UTF-8.
      // EXTERNALLY-MANAGED: Debian's marker makes `pip install` refuse outside a venv; the
      // official image has no such marker, and lessons `RUN pip install` as it allows.
      dockerfile: `FROM ${DEBIAN_BASE}
ENV LANG=C.UTF-8
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-pip python-is-python3 \\
 && rm -f /usr/lib/python3.*/EXTERNALLY-MANAGED \\
 && rm -rf /var/lib/apt/lists/*
COPY pip.conf /etc/pip.conf
CMD ["python3"]
`,
      files: { 'pip.conf': PIP_CONF },
      claims: '3.11',
      probes: [
        { name: 'python', command: 'python3 --version', pattern: 'Python (\\d+\\.\\d+\\.\\d+)' },
        { name: 'pip', command: 'pip --version', pattern: '^pip (\\S+)' },
      ],
      source: 'Debian bookworm python3 {python} and pip {pip} installed on the debian:bookworm-slim stand-in',
      outline: 'debootstrap bookworm + python3, pip',
    },
  },
  {
    repository: 'node',
    tags: ['18-slim'],
    summary: 'Node.js 18 on Debian bookworm slim (npm included)',
    standIn: {
      kind: 'dockerfile',
      from: DEBIAN_BASE,
      // The official image has a `node` user (uid 1000) that lessons switch to with USER node.
      // ca-certificates lets npm reach its registry over HTTPS where the network allows.
      dockerfile: `FROM ${DEBIAN_BASE}
RUN groupadd --gid 1000 node \\
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \\
 && apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm ca-certificates \\
 && rm -rf /var/lib/apt/lists/*
COPY npmrc /etc/npmrc
CMD ["node"]
`,
      files: { npmrc: NPMRC },
      claims: '18',
      probes: [
        { name: 'nodejs', command: 'node --version', pattern: '^v(\\d+\\.\\d+\\.\\d+)' },
        { name: 'npm', command: 'npm --version', pattern: '^(\\d+\\.\\d+\\.\\d+)' },
      ],
      source: 'Debian bookworm nodejs {nodejs} and npm {npm} installed on the debian:bookworm-slim stand-in',
      outline: 'debootstrap bookworm + nodejs, npm',
    },
  },
  {
    repository: 'nginx',
    tags: ['1.22', 'latest'],
    summary: 'nginx 1.22 web server on Debian bookworm slim, serving /usr/share/nginx/html on port 80',
    standIn: {
      kind: 'dockerfile',
      from: DEBIAN_BASE,
      // Shaped like the official image: an `nginx` user runs the workers, conf.d/default.conf
      // serves /usr/share/nginx/html, logs go to the container's stdout and stderr, and
      // SIGQUIT asks nginx to finish its requests before stopping. Debian's own site and its
      // /var/www page are removed so that the welcome page is the one at /usr/share/nginx/html.
      dockerfile: `FROM ${DEBIAN_BASE}
RUN groupadd --system --gid 101 nginx \\
 && useradd --system --gid nginx --no-create-home --home /nonexistent --comment "nginx user" --shell /bin/false --uid 101 nginx \\
 && apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx \\
 && rm -rf /var/lib/apt/lists/* \\
 && sed -i 's/^user www-data;/user nginx;/' /etc/nginx/nginx.conf \\
 && rm -f /etc/nginx/sites-enabled/default \\
 && rm -rf /var/www/html \\
 && ln -sf /dev/stdout /var/log/nginx/access.log \\
 && ln -sf /dev/stderr /var/log/nginx/error.log
COPY default.conf /etc/nginx/conf.d/default.conf
COPY 50x.html /usr/share/nginx/html/50x.html
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
`,
      files: {
        // The official default.conf, less its `listen [::]:80`: containers on an IPv4-only
        // network have no IPv6 address to bind, and nginx would refuse to start.
        'default.conf': `server {
    listen       80;
    server_name  localhost;

    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }

    error_page   500 502 503 504  /50x.html;
    location = /50x.html {
        root   /usr/share/nginx/html;
    }
}
`,
        // Debian ships the welcome page but not the error page default.conf names.
        '50x.html': `<!DOCTYPE html>
<html>
<head><title>Error</title></head>
<body>
<h1>An error occurred.</h1>
<p>Sorry, the page you are looking for is currently unavailable. Please try again later.</p>
</body>
</html>
`,
      },
      claims: '1.22',
      probes: [{ name: 'nginx', command: 'nginx -v', pattern: 'nginx/(\\d+\\.\\d+\\.\\d+)' }],
      source: 'Debian bookworm nginx {nginx} installed on the debian:bookworm-slim stand-in, configured like the official image',
      outline: 'debootstrap bookworm + nginx',
    },
  },
];

/** 'node:18-slim' for the primary tag. */
export function primaryReference(image: CatalogueImage): string {
  return `${image.repository}:${image.tags[0]}`;
}

/** Every 'repository:tag' of one image, primary first. */
export function imageReferences(image: CatalogueImage): string[] {
  return image.tags.map((tag) => `${image.repository}:${tag}`);
}

/** Every 'repository:tag' in the catalogue, aliases included. */
export function catalogueReferences(): string[] {
  return CATALOGUE.flatMap(imageReferences);
}

/**
 * The catalogue image a repository and tag name, or undefined. The repository is in familiar
 * form ('node'); Docker Hub's long forms ('library/node', 'docker.io/library/node') mean the
 * same. The caller supplies the tag, 'latest' included.
 */
export function findCatalogueImage(repository: string, tag: string): CatalogueImage | undefined {
  const familiar = repository.replace(/^(?:docker\.io\/|index\.docker\.io\/|registry-1\.docker\.io\/)?(?:library\/)?/, '');
  return CATALOGUE.find((image) => image.repository === familiar && image.tags.includes(tag));
}

/** The catalogue image a stand-in is built FROM, if it is built from one. */
export function standInBase(image: CatalogueImage): CatalogueImage | undefined {
  if (image.standIn.kind !== 'dockerfile') return undefined;
  const from = image.standIn.from;
  const colon = from.lastIndexOf(':');
  const base = findCatalogueImage(from.slice(0, colon), from.slice(colon + 1));
  if (!base) throw new Error(`${primaryReference(image)} is built FROM ${from}, which is not in the catalogue`);
  return base;
}
