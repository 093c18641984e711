import type { DockerfileNode } from './parser.ts';
import { DockerfileSyntaxError } from './source.ts';
import { parseWord, WordSyntaxError, type Word } from './words.ts';

/**
 * Typed instructions, checked as buildkit's instructions package (Docker 20.10) checks them, with
 * its error messages. Arguments the classic builder expands are read into words here, with the
 * file's escape token, so nothing later has to know how they were spelled.
 */

interface Base {
  /** 1-based line where the instruction starts. */
  line: number;
  /** The keyword as the learner wrote it, kept for the canonical text ("from", "FROM"). */
  keyword: string;
}

export interface KeyValue {
  key: Word;
  value: Word;
}

export interface OptionalKeyValue {
  key: Word;
  value?: Word;
}

/** RUN, CMD, ENTRYPOINT: an exec array, or one shell string (not expanded by the builder). */
export type CommandLine = { exec: string[] } | { shell: string };

export type Instruction = Base &
  (
    | { kind: 'FROM'; base: Word; stage?: string; platform?: string }
    | { kind: 'ARG'; args: OptionalKeyValue[] }
    | { kind: 'ENV' | 'LABEL'; pairs: KeyValue[] }
    | { kind: 'ADD' | 'COPY'; sources: Word[]; destination: Word; chown?: Word; chmod?: string; from?: string }
    | { kind: 'WORKDIR' | 'USER' | 'STOPSIGNAL'; value: Word }
    | { kind: 'VOLUME'; volumes: Word[] }
    | { kind: 'EXPOSE'; ports: Word[] }
    | { kind: 'RUN'; command: CommandLine; flags: string[] }
    | { kind: 'CMD' | 'ENTRYPOINT'; command: CommandLine }
    | { kind: 'SHELL'; shell: string[] }
    | { kind: 'MAINTAINER'; text: string }
    | { kind: 'HEALTHCHECK'; none: true }
    | { kind: 'HEALTHCHECK'; none: false; command: CommandLine; options: Map<string, string> }
    | { kind: 'ONBUILD'; trigger: Instruction }
  );

/** Builder flags as BFlags reads them: `--name=value`, each declared flag once. */
class Flags {
  readonly #args: string[];
  readonly #values = new Map<string, string>();

  constructor(args: string[]) {
    this.#args = args;
  }

  /** Reads the flags, allowing only these string-valued names; returns name → value. */
  parse(allowed: string[]): Map<string, string> {
    for (let arg of this.#args) {
      if (!arg.startsWith('--')) throw new Error(`Arg should start with -- : ${arg}`);
      if (arg === '--') break;
      arg = arg.slice(2);
      const equals = arg.indexOf('=');
      const name = equals >= 0 ? arg.slice(0, equals) : arg;
      if (!allowed.includes(name)) throw new Error(`Unknown flag: ${name}`);
      if (this.#values.has(name)) throw new Error(`Duplicate flag specified: ${name}`);
      if (equals < 0) throw new Error(`Missing a value on flag: ${name}`);
      this.#values.set(name, arg.slice(equals + 1));
    }
    return this.#values;
  }
}

/** RUN's flags in 20.10 (all refused by the classic builder, which needs BuildKit for them). */
const RUN_FLAGS = ['mount', 'network', 'security'];

/** Reads one parsed node into an instruction. Throws DockerfileSyntaxError with docker's message. */
export function instructionFromNode(node: DockerfileNode, escapeToken: string): Instruction {
  try {
    return fromNode(node, escapeToken);
  } catch (error) {
    if (error instanceof DockerfileSyntaxError) throw error;
    throw new DockerfileSyntaxError((error as Error).message, node.startLine);
  }
}

function fromNode(node: DockerfileNode, escapeToken: string): Instruction {
  const base = { line: node.startLine, keyword: node.keyword };
  const { args } = node;
  const flags = new Flags(node.flags);
  const word = (text: string) => {
    try {
      return parseWord(text, escapeToken);
    } catch (error) {
      if (error instanceof WordSyntaxError) throw new Error(error.message);
      throw error;
    }
  };
  const exactlyOne = (name: string) => {
    if (args.length !== 1) throw new Error(`${name} requires exactly one argument`);
  };
  const atLeastOne = (name: string) => {
    if (args.length === 0) throw new Error(`${name} requires at least one argument`);
  };
  const commandLine = (): CommandLine => (node.json ? { exec: [...args] } : { shell: args.join(' ') });
  const pairs = (name: string): KeyValue[] => {
    atLeastOne(name);
    const result: KeyValue[] = [];
    for (let index = 0; index < args.length; index += 2) {
      if (args[index] === '') throw new Error(`${name} names can not be blank`);
      result.push({ key: word(args[index]!), value: word(args[index + 1] ?? '') });
    }
    return result;
  };

  switch (node.command) {
    case 'from': {
      let stage: string | undefined;
      if (args.length === 3 && args[1]!.toLowerCase() === 'as') {
        stage = args[2]!.toLowerCase();
        if (!/^[a-z][a-z0-9-_.]*$/.test(stage)) {
          throw new Error(`invalid name for build stage: ${JSON.stringify(args[2])}, name can't start with a number or contain symbols`);
        }
      } else if (args.length !== 1) {
        throw new Error('FROM requires either one or three arguments');
      }
      const platform = flags.parse(['platform']).get('platform');
      return { ...base, kind: 'FROM', base: word(args[0]!), stage, platform };
    }
    case 'arg':
      atLeastOne('ARG');
      return {
        ...base,
        kind: 'ARG',
        args: args.map((arg) => {
          const equals = arg.indexOf('=');
          if (equals < 0) return { key: word(arg) };
          if (equals === 0) throw new Error('ARG names can not be blank');
          return { key: word(arg.slice(0, equals)), value: word(arg.slice(equals + 1)) };
        }),
      };
    case 'env':
      flags.parse([]);
      return { ...base, kind: 'ENV', pairs: pairs('ENV') };
    case 'label':
      flags.parse([]);
      return { ...base, kind: 'LABEL', pairs: pairs('LABEL') };
    case 'add':
    case 'copy': {
      const kind = node.command === 'add' ? 'ADD' : 'COPY';
      if (args.length < 2) {
        throw new Error(`${kind} requires at least two arguments, but only one was provided. Destination could not be determined`);
      }
      const values = flags.parse(kind === 'ADD' ? ['chown', 'chmod'] : ['chown', 'from', 'chmod']);
      const chown = values.get('chown');
      return {
        ...base,
        kind,
        sources: args.slice(0, -1).map(word),
        destination: word(args.at(-1)!),
        chown: chown ? word(chown) : undefined,
        chmod: values.get('chmod') || undefined,
        from: values.get('from') || undefined,
      };
    }
    case 'workdir':
    case 'user':
    case 'stopsignal': {
      const kind = node.command.toUpperCase() as 'WORKDIR' | 'USER' | 'STOPSIGNAL';
      exactlyOne(kind);
      if (kind !== 'STOPSIGNAL') flags.parse([]);
      return { ...base, kind, value: word(args[0]!) };
    }
    case 'volume': {
      atLeastOne('VOLUME');
      flags.parse([]);
      const volumes = args.map((volume) => {
        const trimmed = volume.trim();
        if (trimmed === '') throw new Error('VOLUME specified can not be an empty string');
        return word(trimmed);
      });
      return { ...base, kind: 'VOLUME', volumes };
    }
    case 'expose':
      atLeastOne('EXPOSE');
      flags.parse([]);
      return { ...base, kind: 'EXPOSE', ports: args.map(word) };
    case 'run':
      return { ...base, kind: 'RUN', command: commandLine(), flags: [...flags.parse(RUN_FLAGS).keys()] };
    case 'cmd':
    case 'entrypoint':
      flags.parse([]);
      return { ...base, kind: node.command === 'cmd' ? 'CMD' : 'ENTRYPOINT', command: commandLine() };
    case 'shell':
      flags.parse([]);
      if (args.length === 0) throw new Error('SHELL requires at least one argument');
      if (!node.json) throw new Error(`SHELL requires the arguments to be in JSON form`);
      return { ...base, kind: 'SHELL', shell: [...args] };
    case 'maintainer':
      exactlyOne('MAINTAINER');
      flags.parse([]);
      return { ...base, kind: 'MAINTAINER', text: args[0]! };
    case 'healthcheck': {
      atLeastOne('HEALTHCHECK');
      const type = args[0]!.toUpperCase();
      if (type === 'NONE') {
        if (args.length !== 1) throw new Error('HEALTHCHECK NONE takes no arguments');
        return { ...base, kind: 'HEALTHCHECK', none: true };
      }
      const options = flags.parse(['interval', 'timeout', 'start-period', 'retries']);
      if (type !== 'CMD') throw new Error(`Unknown type ${JSON.stringify(type)} in HEALTHCHECK (try CMD)`);
      const rest = args.slice(1);
      if (rest.length === 0) throw new Error('Missing command after HEALTHCHECK CMD');
      // Durations and retries are the engine's to check: they reach it unchanged.
      return {
        ...base,
        kind: 'HEALTHCHECK',
        none: false,
        command: node.json ? { exec: rest } : { shell: rest.join(' ') },
        options,
      };
    }
    case 'onbuild': {
      atLeastOne('ONBUILD');
      flags.parse([]);
      const trigger = node.trigger!;
      const keyword = trigger.command.toUpperCase();
      if (keyword === 'ONBUILD') throw new Error("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      if (keyword === 'MAINTAINER' || keyword === 'FROM') throw new Error(`${keyword} isn't allowed as an ONBUILD trigger`);
      return { ...base, kind: 'ONBUILD', trigger: fromNode(trigger, escapeToken) };
    }
    default:
      throw new Error(`unknown instruction: ${node.command.toUpperCase()}`);
  }
}
