import { z } from 'zod';
import { parseBytes, parseDuration } from './units.ts';

/**
 * Every environment variable the server reads, in one zod schema that is also their
 * documentation: README.md's tables are generated from it (`npm run docs:env`), and a unit test
 * fails when they drift apart. Each entry reads the operator's text (`512m`, `30m`, `1`) into the
 * value the server uses; an unreadable one stops the server with a sentence naming the variable.
 */

type Section = 'limits' | 'server';

/** What the README shows for a variable besides its meaning: its table, and its default as an operator writes it. */
interface Shown {
  description: string;
  section: Section;
  shownDefault: string;
}

type Fallback = { text: string } | { computed: string };

/**
 * A variable: `fallback` is either the operator's text the server uses when it is unset (read by
 * the same schema, and shown in backticks), or prose for a default the server works out itself
 * (`number of cores`), in which case the value is optional here.
 */
function variable<T extends z.ZodType<unknown, string>>(section: Section, schema: T, fallback: { text: string }, meaning: string): z.ZodPrefault<T>;
function variable<T extends z.ZodType<unknown, string>>(section: Section, schema: T, fallback: { computed: string }, meaning: string): z.ZodOptional<T>;
function variable<T extends z.ZodType<unknown, string>>(section: Section, schema: T, fallback: Fallback, meaning: string) {
  const shownDefault = 'text' in fallback ? `\`${fallback.text}\`` : fallback.computed;
  const meta = { description: meaning, section, shownDefault } satisfies Shown;
  return 'text' in fallback ? schema.prefault(fallback.text as never).meta(meta) : schema.optional().meta(meta);
}

/** A text that must read as `parse` reads it; the message is the parser's own sentence. */
function parsed<T>(parse: (text: string) => T) {
  return z.string().transform((text, context) => {
    try {
      return parse(text);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });
}

const bytes = parsed(parseBytes);
const duration = parsed(parseDuration);
const positive = parsed((text) => {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`"${text}" is not a positive number`);
  return value;
});
const count = parsed((text) => {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`"${text}" is not a positive number`);
  return Math.floor(value);
});
const whole = parsed((text) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`"${text}" is not a whole number`);
  return value;
});
const list = z.string().transform((text) => text.split(',').map((item) => item.trim()).filter(Boolean));
const flag = z.string().transform((text) => text === '1');
const port = parsed((text) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`"${text}" is not a port number`);
  return value;
});

const limits = variable.bind(undefined, 'limits') as {
  <T extends z.ZodType<unknown, string>>(schema: T, fallback: { text: string }, meaning: string): z.ZodPrefault<T>;
  <T extends z.ZodType<unknown, string>>(schema: T, fallback: { computed: string }, meaning: string): z.ZodOptional<T>;
};
const server = variable.bind(undefined, 'server') as typeof limits;

export const ENVIRONMENT = z.object({
  LAYERLAB_CONTAINER_MEMORY: limits(bytes, { text: '256m' }, 'Memory per container (swap is set equal, so no extra swap)'),
  LAYERLAB_CONTAINER_CPUS: limits(positive, { text: '0.5' }, 'CPUs per container'),
  LAYERLAB_CONTAINER_PIDS: limits(count, { text: '128' }, 'Processes per container'),
  LAYERLAB_CONTAINER_LOG_MAX: limits(bytes, { text: '1m' }, 'Log size kept per container'),
  LAYERLAB_CONTAINER_CAPABILITIES: limits(list, { text: 'CHOWN,SETUID,SETGID,FOWNER,DAC_OVERRIDE,NET_BIND_SERVICE,KILL' }, 'Capabilities kept after dropping all'),
  LAYERLAB_BUILD_MEMORY: limits(bytes, { text: '512m' }, 'Memory per build step (swap equal)'),
  LAYERLAB_BUILD_CPUS: limits(positive, { text: '0.5' }, 'CPUs per build'),
  LAYERLAB_BUILD_PIDS: limits(count, { text: '256' }, 'Processes per build'),
  LAYERLAB_BUILD_TIMEOUT: limits(duration, { text: '5m' }, 'Wall time per build'),
  LAYERLAB_BUILD_CONCURRENCY: limits(count, { computed: 'number of cores' }, 'Builds at once across all learners; the rest queue and see their place'),
  LAYERLAB_BUILDS_PER_ADDRESS: limits(count, { computed: 'all slots but one' }, 'Of those, the most one client address may hold; addresses take turns for a freed slot'),
  LAYERLAB_CONTEXT_MAX_FILES: limits(count, { text: '200' }, 'Files in a workspace (and build context)'),
  LAYERLAB_CONTEXT_MAX_BYTES: limits(bytes, { text: '8m' }, 'Bytes in a workspace'),
  LAYERLAB_FILE_MAX_BYTES: limits(bytes, { text: '1m' }, 'Bytes per workspace file'),
  LAYERLAB_IMAGE_MAX_BYTES: limits(bytes, { text: '2g' }, 'Size of an image a build may produce'),
  LAYERLAB_MAX_RUNNING_CONTAINERS: limits(count, { text: '5' }, 'Running containers per session'),
  LAYERLAB_MAX_CONTAINERS: limits(count, { text: '20' }, 'Containers (running or stopped) per session'),
  LAYERLAB_MAX_IMAGES: limits(count, { text: '10' }, 'Tagged images per session'),
  LAYERLAB_MAX_VOLUMES: limits(count, { text: '10' }, 'Volumes per session'),
  LAYERLAB_MAX_NETWORKS: limits(count, { text: '3' }, "Networks a session may create (Compose makes one per project); each is internal, like the session's own"),
  LAYERLAB_SESSION_IDLE_TTL: limits(duration, { text: '30m' }, 'A session unused this long ends and its objects are removed'),
  LAYERLAB_SESSION_HARD_TTL: limits(duration, { text: '2h' }, 'No session lives longer'),
  LAYERLAB_MAX_SESSIONS: limits(count, { text: '200' }, 'Sessions at once'),
  LAYERLAB_SESSIONS_PER_ADDRESS: limits(count, { text: '20' }, 'Live sessions one client address may hold (a class behind one NAT address needs more, or `LAYERLAB_TRUST_PROXY`)'),
  LAYERLAB_SESSIONS_PER_ADDRESS_PER_HOUR: limits(count, { text: '300' }, 'New sessions one address may open per hour'),
  LAYERLAB_SESSION_UNOPENED_TTL: limits(duration, { text: '5m' }, 'A session whose terminal never opened ends this soon'),
  LAYERLAB_OUTPUT_CAP: limits(bytes, { text: '512k' }, 'Output one command may print in lines mode (a piped `layerlab shell`) before it is cut with a notice'),
  LAYERLAB_TTY_BYTES_PER_SECOND: limits(bytes, { text: '1m' }, "Output rate of the workbench's terminal; a faster program is slowed (the server stops reading it for the rest of the second), and nothing is lost"),
  LAYERLAB_REAPER_INTERVAL: limits(duration, { text: '60s' }, 'How often expired sessions and orphaned objects are removed'),
  LAYERLAB_DISK_MIN_FREE: limits(bytes, { text: '5g' }, "Free space kept on the engine's disk: below it, new builds, pulls, commits and imports are refused with a sentence, and what learners have is kept; `0` turns the watermark off"),
  LAYERLAB_SERVICE_CHECK_INTERVAL: limits(duration, { text: '10s' }, 'How often the class registry and the package cache are looked at, and started again if one died (a command that needs one also looks first)'),

  LAYERLAB_WARM_WORKBENCHES: server(whole, { text: '2' }, "Workbenches kept started ahead of learners, so a new session's first prompt comes at once; `0` starts each when its terminal first opens"),
  PORT: server(port, { text: '4321' }, 'Where the site and the sandbox listen'),
  HOST: server(z.string(), { text: '127.0.0.1' }, 'The address the site and the sandbox listen on'),
  LAYERLAB_AGENT_PORT: server(port, { computed: '(none)' }, "Port of this host's load agent, for HAProxy's `agent-check` in front of several hosts: it answers `ready` with the free seats as a weight, or `drain` when the host is full or draining (docs/deploying.md)"),
  LAYERLAB_ALLOWED_ORIGINS: server(list, { computed: "(the page's own origin)" }, 'Comma-separated origins allowed to open the terminal, when served behind a proxy under another name'),
  LAYERLAB_ALLOWED_HOSTS: server(list, { computed: '(loopback names and IP addresses)' }, "Comma-separated host names the server answers to besides those and the allowed origins' hosts; any other `Host` gets 421 (DNS rebinding)"),
  LAYERLAB_PREVIEW_HOST: server(
    z.string(),
    { text: 'p-{token}-{port}.localhost' },
    "Host name of a session's preview of a published port, served on the server's own port; `{token}` (the session's preview token) and `{port}` go in the first label. A real domain needs wildcard DNS for it (`p-{token}-{port}.preview.example.org`)",
  ),
  LAYERLAB_TRUST_PROXY: server(z.string(), { computed: 'off' }, "Whose `X-Forwarded-For` gives the client's address for the per-address limits: `1` for the one proxy in front (the address it adds; whatever a client wrote before it is ignored), or comma-separated proxy addresses and CIDRs"),
  LAYERLAB_SECURE_COOKIES: server(flag, { computed: 'off' }, '`1` marks the session cookie Secure (serve over HTTPS) and sends HSTS'),
  LAYERLAB_INSTANCE: server(
    z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be lowercase letters, digits and dashes, at most 32'),
    { text: 'main' },
    'Name on every engine object. One live server per name on an engine: a second one refuses to start, naming this variable. `npm run dev`, the tests and `lessons check` use names of their own',
  ),
  LAYERLAB_STATE_DIR: server(z.string(), { computed: '`.layerlab/<instance>`' }, "Where sessions are kept across restarts, and the sessions' boundary sockets (`s/<namespace>/docker.sock`; keep the path short, a socket's is at most 107 bytes)"),
  LAYERLAB_CLASS_DB: server(
    z.string(),
    { computed: '`<state dir>/classes.sqlite`' },
    "The class database: classes, learners, their check results and command history (docs/teaching.md); keep it across restarts and upgrades. A path is a SQLite file, for one host; a `postgres://user:password@host:5432/db` URL is a PostgreSQL database, which every host serving a class must share (docs/deploying.md)",
  ),
  LAYERLAB_LOG_DIR: server(z.string(), { computed: '`.layerlab/logs`' }, "dockerd's and apt's logs, when the server had to install or start the engine"),
  LAYERLAB_SITE_DIR: server(z.string(), { computed: "`dist` (a course of one's own: `.layerlab/sites/<name>-<hash>`)" }, 'The built lesson site the server serves'),
  LAYERLAB_COURSE: server(z.string(), { computed: 'this repository' }, 'The course to serve: a folder with `lessons/` (one folder per lesson) and optionally `course.yml` (title, summary) and `catalogue.yml` (base images it adds); the same as `--course DIR` (docs/teaching.md)'),
  LAYERLAB_LESSONS_DIR: server(z.string(), { computed: "the course's `lessons/`" }, "Another lessons folder than the course's own (one folder per lesson); tests use it for fixtures"),
  LAYERLAB_PULL: server(z.string().transform((text) => text !== '0'), { computed: 'on' }, '`0` skips trying a registry for base images'),
  LAYERLAB_REGISTRY_PORT: server(port, { text: '5000' }, 'Port of the class registry (Debian\'s `docker-registry`, started with the server on 127.0.0.1) that `docker push` and `docker pull` use; learners call it `localhost:5000` whatever the port'),
  LAYERLAB_REGISTRY_DIR: server(z.string(), { computed: '`/var/lib/layerlab/registry` (as root)' }, "The class registry's layers, config and login, shared by every Layerlab server on the machine"),
  LAYERLAB_NETWORK_POOL: server(z.string(), { text: '10.200.0.0/16' }, 'Address pool session networks take their /28 subnets from'),
  LAYERLAB_CATALOGUE: server(z.string(), { computed: '(none)' }, "An operator's catalogue file (YAML, like `catalogue.yml`) whose base images are added to the shipped ones; an entry replaces every shipped entry it shares a repository:tag with (docs/catalogue.md)"),
  LAYERLAB_CACHE_DIR: server(z.string(), { computed: '`.layerlab/cache`' }, 'Where slow-to-make inputs (the stand-ins\' root filesystems) are kept between runs'),
  LAYERLAB_DEBIAN_MIRROR: server(z.string().url('is not a URL like http://deb.debian.org/debian'), { computed: "the host's apt sources" }, 'The Debian mirror the stand-in images are built from'),
  LAYERLAB_PACKAGE_CACHE: server(
    z.enum(['on', 'off'], { error: 'is not on or off' }),
    { text: 'on' },
    "The class package cache: builds reach the npm registry, PyPI and Debian's mirror through it, and nothing else; `off` gives builds no network at all",
  ),
  LAYERLAB_PACKAGE_CACHE_SUBNET: server(
    z.string().regex(/^10\.\d{1,3}\.\d{1,3}\.0\/(2[4-9])$/, 'must be a 10.x.y.0 subnet from /24 to /29, like 10.201.0.0/29'),
    { text: '10.201.0.0/29' },
    "The builds' network; the cache's proxy listens on its first address, port 3128. Keep it outside `LAYERLAB_NETWORK_POOL`",
  ),
  LAYERLAB_PACKAGE_CACHE_DIR: server(z.string(), { computed: '`/var/lib/layerlab/packages` (as root)' }, 'The package cache: downloaded packages, its proxy\'s and npm cache\'s configuration and logs, shared by every Layerlab server on the machine'),
  LAYERLAB_NPM_REGISTRY: server(z.string().url('is not a URL like https://registry.npmjs.org/'), { text: 'https://registry.npmjs.org/' }, 'The npm registry (or your mirror of it) the cache fetches from'),
  LAYERLAB_PYPI_INDEX: server(list, { computed: "the host's pip indexes, else `https://pypi.org/simple/`" }, "Comma-separated Python package indexes the cache serves: the URL of a simple index (PyPI or your mirror), or folders laid out as one (`<folder>/<project>/index.html` with relative links)"),
  LAYERLAB_PYPI_FILES: server(z.string().url('is not a URL like https://files.pythonhosted.org/'), { text: 'https://files.pythonhosted.org/' }, "Where a remote index's file links point; the cache fetches and keeps those files"),
  DOCKER_HOST: server(z.string(), { computed: 'the default socket' }, 'The engine to use'),
  LOG_LEVEL: server(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'is not a log level: fatal, error, warn, info, debug, trace or silent' }),
    { text: 'info' },
    'Server log level (pino)',
  ),
});

export type Environment = z.infer<typeof ENVIRONMENT>;

/**
 * The environment as the server uses it. An empty variable counts as unset; one that doesn't read
 * stops here with a sentence: `LAYERLAB_CONTAINER_MEMORY: "lots" is not a size; …`.
 */
export function readEnvironment(env: Record<string, string | undefined>): Environment {
  const known = Object.fromEntries(
    Object.keys(ENVIRONMENT.shape).flatMap((name) => {
      const value = env[name];
      return value === undefined || value.trim() === '' ? [] : [[name, value]];
    }),
  );
  const result = ENVIRONMENT.safeParse(known);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = String(issue.path[0]);
  throw new Error(`${name}: ${issue.code === 'custom' ? issue.message : `"${known[name]}" ${issue.message}`}`);
}

/** README.md's two tables of variables, as `npm run docs:env` writes them. */
export function environmentTables(): Record<Section, string> {
  const rows: Record<Section, string[]> = { limits: [], server: [] };
  for (const [name, schema] of Object.entries(ENVIRONMENT.shape)) {
    const shown = schema.meta() as unknown as Shown;
    rows[shown.section].push(`| \`${name}\` | ${shown.shownDefault} | ${shown.description} |`);
  }
  const table = (section: Section) => ['| Variable | Default | Meaning |', '|---|---|---|', ...rows[section]].join('\n');
  return { limits: table('limits'), server: table('server') };
}
