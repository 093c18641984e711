import { DockerfileParser } from 'dockerfile-ast';
import type { Check } from '../lessons/schema.ts';
import type { CheckContext, Verdict } from './result.ts';

type DockerfileCheck = Extract<Check, { kind: 'dockerfile' }>;
type CommandCheck = Extract<Check, { kind: 'command' }>;

function pattern(source: string): RegExp {
  return new RegExp(source, 'im');
}

export function checkDockerfile(check: DockerfileCheck, context: CheckContext): Verdict {
  const text = context.session.files[check.file];
  if (text === undefined) return `There is no ${check.file} in your workspace.`;
  if (check.instruction !== undefined) {
    const keyword = check.instruction.toUpperCase();
    const count = DockerfileParser.parse(text)
      .getInstructions()
      .filter((instruction) => instruction.getKeyword() === keyword).length;
    const wanted = check.count ?? 1;
    if (check.count === 0 ? count > 0 : count < wanted) {
      return check.count === 0
        ? `${check.file} still has ${count} ${keyword} instruction${count === 1 ? '' : 's'}.`
        : `${check.file} has ${count === 0 ? 'no' : `only ${count}`} ${keyword} instruction${count > 1 ? 's' : ''}${wanted > 1 ? `; ${wanted} are wanted` : ''}.`;
    }
  }
  if (check.contains !== undefined && !pattern(check.contains).test(text)) {
    return isPlainText(check.contains)
      ? `${check.file} has no line with "${check.contains}" yet.`
      : `${check.file} doesn't have what this check looks for yet.`;
  }
  if (check.avoids !== undefined) {
    const match = pattern(check.avoids).exec(text);
    if (match) {
      const lineStart = text.lastIndexOf('\n', match.index) + 1;
      const lineEnd = text.indexOf('\n', match.index);
      return `${check.file} still has "${text.slice(lineStart, lineEnd < 0 ? undefined : lineEnd).trim()}".`;
    }
  }
  return undefined;
}

/** A pattern with no regular-expression syntax in it reads as the text it matches. */
function isPlainText(source: string): boolean {
  return !/[\\^$.*+?()[\]{}|]/.test(source);
}

export function checkCommand(check: CommandCheck, context: CheckContext): Verdict {
  const wanted = pattern(check.pattern);
  // Only this lesson's commands count: one session follows the learner from lesson to lesson, and a
  // command practised in an earlier lesson shouldn't tick a later lesson's check.
  const lesson = context.session.record.lessonId;
  const ran = context.session.record.commands.filter(
    (command) => (command.lessonId === undefined || command.lessonId === lesson) && wanted.test(command.line),
  );
  if (ran.some((command) => !check.success || command.exitCode === 0)) return undefined;
  if (ran.length > 0) return { specific: `You ran ${ran.at(-1)!.line}, but it failed (exit status ${ran.at(-1)!.exitCode}).` };
  return `You haven't run a command like that yet.`;
}
