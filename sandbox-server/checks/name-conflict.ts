import type { OwnContainer } from '../scope/scoped-engine.ts';
import type { CheckContext } from './result.ts';

/**
 * Why a container a check wants isn't running, when the learner's last `docker run --name X` was
 * refused because an older container already holds the name X ("Conflict. The container name
 * "/X" is already in use"): the checks then say so, and how to clear it, instead of only "no
 * container is running".
 */

const SEPARATORS = new Set(['&&', '||', ';', '|', '&']);
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

const unquote = (word: string) => (word.length >= 2 && (word[0] === '"' || word[0] === "'") && word.at(-1) === word[0] ? word.slice(1, -1) : word);

/** The --name of the last `docker run` / `docker container run` in a command line, if it gives one. */
export function runContainerName(line: string): string | undefined {
  const words = line.slice(0, 4096).trim().split(/\s+/);
  let found: string | undefined;
  for (let index = 0; index < words.length; index++) {
    if (words[index] !== 'docker') continue;
    let at = index + 1;
    if (words[at] === 'container') at += 1;
    if (words[at] !== 'run') continue;
    let name: string | undefined;
    for (at += 1; at < words.length && !SEPARATORS.has(words[at]!); at++) {
      const word = words[at]!;
      if (word === '--name') name = words[at + 1];
      else if (word.startsWith('--name=')) name = word.slice('--name='.length);
    }
    const clean = name === undefined ? undefined : unquote(name);
    found = clean !== undefined && CONTAINER_NAME.test(clean) ? clean : undefined;
    index = at;
  }
  return found;
}

/**
 * The sentence for a name collision, if the learner's last named `docker run` in this lesson failed
 * and a container of that name, made before it, still holds the name.
 */
export async function nameConflict(context: CheckContext, containers?: OwnContainer[]): Promise<string | undefined> {
  const lesson = context.session.record.lessonId;
  const commands = context.session.record.commands;
  for (let index = commands.length - 1; index >= 0; index--) {
    const command = commands[index]!;
    if (command.lessonId !== undefined && command.lessonId !== lesson) continue;
    const name = runContainerName(command.line);
    if (name === undefined) continue;
    if (command.exitCode === 0) return undefined;
    const all = containers ?? (await context.engine.containers({ all: true }));
    const holder = all.find((container) => container.name === name);
    // A container made after the failed run isn't what refused it.
    if (!holder || holder.created * 1000 > command.at) return undefined;
    return `A container named ${name} already exists, so docker run --name ${name} was refused; remove it with docker rm -f ${name}, then run again.`;
  }
  return undefined;
}
