import { checkLabel } from './check-label.ts';
import { composeServices, isComposeFile } from './compose-services.ts';
import { solutionFiles, type Lesson } from './library.ts';

/**
 * The static cross-check of a lesson's ports: an `http` or `publishes` check asks for a host port,
 * so the solution must publish it, with `-p HOST:…` in a solution command or the Run button's
 * args, or in a Compose file's `ports`. A check on a port nothing publishes can never pass.
 */

/** Sentences (without the file), one per check whose port the solution never publishes. */
export function portProblems(lesson: Lesson): string[] {
  const checks = lesson.frontmatter.checks;
  if (!checks.some((check) => check.kind === 'http' || check.kind === 'publishes')) return [];
  const published = publishedPorts(lesson);
  return checks.flatMap((check, index) => {
    if ((check.kind !== 'http' && check.kind !== 'publishes') || published.has(check.port)) return [];
    const known = published.size > 0 ? ` (it publishes ${[...published].sort((a, b) => a - b).join(', ')})` : '';
    return [
      `${checkLabel(check, index)}: port ${check.port} is not published by the solution: no -p ${check.port}:… in solutionCommands or run.args, nor ports: "${check.port}:…" in a compose file${known}`,
    ];
  });
}

/** Every host port the solution publishes. */
export function publishedPorts(lesson: Lesson): Set<number> {
  const ports = new Set<number>();
  for (const line of [...lesson.frontmatter.solutionCommands, lesson.frontmatter.run.args]) {
    const words = line.trim().split(/\s+/);
    words.forEach((word, index) => {
      let value: string | undefined;
      if (word === '-p' || word === '--publish') value = words[index + 1];
      else if (word.startsWith('--publish=')) value = word.slice('--publish='.length);
      else if (word.startsWith('-p') && word.length > 2 && !word.startsWith('--')) value = word.slice(2);
      const port = value === undefined ? undefined : hostPort(value.replace(/^["']|["']$/g, ''));
      if (port !== undefined) ports.add(port);
    });
  }
  for (const [name, content] of solutionFiles(lesson)) {
    if (!isComposeFile(name)) continue;
    for (const port of composePorts(content)) ports.add(port);
  }
  return ports;
}

/** The host port of `8080:80`, `127.0.0.1:8080:80` or `8080:80/tcp`; a bare container port publishes none. */
function hostPort(mapping: string): number | undefined {
  const parts = mapping.split('/')[0]!.split(':');
  if (parts.length < 2) return undefined;
  const port = Number(parts[parts.length - 2]);
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

function composePorts(text: string): number[] {
  return composeServices(text).flatMap(([, { ports }]) => {
    if (!Array.isArray(ports)) return [];
    return ports.flatMap((entry: unknown) => {
      if (typeof entry === 'string') return hostPort(entry) ?? [];
      const port = Number((entry as { published?: unknown } | null)?.published);
      return Number.isInteger(port) && port > 0 ? [port] : [];
    });
  });
}
