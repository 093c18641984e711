import { parseDockerfile } from '../dockerfile/parser.ts';
import { DockerfileSyntaxError } from '../dockerfile/source.ts';
import type { Check } from '../lessons/schema.ts';
import { findAuthorPattern, PatternTimeoutError } from './author-pattern.ts';
import type { CheckContext, Verdict } from './result.ts';

type DockerfileCheck = Extract<Check, { kind: 'dockerfile' }>;
type CommandCheck = Extract<Check, { kind: 'command' }>;

/** The verdict when an author's pattern ran out of time on what the learner wrote. */
function tooSlow(error: unknown): Verdict {
  if (error instanceof PatternTimeoutError) return `This check could not finish reading your work (${error.message}); tell your instructor.`;
  throw error;
}

export function checkDockerfile(check: DockerfileCheck, context: CheckContext): Verdict {
  try {
    return dockerfileVerdict(check, context);
  } catch (error) {
    return tooSlow(error);
  }
}

function dockerfileVerdict(check: DockerfileCheck, context: CheckContext): Verdict {
  const text = context.session.files.get(check.file);
  if (text === undefined) return `There is no ${check.file} in your workspace.`;
  if (check.instruction !== undefined) {
    const keyword = check.instruction.toUpperCase();
    let count: number;
    try {
      // Counted as the engine reads the file: a heredoc body is instructions, a comment is not.
      count = parseDockerfile(text).nodes.filter((node) => node.command === keyword.toLowerCase()).length;
    } catch (error) {
      if (error instanceof DockerfileSyntaxError) return `${check.file} can't be read as a Dockerfile yet (line ${error.line}: ${error.message}).`;
      throw error;
    }
    const wanted = check.count ?? 1;
    if (check.count === 0 ? count > 0 : count < wanted) {
      return check.count === 0
        ? `${check.file} still has ${count} ${keyword} instruction${count === 1 ? '' : 's'}.`
        : `${check.file} has ${count === 0 ? 'no' : `only ${count}`} ${keyword} instruction${count > 1 ? 's' : ''}${wanted > 1 ? `; ${wanted} are wanted` : ''}.`;
    }
  }
  if (check.contains !== undefined && findAuthorPattern(check.contains, text) < 0) {
    return isPlainText(check.contains)
      ? `${check.file} has no line with "${check.contains}" yet.`
      : `${check.file} doesn't have what this check looks for yet.`;
  }
  if (check.avoids !== undefined) {
    const index = findAuthorPattern(check.avoids, text);
    if (index >= 0) {
      const lineStart = text.lastIndexOf('\n', index) + 1;
      const lineEnd = text.indexOf('\n', index);
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
  // Only this lesson's commands count: one session follows the learner from lesson to lesson, and a
  // command practised in an earlier lesson shouldn't tick a later lesson's check.
  const lesson = context.session.record.lessonId;
  let ran;
  try {
    ran = context.session.record.commands.filter(
      (command) => (command.lessonId === undefined || command.lessonId === lesson) && findAuthorPattern(check.pattern, command.line) >= 0,
    );
  } catch (error) {
    return tooSlow(error);
  }
  if (ran.some((command) => !check.success || command.exitCode === 0)) return undefined;
  if (ran.length > 0) return { specific: `You ran ${ran.at(-1)!.line}, but it failed (exit status ${ran.at(-1)!.exitCode}).` };
  return `You haven't run a command like that yet.`;
}
