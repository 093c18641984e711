import { parse as parseYaml } from 'yaml';

/** The file names Docker Compose reads: compose.yaml, docker-compose.yml, compose.override.yaml, … */
export function isComposeFile(path: string): boolean {
  return /^(?:docker-)?compose(?:\.[\w-]+)?\.ya?ml$/i.test(path.split('/').at(-1) ?? path);
}

/** A Compose file's services by name, each as written; none when the file does not parse (the engine says why when it runs). */
export function composeServices(text: string): [name: string, definition: Record<string, unknown>][] {
  let document: unknown;
  try {
    document = parseYaml(text, { maxAliasCount: 10 });
  } catch {
    return [];
  }
  const services = (document as { services?: unknown } | null)?.services;
  if (!services || typeof services !== 'object') return [];
  return Object.entries(services as Record<string, unknown>).map(([name, definition]) => [
    name,
    definition && typeof definition === 'object' ? (definition as Record<string, unknown>) : {},
  ]);
}
