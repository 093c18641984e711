import { policyFromEnv, type SandboxPolicy } from '../../config/policy.ts';
/**
 * Flag parsing with the rules of the docker CLI (spf13/pflag): `-it` groups booleans, `-p8080:80`
 * and `--name=web` carry values inline, `--` ends flags, and `docker run` stops at its first
 * positional argument so the container's own command keeps its flags.
 */

export interface FlagSpec {
  long: string;
  short?: string;
  kind: 'bool' | 'string' | 'list';
  /** Shown by `--help`, in the docker CLI's words. */
  help: string;
  /** Placeholder for the value in `--help`, e.g. "list", "string". */
  value?: string;
}

/**
 * A flag docker has but this sandbox refuses, with the sentence saying what to do instead; a
 * sentence that states a limit is made from the live policy, which an operator may have changed.
 */
export interface RefusedFlag {
  long: string;
  short?: string;
  takesValue: boolean;
  reason: string | ((policy: SandboxPolicy) => string);
}

export interface ParsedFlags {
  bools: Set<string>;
  strings: Map<string, string>;
  lists: Map<string, string[]>;
  positionals: string[];
}

export class FlagError extends Error {}

function reasonOf(flag: RefusedFlag, policy: SandboxPolicy | undefined): string {
  return typeof flag.reason === 'string' ? flag.reason : flag.reason(policy ?? policyFromEnv());
}

export interface ParseOptions {
  /** Stop at the first positional: everything after it is positional (docker run, docker exec). */
  interspersed?: boolean;
  refused?: RefusedFlag[];
  /** The policy the refusals describe (the server's configured one when not given). */
  policy?: SandboxPolicy;
  /** "docker run", for "See 'docker run --help'." */
  command: string;
}

export function parseFlags(args: string[], specs: FlagSpec[], options: ParseOptions): ParsedFlags {
  const result: ParsedFlags = { bools: new Set(), strings: new Map(), lists: new Map(), positionals: [] };
  const byLong = new Map(specs.map((spec) => [spec.long, spec]));
  const byShort = new Map(specs.filter((spec) => spec.short).map((spec) => [spec.short!, spec]));
  const refusedLong = new Map((options.refused ?? []).map((flag) => [flag.long, flag]));
  const refusedShort = new Map((options.refused ?? []).filter((flag) => flag.short).map((flag) => [flag.short!, flag]));
  const interspersed = options.interspersed ?? true;
  const see = `See '${options.command} --help'.`;

  const store = (spec: FlagSpec, value: string | undefined) => {
    if (spec.kind === 'bool') {
      if (value === undefined || value === 'true') result.bools.add(spec.long);
      else if (value === 'false') result.bools.delete(spec.long);
      else throw new FlagError(`invalid argument "${value}" for "--${spec.long}" flag: use true or false. ${see}`);
    } else if (spec.kind === 'string') {
      result.strings.set(spec.long, value!);
    } else {
      result.lists.set(spec.long, [...(result.lists.get(spec.long) ?? []), value!]);
    }
  };

  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      result.positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--') && arg.length > 2) {
      const [name, inline] = splitOnce(arg.slice(2), '=');
      const spec = byLong.get(name);
      if (!spec) {
        const refused = refusedLong.get(name);
        if (refused) throw new FlagError(`--${name}: ${reasonOf(refused, options.policy)}`);
        throw new FlagError(`unknown flag: --${name}. ${see}`);
      }
      if (spec.kind === 'bool' || inline !== undefined) {
        store(spec, inline);
      } else {
        if (i + 1 >= args.length) throw new FlagError(`flag needs an argument: --${name}. ${see}`);
        store(spec, args[++i]);
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // A group of shorthands: every letter but the last must be a boolean; a value may follow inline.
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j]!;
        const spec = byShort.get(letter);
        if (!spec) {
          const refused = refusedShort.get(letter);
          if (refused) throw new FlagError(`-${letter}: ${reasonOf(refused, options.policy)}`);
          throw new FlagError(`unknown shorthand flag: '${letter}' in ${arg}. ${see}`);
        }
        if (spec.kind === 'bool') {
          store(spec, undefined);
          continue;
        }
        const rest = arg.slice(j + 1);
        if (rest) {
          store(spec, rest.startsWith('=') ? rest.slice(1) : rest);
        } else {
          if (i + 1 >= args.length) throw new FlagError(`flag needs an argument: '${letter}' in -${letter}. ${see}`);
          store(spec, args[++i]);
        }
        break;
      }
      continue;
    }
    result.positionals.push(arg);
    if (!interspersed) {
      result.positionals.push(...args.slice(i + 1));
      break;
    }
  }
  return result;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, undefined] : [text.slice(0, index), text.slice(index + 1)];
}

/** The OPTIONS block of `--help`, laid out like cobra's. */
export function flagUsage(specs: FlagSpec[]): string {
  const lines = specs.map((spec) => {
    const names = spec.short ? `-${spec.short}, --${spec.long}` : `    --${spec.long}`;
    const value = spec.kind === 'bool' ? '' : ` ${spec.value ?? (spec.kind === 'list' ? 'list' : 'string')}`;
    return [`  ${names}${value}`, spec.help] as const;
  });
  const width = Math.max(...lines.map(([left]) => left.length)) + 3;
  return lines.map(([left, help]) => `${left.padEnd(width)}${help}\n`).join('');
}
