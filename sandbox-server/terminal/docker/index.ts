import { daemonError, isEngineDown, ENGINE_DOWN_MESSAGE } from '../../engine/errors.ts';
import type { CommandContext, CommandDefinition } from '../command.ts';
import { BUILD_COMMANDS } from './build.ts';
import { CONTAINER_COMMANDS } from './containers.ts';
import { EXEC_COMMANDS } from './exec.ts';
import { FlagError, flagUsage, parseFlags } from './flags.ts';
import { IMAGE_COMMANDS } from './images.ts';
import { INSPECT_COMMANDS } from './inspect.ts';
import { REGISTRY_COMMANDS } from './registry.ts';
import { RUN_COMMANDS } from './run.ts';
import { HELP_FLAG, UsageError, type DockerCommand } from './spec.ts';
import { VOLUME_COMMANDS } from './volumes.ts';

export const DOCKER_COMMANDS: DockerCommand[] = [
  ...BUILD_COMMANDS,
  ...IMAGE_COMMANDS,
  ...REGISTRY_COMMANDS,
  ...RUN_COMMANDS,
  ...CONTAINER_COMMANDS,
  ...EXEC_COMMANDS,
  ...INSPECT_COMMANDS,
  ...VOLUME_COMMANDS,
];

// Maps, not objects, wherever a learner's word is the key: "docker __proto__" is just a word.
const MANAGEMENT_GROUPS = new Map([
  ['container', 'Manage containers'],
  ['image', 'Manage images'],
  ['volume', 'Manage volumes'],
]);

/** Every spelling the terminal accepts ("ps", "container ls", "container list", …) to its command. */
const BY_PATH = new Map<string, DockerCommand>();
for (const command of DOCKER_COMMANDS) {
  for (const path of [command.path, ...(command.aliases ?? [])]) BY_PATH.set(path, command);
}

/** What `docker --help` lists: the everyday spellings, then the groups. */
function topLevelHelp(): string {
  const everyday = DOCKER_COMMANDS.map((command) => {
    const short = [command.path, ...(command.aliases ?? [])].find((path) => !path.includes(' ')) ?? command.path;
    return [short, command.summary] as const;
  }).sort(([a], [b]) => a.localeCompare(b));
  const width = Math.max(...everyday.map(([name]) => name.length)) + 3;
  return [
    '',
    'Usage:  docker [OPTIONS] COMMAND',
    '',
    'The docker commands this sandbox runs on a real Docker Engine, scoped to your session.',
    '',
    'Management Commands:',
    ...[...MANAGEMENT_GROUPS].map(([name, summary]) => `  ${name.padEnd(width)}${summary}`),
    '',
    'Commands:',
    ...everyday.map(([name, summary]) => `  ${name.padEnd(width)}${summary}`),
    '',
    "Run 'docker COMMAND --help' for more information on a command.",
    '',
  ].join('\n');
}

function groupHelp(group: string): string {
  const commands = DOCKER_COMMANDS.filter((command) => command.path.startsWith(`${group} `));
  const width = Math.max(...commands.map((command) => command.path.length)) - group.length + 2;
  return [
    '',
    `Usage:  docker ${group} COMMAND`,
    '',
    MANAGEMENT_GROUPS.get(group),
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.path.slice(group.length + 1).padEnd(width)}${command.summary}`),
    '',
    `Run 'docker ${group} COMMAND --help' for more information on a command.`,
    '',
  ].join('\n');
}

function commandHelp(command: DockerCommand): string {
  return `\nUsage:  ${command.usage}\n\n${command.summary}\n\nOptions:\n${flagUsage([...command.flags, HELP_FLAG])}`;
}

export function findDockerCommand(words: string[]): { command: DockerCommand; rest: string[]; name: string } | undefined {
  const two = words.slice(0, 2).join(' ');
  const twoWords = BY_PATH.get(two);
  if (twoWords && words.length >= 2) return { command: twoWords, rest: words.slice(2), name: two };
  const one = BY_PATH.get(words[0] ?? '');
  if (one) return { command: one, rest: words.slice(1), name: words[0]! };
  return undefined;
}

const GLOBAL_REFUSALS = new Map([
  ['-H', 'this terminal talks to the sandbox\'s own engine; -H isn\'t available'],
  ['--host', 'this terminal talks to the sandbox\'s own engine; --host isn\'t available'],
  ['--context', 'this terminal talks to the sandbox\'s own engine; --context isn\'t available'],
  ['-c', 'this terminal talks to the sandbox\'s own engine; --context isn\'t available'],
  ['--config', 'the docker client configuration is fixed here'],
]);

async function dockerMain(args: string[], context: CommandContext): Promise<number> {
  const { io } = context;
  const first = args[0];
  if (first === undefined || first === '--help' || first === '-h' || (first === 'help' && args.length === 1)) {
    io.out(topLevelHelp());
    return 0;
  }
  if (first === '--version' || first === '-v') {
    io.out('Docker version 20.10.24, build layerlab-sandbox\n');
    return 0;
  }
  if (GLOBAL_REFUSALS.has(first)) {
    io.err(`${GLOBAL_REFUSALS.get(first)}\n`);
    return 125;
  }
  if (first === 'version') return version(context);
  if (first === 'help') return dockerMain([...args.slice(1), '--help'], context);

  const found = findDockerCommand(args);
  if (!found) {
    if (MANAGEMENT_GROUPS.has(first)) {
      if (args.length === 1 || args[1] === '--help') {
        io.out(groupHelp(first));
        return 0;
      }
      io.err(`docker: '${first} ${args[1]}' is not a docker command here. See 'docker ${first} --help'.\n`);
      return 1;
    }
    io.err(`docker: '${first}' is not a docker command here. See 'docker --help' for the commands this sandbox runs.\n`);
    return 1;
  }
  const { command, rest, name } = found;
  const commandName = `docker ${name}`;
  try {
    const flags = parseFlags(rest, [...command.flags, HELP_FLAG], {
      command: commandName,
      interspersed: command.interspersed,
      refused: command.refused,
      policy: context.services.policyFor(context.session),
    });
    if (flags.bools.has('help')) {
      io.out(commandHelp(command));
      return 0;
    }
    const count = flags.positionals.length;
    if (command.minArgs !== undefined && count < command.minArgs) {
      const plural = command.minArgs === 1 ? 'argument' : 'arguments';
      throw new UsageError(
        `"${commandName}" requires at least ${command.minArgs} ${plural}. See '${commandName} --help'. Usage: ${command.usage}`,
        command.path === 'container run' ? 125 : 1,
      );
    }
    if (command.maxArgs !== undefined && count > command.maxArgs) {
      const expected = command.maxArgs === 0 ? 'no arguments' : `at most ${command.maxArgs} argument${command.maxArgs === 1 ? '' : 's'}`;
      throw new UsageError(`"${commandName}" accepts ${expected}. See '${commandName} --help'. Usage: ${command.usage}`);
    }
    return await command.run(flags, context);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n`);
      return error.status;
    }
    if (error instanceof FlagError) {
      io.err(`${error.message}\n`);
      return command.path === 'container run' ? 125 : 1;
    }
    if (isEngineDown(error)) {
      context.engine.forgetCaches();
      io.err(`${ENGINE_DOWN_MESSAGE}\n`);
      return 1;
    }
    io.err(`${context.engine.namespace.scrub(daemonError(error))}\n`);
    return 1;
  }
}

async function version({ services, io }: CommandContext): Promise<number> {
  const server = await services.docker.version();
  io.out(
    [
      'Client:',
      ' Version:           20.10.24 (layerlab sandbox terminal)',
      '',
      'Server:',
      ` Engine:`,
      `  Version:          ${server.Version}`,
      `  API version:      ${server.ApiVersion}`,
      `  OS/Arch:          ${server.Os}/${server.Arch}`,
      '',
    ].join('\n'),
  );
  return 0;
}

export const dockerCommand: CommandDefinition = {
  name: 'docker',
  summary: 'Build, run and manage images and containers',
  run: dockerMain,
};
