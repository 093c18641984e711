import { catalogueReferences } from '../images/catalogue.ts';
import { curlCommand } from './builtins/curl.ts';
import { catCommand, lsCommand } from './builtins/workspace.ts';
import type { CommandContext, CommandDefinition } from './command.ts';
import { dockerCommand } from './docker/index.ts';
import { MAX_COMMAND_LINE } from './command-line.ts';
import { ShellSyntaxError, splitCommandLine } from './shell-words.ts';

const helpCommand: CommandDefinition = {
  name: 'help',
  summary: 'Show what this terminal can do',
  async run(_args, { io }) {
    const width = Math.max(...COMMANDS.map((command) => command.name.length)) + 3;
    io.out(
      [
        'This terminal runs real docker commands on a Docker Engine, in a sandbox that is yours alone.',
        '',
        ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
        '',
        'Try:  docker build -t hello .    docker run --rm hello    docker images    docker --help',
        `Base images you can use: ${catalogueReferences().join(', ')}`,
        'Keys: Up/Down for history, Tab to complete, Ctrl-C to interrupt.',
        '',
      ].join('\n'),
    );
    return 0;
  },
};

const clearCommand: CommandDefinition = {
  name: 'clear',
  summary: 'Clear the screen',
  async run(_args, { io }) {
    if (io.tty) io.out('\x1b[H\x1b[2J\x1b[3J');
    return 0;
  },
};

const historyCommand: CommandDefinition = {
  name: 'history',
  summary: 'List the commands you typed',
  async run(args, { session, io }) {
    if (args[0] === '-c') {
      session.record.history.length = 0;
      return 0;
    }
    const entries = [...session.record.history].reverse();
    io.out(entries.map((line, index) => `${String(index + 1).padStart(5)}  ${line}\n`).join(''));
    return 0;
  },
};

const exitCommand: CommandDefinition = {
  name: 'exit',
  summary: 'Leave layerlab shell (a lesson page keeps its terminal)',
  async run() {
    return 0;
  },
};

export const COMMANDS: CommandDefinition[] = [
  dockerCommand,
  lsCommand,
  catCommand,
  curlCommand,
  historyCommand,
  clearCommand,
  helpCommand,
  exitCommand,
];

const BY_NAME = new Map(COMMANDS.map((command) => [command.name, command]));

/** Runs one line typed at the prompt and resolves with its exit status. */
export async function runCommandLine(line: string, context: CommandContext): Promise<number> {
  if (line.length > MAX_COMMAND_LINE) {
    context.io.err(`the command is ${line.length} characters long; at most ${MAX_COMMAND_LINE} fit on one line here\n`);
    return 2;
  }
  let words: string[];
  try {
    words = splitCommandLine(line);
  } catch (error) {
    if (error instanceof ShellSyntaxError) {
      context.io.err(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (words[0] === 'sudo') {
    context.io.err('(no sudo needed here: you already have your own docker)\n');
    words = words.slice(1);
  }
  const [name, ...args] = words;
  if (name === undefined) return 0;
  const command = BY_NAME.get(name);
  if (!command) {
    context.io.err(`${name}: command not found. This terminal runs docker and a few helpers; type help to list them.\n`);
    return 127;
  }
  return command.run(args, context);
}
