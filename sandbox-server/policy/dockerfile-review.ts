import path from 'node:path/posix';
import { canonicalLine } from '../dockerfile/canonical.ts';
import { instructionFromNode, type Instruction } from '../dockerfile/instructions.ts';
import { parseDockerfile, type ParsedDockerfile } from '../dockerfile/parser.ts';
import { DockerfileSyntaxError } from '../dockerfile/source.ts';
import { evaluateWord, hasVariables, literalValue, WordEvaluationError, writtenWord, type Environment, type Word } from '../dockerfile/words.ts';
import { isClassRegistry } from '../registry/address.ts';
import { underProc } from './proc-paths.ts';
import { InvalidReferenceError, parseReference, type ImageReference } from '../scope/reference.ts';

/**
 * Reads a learner's Dockerfile as the engine will (the ported parser in ../dockerfile), refuses
 * what would leave the sandbox, and writes the Dockerfile the engine builds: the canonical text of
 * exactly the instructions reviewed, with every base image pinned to the ID of an image the
 * learner may use. What the engine parses is what was checked, whatever the spelling.
 */

export interface DockerfileProblem {
  /** 1-based, as the editor and docker's own errors count. */
  line: number;
  message: string;
  /** `syntax`: the engine itself would refuse it (docker's words); `policy`: this sandbox does. */
  kind: 'syntax' | 'policy';
}

/** A base image as the review needs it, read from the pinned image. */
export interface BaseImage {
  /** "sha256:…": what the FROM line is pinned to, so a tag moved during the build changes nothing. */
  id: string;
  env: string[];
  workingDir: string;
  /** Config.OnBuild: triggers the engine runs right after FROM. */
  onBuild: string[];
}

export interface BaseImageLookup {
  /** The learner's own image by this name. */
  own(ref: ImageReference): Promise<BaseImage | undefined>;
  /** A catalogue image that this lesson allows. */
  catalogue(ref: ImageReference): Promise<BaseImage | undefined>;
  /** Names to list in the refusal, e.g. ["busybox", "node:18-slim", "hello (yours)"]. */
  available(): string[];
}

export interface ReviewOptions {
  lookup: BaseImageLookup;
  /** `--build-arg` values the build is given. */
  buildArgs?: ReadonlyMap<string, string>;
  /** Whether the workspace holds an archive, which ADD would unpack. */
  contextHasArchive?: boolean;
}

export interface DockerfileReview {
  problems: DockerfileProblem[];
  notes: string[];
  /** The Dockerfile the engine builds. */
  canonical: string;
  /** The learner's line for each canonical line: canonical line n is `sourceLines[n - 1]`. */
  sourceLines: number[];
  /** Each instruction as the learner wrote it, joined onto one line, as docker prints its steps. */
  sourceText: string[];
  /** Pinned base image ID → the name the learner wrote, to show in the build's output. */
  baseNames: Map<string, string>;
  /** Catalogue images the build uses, to "pull" into the session so `docker images` lists them. */
  catalogueImages: ImageReference[];
}

/**
 * The problems a learner is shown. The engine stops at its first parse error, and a refused
 * instruction can cause one further on (a FROM refused leaves "no build stage" after it), so the
 * refusals alone are shown then.
 */
export function shownProblems(problems: DockerfileProblem[]): DockerfileProblem[] {
  const refusals = problems.filter((problem) => problem.kind === 'policy');
  return refusals.length > 0 ? refusals : problems.slice(0, 1);
}

const URL_SOURCE = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@)/i;

/** Build args the engine lets through without an ARG (buildargs.go, builtinAllowedBuildArgs). */
const BUILTIN_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];

class RefusedError extends Error {}

/** ARG values, as builder/dockerfile/buildargs.go resolves them. */
class BuildArgs {
  readonly #options: ReadonlyMap<string, string>;
  readonly meta = new Map<string, string | undefined>();
  allowed = new Map<string, string | undefined>();

  constructor(options: ReadonlyMap<string, string>) {
    this.#options = options;
  }

  #value(key: string, mapping: Map<string, string | undefined>): string | undefined {
    const option = this.#options.get(key);
    if (option !== undefined) return option;
    const declared = mapping.get(key);
    return declared === undefined ? this.meta.get(key) : declared;
  }

  values(mapping: Map<string, string | undefined> = this.allowed): Map<string, string> {
    const values = new Map<string, string>();
    for (const key of new Set([...mapping.keys(), ...BUILTIN_ARGS])) {
      const value = this.#value(key, mapping);
      if (value !== undefined) values.set(key, value);
    }
    return values;
  }

  /** One declared (or built-in) arg's value, without building the whole map. */
  value(key: string, mapping: Map<string, string | undefined> = this.allowed): string | undefined {
    return mapping.has(key) || BUILTIN_ARGS.includes(key) ? this.#value(key, mapping) : undefined;
  }
}

interface Stage {
  name: string;
  env: Map<string, string>;
  workdir: string;
}

export async function reviewDockerfile(text: string, options: ReviewOptions): Promise<DockerfileReview> {
  const problems: DockerfileProblem[] = [];
  const notes: string[] = [];
  const review: DockerfileReview = { problems, notes, canonical: '', sourceLines: [], sourceText: [], baseNames: new Map(), catalogueImages: [] };

  let parsed: ParsedDockerfile;
  try {
    parsed = parseDockerfile(text);
  } catch (error) {
    if (!(error instanceof DockerfileSyntaxError)) throw error;
    problems.push({ line: error.line, message: error.message, kind: 'syntax' });
    return review;
  }
  const syntax = parsed.directives.get('syntax');
  if (syntax !== undefined) {
    notes.push(`note: "# syntax=${syntax}" is ignored: this sandbox builds with the classic builder, not BuildKit`);
  }
  notes.push(...parsed.warnings);

  const instructions: Instruction[] = [];
  for (const node of parsed.nodes) {
    try {
      instructions.push(instructionFromNode(node, parsed.escapeToken));
    } catch (error) {
      if (!(error instanceof DockerfileSyntaxError)) throw error;
      problems.push({ line: error.line, message: error.message, kind: 'syntax' });
    }
  }
  if (problems.length > 0) return review;

  const args = new BuildArgs(options.buildArgs ?? new Map());
  const stages: Stage[] = [];
  const lines: string[] = [];
  const report = (line: number, message: string, kind: DockerfileProblem['kind'] = 'policy') => problems.push({ line, message, kind });

  for (const instruction of instructions) {
    try {
      const stage = stages.at(-1);
      if (instruction.kind === 'FROM') {
        const { target, base } = await reviewFrom(instruction, stages, options.lookup, review);
        const next: Stage = {
          name: instruction.stage ?? '',
          env: environment(base?.env ?? []),
          workdir: base?.workingDir || '/',
        };
        if (next.name && stages.some((earlier) => earlier.name === next.name)) {
          throw new DockerfileSyntaxError(`${next.name} stage name already used`, instruction.line);
        }
        args.allowed = new Map();
        stages.push(next);
        for (const trigger of base?.onBuild ?? []) reviewTrigger(trigger, instruction, next, stages, args, options);
        lines.push(canonicalLine(instruction, target));
      } else if (!stage) {
        if (instruction.kind !== 'ARG') throw new DockerfileSyntaxError('no build stage in current context', instruction.line);
        // The whole instruction is expanded in the environment it starts with (processMetaArg).
        const env = args.values(args.meta);
        for (const arg of instruction.args) {
          const key = evaluate(arg.key, env, instruction.line);
          const value = arg.value && evaluate(arg.value, env, instruction.line);
          args.meta.set(key, value);
          args.allowed.set(key, value);
        }
        lines.push(canonicalLine(instruction));
      } else {
        const line = reviewInstruction(instruction, stage, stages, args, options, 'build');
        lines.push(line);
      }
    } catch (error) {
      if (error instanceof DockerfileSyntaxError) report(error.line, error.message, 'syntax');
      else if (error instanceof RefusedError) report(instruction.line, error.message);
      else throw error;
    }
  }
  review.sourceLines = instructions.map((instruction) => instruction.line);
  review.sourceText = parsed.nodes.map((node) => node.original.trim());
  if (problems.length > 0) return review;
  // The engine's parser (ported in ../dockerfile) must read the canonical text back into the very
  // instructions reviewed; any that it would read otherwise is refused, so no new spelling bug in
  // the writer can reach the engine.
  const differs = firstDifference(lines);
  if (differs !== undefined) {
    report(review.sourceLines[Math.min(differs, review.sourceLines.length - 1)]!, "this instruction can't be written in a spelling the engine is sure to read the same way; simplify it");
    return review;
  }
  review.canonical = `${lines.join('\n')}\n`;
  return review;
}

/** The first canonical line the parser reads back differently (or not as one line), if any. */
function firstDifference(lines: string[]): number | undefined {
  let reread: string[];
  try {
    reread = parseDockerfile(`${lines.join('\n')}\n`).nodes.map((node) => {
      const instruction = instructionFromNode(node, '\\');
      return canonicalLine(instruction, instruction.kind === 'FROM' ? literalValue(instruction.base) : undefined);
    });
  } catch {
    return 0;
  }
  for (let index = 0; index < Math.max(lines.length, reread.length); index++) if (lines[index] !== reread[index]) return index;
  return undefined;
}

async function reviewFrom(
  from: Extract<Instruction, { kind: 'FROM' }>,
  stages: Stage[],
  lookup: BaseImageLookup,
  review: DockerfileReview,
): Promise<{ target: string; base?: BaseImage }> {
  if (from.platform !== undefined) throw new RefusedError(`FROM --platform isn't supported here; every image is linux/amd64`);
  if (hasVariables(from.base)) {
    throw new RefusedError(`FROM ${writtenWord(from.base)}: variables aren't allowed in FROM here; write the image name out`);
  }
  const image = literalValue(from.base)!;
  if (image === '') throw new DockerfileSyntaxError(`base name (${writtenWord(from.base)}) should not be blank`, from.line);
  if (stages.some((stage) => stage.name !== '' && stage.name === image.toLowerCase())) return { target: image.toLowerCase() };
  if (image === 'scratch') return { target: 'scratch' };

  let ref: ImageReference;
  try {
    ref = parseReference(image);
  } catch (error) {
    if (error instanceof InvalidReferenceError) throw new RefusedError(`FROM ${image}: ${error.message}`);
    throw error;
  }
  if (ref.digest) throw new RefusedError(`FROM ${image}: pinning by digest isn't available here; use a tag, like node:18-slim`);
  const own = await lookup.own(ref);
  const catalogue = own ? undefined : ref.domain ? undefined : await lookup.catalogue(ref);
  const base = own ?? catalogue;
  if (!base) {
    const available = `you can build FROM ${lookup.available().join(', ')}, or an earlier stage`;
    if (ref.domain && isClassRegistry(ref)) {
      throw new RefusedError(`FROM ${image}: pull it from the class registry first (docker pull ${image}), or build FROM a name you have`);
    }
    if (ref.domain) throw new RefusedError(`FROM ${image}: this sandbox can't reach the registry ${ref.domain}; ${available}`);
    throw new RefusedError(`FROM ${image}: this image isn't available here; ${available}`);
  }
  if (catalogue) review.catalogueImages.push(ref);
  review.baseNames.set(base.id, image);
  return { target: base.id, base };
}

/**
 * An ONBUILD trigger of the base image runs in this build, parsed by the engine from the image's
 * config with the default escape token. It is reviewed like any instruction here, and only if its
 * text is the canonical spelling (which every build here writes) can the two parsers not differ.
 */
function reviewTrigger(
  trigger: string,
  from: Extract<Instruction, { kind: 'FROM' }>,
  stage: Stage,
  stages: Stage[],
  args: BuildArgs,
  options: ReviewOptions,
): void {
  const base = literalValue(from.base);
  const foreign = new RefusedError(
    `FROM ${base}: this image has an ONBUILD trigger that wasn't made by a build here (${trigger.slice(0, 80)}); build FROM another image`,
  );
  let instruction: Instruction;
  try {
    const parsed = parseDockerfile(trigger);
    if (parsed.nodes.length !== 1) throw foreign;
    instruction = instructionFromNode(parsed.nodes[0]!, '\\');
  } catch (error) {
    if (error === foreign || error instanceof DockerfileSyntaxError) throw foreign;
    throw error;
  }
  if (instruction.kind === 'FROM' || instruction.kind === 'ONBUILD') throw foreign;
  if (canonicalLine(instruction) !== trigger) throw foreign;
  const relocated = { ...instruction, line: from.line } as Instruction;
  try {
    reviewInstruction(relocated, stage, stages, args, options, 'trigger');
  } catch (error) {
    if (error instanceof RefusedError && error !== foreign) {
      throw new RefusedError(`FROM ${base}: its ONBUILD trigger "${trigger.slice(0, 80)}" would run here: ${error.message}`);
    }
    throw error;
  }
}

/**
 * Checks one instruction in its stage, applies what it changes (ENV, ARG, WORKDIR) and returns its
 * canonical line. `trigger` means it comes from a base image's ONBUILD and runs now.
 */
function reviewInstruction(
  instruction: Instruction,
  stage: Stage,
  stages: Stage[],
  args: BuildArgs,
  options: ReviewOptions,
  mode: 'build' | 'trigger' | 'onbuild',
): string {
  const env = () => effectiveEnvironment(stage, args);
  switch (instruction.kind) {
    case 'ADD':
    case 'COPY': {
      if (instruction.chmod !== undefined) {
        throw new RefusedError(`${instruction.kind} --chmod needs BuildKit, and this sandbox uses the classic builder; use RUN chmod after it`);
      }
      if (instruction.kind === 'ADD') reviewAddSources(instruction.sources, options);
      if (instruction.from !== undefined) {
        if (mode !== 'build') {
          throw new RefusedError(`ONBUILD ${instruction.kind} --from isn't allowed: the trigger runs in a later build, where --from could name any image`);
        }
        const value = instruction.from.toLowerCase();
        const earlier = stages.slice(0, -1);
        const index = /^\d{1,6}$/.test(value) ? Number(value) : undefined;
        const named = earlier.some((candidate) => candidate.name !== '' && candidate.name === value);
        if (!named && (index === undefined || index >= earlier.length)) {
          throw new RefusedError(
            `COPY --from=${instruction.from}: --from must name an earlier build stage here (like "builder" in "FROM node:18-slim AS builder", or its number)`,
          );
        }
        return canonicalLine({ ...instruction, from: named ? value : String(index) });
      }
      return canonicalLine(instruction);
    }
    case 'RUN':
      if (instruction.flags.length > 0) {
        throw new RefusedError(`RUN --${instruction.flags[0]} needs BuildKit, and this sandbox uses the classic builder; remove the flag`);
      }
      return canonicalLine(instruction);
    case 'WORKDIR': {
      if (mode !== 'build') {
        // A trigger runs in a later build, where the engine expands it: only a written-out path is
        // certain to be the one checked. It resolves from the folder that build is in.
        const literal = literalValue(instruction.value);
        if (literal === undefined) {
          throw new RefusedError(`ONBUILD WORKDIR ${writtenWord(instruction.value)}: variables aren't allowed in a trigger's WORKDIR here; write the path out`);
        }
        const next = resolveWorkdir(mode === 'trigger' ? stage.workdir : '/', literal);
        if (underProc(next)) throw procRefusal(literal);
        if (mode === 'trigger') stage.workdir = next;
        return canonicalLine(instruction);
      }
      const value = evaluate(instruction.value, env(), instruction.line);
      if (value === '') throw new DockerfileSyntaxError('cannot normalize nothing', instruction.line);
      const next = resolveWorkdir(stage.workdir, value);
      if (underProc(next)) throw procRefusal(value);
      stage.workdir = next;
      // The engine is given the value the review checked, not the variables it came from.
      return canonicalLine({ ...instruction, value: [{ kind: 'text', text: value }] });
    }
    case 'ENV': {
      if (mode !== 'onbuild') {
        const current = env();
        const pairs = instruction.pairs.map(({ key, value }) => [evaluate(key, current, instruction.line), evaluate(value, current, instruction.line)] as const);
        for (const [key, value] of pairs) stage.env.set(key, value);
      }
      return canonicalLine(instruction);
    }
    case 'ARG': {
      if (mode !== 'onbuild') {
        // Expanded as a whole in the environment before it (evaluator.go, dispatch), then declared.
        const current = env();
        const declared = instruction.args.map((arg) => [evaluate(arg.key, current, instruction.line), arg.value && evaluate(arg.value, current, instruction.line)] as const);
        for (const [key, value] of declared) args.allowed.set(key, value);
      }
      return canonicalLine(instruction);
    }
    case 'LABEL': {
      // The server tells its objects apart by org.layerlab.* labels, and an image's labels show
      // among its containers': a learner's image may carry none of them.
      for (const { key } of instruction.pairs) {
        const name = mode === 'onbuild' ? literalValue(key) : evaluate(key, env(), instruction.line);
        if (name === undefined) continue; // an ONBUILD trigger's key is checked again in the build that runs it
        if (name.toLowerCase().startsWith('org.layerlab.')) {
          throw new RefusedError(`LABEL ${name}: labels starting with org.layerlab. are reserved for the sandbox; pick another name, such as com.example.${name.slice('org.layerlab.'.length) || 'label'}`);
        }
      }
      return canonicalLine(instruction);
    }
    case 'ONBUILD': {
      // Reviewed again, in full, when a build uses the image; here only what is refused anyway.
      const trigger = instruction.trigger;
      reviewInstruction(trigger, { ...stage, env: new Map(stage.env) }, stages, args, options, 'onbuild');
      return canonicalLine(instruction);
    }
    default:
      return canonicalLine(instruction);
  }
}

/** ADD downloads a URL source itself, on the host's network, and unpacks archives on the host. */
function reviewAddSources(sources: Word[], options: ReviewOptions): void {
  for (const source of sources) {
    const literal = literalValue(source);
    // The engine expands variables (from ENV, ARG or the base image) before it decides what is a URL.
    if (literal === undefined) {
      throw new RefusedError(
        `ADD ${writtenWord(source)}: variables aren't allowed in ADD sources here (one could hold a URL the engine would fetch outside the sandbox); write the path out`,
      );
    }
    if (URL_SOURCE.test(literal)) {
      throw new RefusedError(`ADD can't download ${literal} here (the engine would fetch it outside the sandbox); put the file in your workspace and COPY it`);
    }
  }
  if (options.contextHasArchive) throw new RefusedError(`ADD would unpack the archive in your workspace, which isn't allowed here; use COPY`);
}

function evaluate(word: Word, env: Environment, line: number): string {
  try {
    return evaluateWord(word, env);
  } catch (error) {
    if (error instanceof WordEvaluationError) throw new DockerfileSyntaxError(`failed to process "${writtenWord(word)}": ${error.message}`, line);
    throw error;
  }
}

/** Config.Env, as BuildEnvs reads it. */
function environment(entries: string[]): Map<string, string> {
  const env = new Map<string, string>();
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    if (equals < 0) env.set(entry, '');
    else env.set(entry.slice(0, equals), entry.slice(equals + 1));
  }
  return env;
}

/**
 * runConfig.Env plus the build args this stage declared, ENV winning (evaluator.go, dispatch):
 * a view, not a copy, since an instruction may ask it thousands of times.
 */
function effectiveEnvironment(stage: Stage, args: BuildArgs): Environment {
  return {
    get: (name) => (stage.env.has(name) ? stage.env.get(name) : args.value(name)),
    has: (name) => stage.env.has(name) || args.value(name) !== undefined,
  };
}

/** normalizeWorkdir: a relative path joins the current one (and is cleaned); an absolute one stays. */
function resolveWorkdir(current: string, requested: string): string {
  if (requested.startsWith('/')) return requested;
  const joined = path.normalize(path.join('/', current, requested));
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined;
}

function procRefusal(value: string): RefusedError {
  return new RefusedError(`WORKDIR ${value} isn't allowed: /proc belongs to the kernel; pick a folder such as /app`);
}
