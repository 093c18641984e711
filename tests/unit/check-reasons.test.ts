import { describe, expect, it } from 'vitest';
import { evaluateChecks } from '../../sandbox-server/checks/evaluate.ts';
import { Check } from '../../sandbox-server/lessons/schema.ts';
import type { CheckContext } from '../../sandbox-server/checks/result.ts';

/** Workspace checks read only files and the command log, so a session-shaped stand-in will do. */
function contextWith(files: Record<string, string>, commands: object[] = []): CheckContext {
  return { session: { files: new Map(Object.entries(files)), record: { commands, lessonId: 'x' } }, engine: {} } as unknown as CheckContext;
}

describe('failure sentences', () => {
  const dockerfile = 'FROM node:18-slim\nCOPY . .\nRUN npm install\n';

  it('quote plain text, but never a regular expression', async () => {
    const results = await evaluateChecks(
      [
        Check.parse({ kind: 'dockerfile', title: 'a', contains: 'WORKDIR /app' }),
        Check.parse({ kind: 'dockerfile', title: 'b', contains: 'COPY\\s+package\\*?\\.json' }),
      ],
      contextWith({ Dockerfile: dockerfile }),
    );
    expect(results.map((result) => result.reason)).toEqual([
      'Dockerfile has no line with "WORKDIR /app" yet.',
      "Dockerfile doesn't have what this check looks for yet.",
    ]);
  });

  it('use the author\'s reason when there is one', async () => {
    const [result] = await evaluateChecks(
      [Check.parse({ kind: 'dockerfile', title: 'a', contains: 'COPY\\s+package', reason: 'package.json isn\'t copied on its own before the code.', hint: 'Copy it first.' })],
      contextWith({ Dockerfile: dockerfile }),
    );
    expect(result).toMatchObject({ passed: false, reason: "package.json isn't copied on its own before the code.", hints: ['Copy it first.'] });
  });

  it('keep the check\'s own sentence about what the learner actually ran', async () => {
    const check = Check.parse({ kind: 'command', title: 'a', pattern: '^docker images', reason: 'List your images.' });
    const [never] = await evaluateChecks([check], contextWith({}));
    expect(never!.reason).toBe('List your images.');
    const [failed] = await evaluateChecks([check], contextWith({}, [{ line: 'docker images -z', exitCode: 1, at: 0, lessonId: 'x' }]));
    expect(failed!.reason).toBe('You ran docker images -z, but it failed (exit status 1).');
  });
});
