import { catalogueReferences } from '../images/catalogue.ts';
import type { ScopedEngine } from '../scope/scoped-engine.ts';
import type { Session } from '../sessions/session.ts';
import { COMMANDS } from './commands.ts';
import { DOCKER_COMMANDS, findDockerCommand } from './docker/index.ts';

type Kind = 'images' | 'containers' | 'volumes' | 'files' | 'none';

/** What the positional words of each docker command name, for Tab. */
const POSITIONAL_KIND: Record<string, Kind> = {
  'container run': 'images',
  'image pull': 'images',
  'image rm': 'images',
  'image tag': 'images',
  'image history': 'images',
  'image inspect': 'images',
  'container start': 'containers',
  'container stop': 'containers',
  'container restart': 'containers',
  'container kill': 'containers',
  'container rm': 'containers',
  'container logs': 'containers',
  'container diff': 'containers',
  'container exec': 'containers',
  'container inspect': 'containers',
  inspect: 'containers',
  'volume rm': 'volumes',
  'volume inspect': 'volumes',
  'image build': 'none',
};

const GROUPS = ['container', 'image', 'volume'];

/** Completions for the word under the cursor, as readline's completer wants them. */
export async function complete(line: string, session: Session, engine: ScopedEngine): Promise<[string[], string]> {
  const words = line.split(/\s+/);
  const current = words.pop() ?? '';
  const startsWith = (candidates: Iterable<string>) =>
    [...new Set(candidates)].filter((candidate) => candidate.startsWith(current)).sort();

  if (words.length === 0) return [startsWith(COMMANDS.map((command) => command.name)), current];
  const [name, ...rest] = words.filter(Boolean);
  if (name === 'cat' || name === 'ls') return [startsWith(session.files.keys()), current];
  if (name !== 'docker') return [[], current];

  if (rest.length === 0) {
    const oneWord = DOCKER_COMMANDS.flatMap((command) => [command.path, ...(command.aliases ?? [])]).filter((path) => !path.includes(' '));
    return [startsWith([...oneWord, ...GROUPS]), current];
  }
  if (rest.length === 1 && GROUPS.includes(rest[0]!)) {
    const group = rest[0]!;
    const subcommands = DOCKER_COMMANDS.flatMap((command) => [command.path, ...(command.aliases ?? [])])
      .filter((path) => path.startsWith(`${group} `))
      .map((path) => path.slice(group.length + 1));
    return [startsWith(subcommands), current];
  }
  const found = findDockerCommand(rest);
  if (!found) return [[], current];
  if (current.startsWith('-')) {
    const flags = found.command.flags.flatMap((flag) => [`--${flag.long}`, ...(flag.short ? [`-${flag.short}`] : [])]);
    return [startsWith(flags), current];
  }
  const previous = rest.at(-1);
  if (found.command.path === 'image build' && (previous === '-f' || previous === '--file')) {
    return [startsWith(session.files.keys()), current];
  }
  return [startsWith(await candidates(POSITIONAL_KIND[found.command.path] ?? 'none', engine, found.command.path)), current];
}

async function candidates(kind: Kind, engine: ScopedEngine, path: string): Promise<string[]> {
  try {
    if (kind === 'images') {
      const own = (await engine.images()).flatMap((image) => image.tags.flatMap((tag) => [tag, tag.replace(/:latest$/, '')]));
      return path === 'container run' || path === 'image pull' ? [...own, ...catalogueReferences()] : own;
    }
    if (kind === 'containers') {
      const containers = await engine.containers({ all: true });
      const images = path === 'inspect' ? (await engine.images()).flatMap((image) => image.tags) : [];
      return [...containers.map((container) => container.name), ...images];
    }
    if (kind === 'volumes') return (await engine.volumes()).map((volume) => volume.name);
  } catch {
    // the engine is away: no suggestions rather than an error under the cursor
  }
  return [];
}
