import { catalogueReferences, findCatalogueImage } from '../images/catalogue.ts';
import { formatReference, InvalidReferenceError, parseReference } from '../scope/reference.ts';
import { composeServices, isComposeFile } from './compose-services.ts';
import type { Lesson } from './library.ts';

/**
 * The base images a lesson needs, and which of them the catalogue lacks. A lesson names images in
 * its Dockerfiles' FROM lines, its Compose files' `image:` keys, its checks' `base:` and `image:`, and its
 * solution commands (`docker run`, `docker pull`, `docker create`). Any of those that is neither
 * the lesson's own image (its `image`, a `-t` or `docker tag` name, a Compose service it builds)
 * nor the class registry's must be in the catalogue, or the lesson cannot work on this server.
 */

/** Where a lesson names an image, for the sentence. */
interface NamedImage {
  name: string;
  where: string;
}

/** docker run / create flags that take the next word as their value (when not written --flag=value). */
const VALUE_FLAGS = new Set(
  [
    '-p', '--publish', '-e', '--env', '--env-file', '-v', '--volume', '--mount', '--name', '-w', '--workdir', '-u', '--user',
    '--network', '--net', '--entrypoint', '-l', '--label', '--label-file', '-m', '--memory', '--memory-swap', '--cpus',
    '--restart', '-h', '--hostname', '--add-host', '--expose', '--pids-limit', '--stop-signal', '--stop-timeout',
    '--cap-add', '--cap-drop', '--tmpfs', '--dns', '--platform', '--pull', '--log-driver', '--log-opt', '--ulimit',
    '--health-cmd', '--health-interval', '--shm-size', '--cidfile', '--device', '--ip', '--link', '--volumes-from',
    '--network-alias', '--security-opt', '--init-path', '-a', '--attach',
  ],
);

/** Sentences, one per image the catalogue lacks; empty when the catalogue has all the lesson needs. */
export function catalogueProblems(lesson: Lesson): string[] {
  const { frontmatter } = lesson;
  const own = new Set<string>([normalised(frontmatter.image)]);
  const named: NamedImage[] = [];

  for (const command of frontmatter.solutionCommands) {
    const words = command.trim().split(/\s+/);
    const verb = dockerVerb(words);
    if (!verb) continue;
    const { name, rest } = verb;
    if (name === 'build') for (const tag of flagValues(rest, ['-t', '--tag'])) own.add(normalised(tag));
    if (name === 'tag' || name === 'commit') {
      const target = rest.filter((word) => !word.startsWith('-')).at(-1);
      if (target) own.add(normalised(target));
    }
    if (name === 'run' || name === 'create' || name === 'pull') {
      const image = imageOperand(rest);
      if (image) named.push({ name: image, where: `solutionCommands: \`${command.trim()}\`` });
    }
  }

  for (const [variant, files] of [['starter', lesson.files], ['solution', lesson.solution]] as const) {
    for (const [path, content] of Object.entries(files)) {
      const base = path.split('/').at(-1) ?? path;
      if (/^(?:Dockerfile|Containerfile)(?:\..+)?$|\.Dockerfile$/i.test(base)) {
        for (const from of fromLines(content)) named.push({ name: from.image, where: `the ${variant}'s ${path} line ${from.line}` });
      }
      if (isComposeFile(base)) {
        for (const service of composeImages(content)) {
          if (service.built) own.add(normalised(service.image));
          else named.push({ name: service.image, where: `the ${variant}'s ${path}, service ${service.service}` });
        }
      }
    }
  }

  for (const check of frontmatter.checks) {
    if (check.kind === 'image-config' && check.base) named.push({ name: check.base, where: `the check "${check.title}" (base)` });
    // A check on an image that is neither the lesson's own nor in the catalogue can never pass.
    const checked = check.kind === 'image' ? (check.present ? check.image : undefined) : 'image' in check && check.kind !== 'pushed' ? check.image : undefined;
    if (checked) named.push({ name: checked, where: `the check "${check.title}" (image)` });
  }

  const problems: string[] = [];
  const reported = new Set<string>();
  for (const { name, where } of named) {
    const lacking = lackingImage(name, own);
    if (!lacking || reported.has(lacking)) continue;
    reported.add(lacking);
    problems.push(
      `${where} needs ${lacking}, which the image catalogue lacks (it has ${catalogueReferences().join(', ')}); add it to catalogue.yml or the LAYERLAB_CATALOGUE file, or use an image it has`,
    );
  }
  return problems;
}

/** The reference, if it must come from the catalogue and the catalogue lacks it. */
function lackingImage(name: string, own: ReadonlySet<string>): string | undefined {
  if (name.includes('$')) return undefined;
  let reference;
  try {
    reference = parseReference(name);
  } catch (error) {
    if (error instanceof InvalidReferenceError) return undefined;
    throw error;
  }
  const full = formatReference(reference);
  if (own.has(full) || reference.digest) return undefined;
  if (reference.domain) return undefined;
  return findCatalogueImage(reference.path, reference.tag ?? 'latest') ? undefined : full;
}

function normalised(name: string): string {
  try {
    return formatReference(parseReference(name));
  } catch {
    return name;
  }
}

/** `docker run …` or `docker container run …`: the subcommand and the words after it. */
function dockerVerb(words: string[]): { name: string; rest: string[] } | undefined {
  if (words[0] !== 'docker') return undefined;
  let index = 1;
  if (['container', 'image'].includes(words[index] ?? '')) index += 1;
  const name = words[index];
  return name ? { name, rest: words.slice(index + 1) } : undefined;
}

/** The image of `docker run [flags] IMAGE [command…]`: the first word that is neither a flag nor a flag's value. */
function imageOperand(words: string[]): string | undefined {
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    if (word === '--') return words[index + 1];
    if (!word.startsWith('-')) return stripQuotes(word);
    if (!word.includes('=') && VALUE_FLAGS.has(word)) index += 1;
  }
  return undefined;
}

function flagValues(words: string[], flags: string[]): string[] {
  const values: string[] = [];
  words.forEach((word, index) => {
    for (const flag of flags) {
      if (word === flag && words[index + 1]) values.push(stripQuotes(words[index + 1]!));
      else if (word.startsWith(`${flag}=`)) values.push(stripQuotes(word.slice(flag.length + 1)));
    }
  });
  return values;
}

function stripQuotes(word: string): string {
  return word.replace(/^["']|["']$/g, '');
}

/** Each FROM line's image, skipping earlier stages, scratch and names built from variables. */
function fromLines(dockerfile: string): { image: string; line: number }[] {
  const stages = new Set<string>();
  const found: { image: string; line: number }[] = [];
  dockerfile.split('\n').forEach((text, index) => {
    const words = text.trim().split(/\s+/);
    if (words[0]?.toUpperCase() !== 'FROM') return;
    const operands = words.slice(1).filter((word) => !word.startsWith('--'));
    const image = operands[0];
    if (operands[1]?.toUpperCase() === 'AS' && operands[2]) stages.add(operands[2].toLowerCase());
    if (!image || image === 'scratch' || stages.has(image.toLowerCase()) || image.includes('$')) return;
    found.push({ image, line: index + 1 });
  });
  return found;
}

/** Each Compose service's image, and whether the service builds it (then the name is the lesson's own). */
function composeImages(text: string): { service: string; image: string; built: boolean }[] {
  return composeServices(text).flatMap(([service, { image, build }]) => (typeof image === 'string' ? [{ service, image, built: build !== undefined }] : []));
}
