import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClassCommand } from '../../sandbox-server/cli/class.ts';
import { ClassBrowser } from '../support/class-browser.ts';
import { parseCsv } from '../support/csv.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

/** `layerlab class create | export | close` against a running server, as an instructor types them. */

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox();
});
afterAll(async () => {
  await sandbox?.close();
});

async function layerlab(args: string[], env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const code = await runClassCommand(args, { out: (text) => (out += text), err: (text) => (err += text) }, { LAYERLAB_URL: sandbox.url, ...env });
  return { code, out, err };
}

describe('layerlab class', () => {
  it('creates, exports and closes a class over HTTP with the secret', async () => {
    const created = await layerlab(['create', 'CLI class', '--server', sandbox.url]);
    expect(created).toMatchObject({ code: 0, err: '' });
    const classCode = /Code: +([A-Z0-9]{6})/.exec(created.out)![1]!;
    const secret = /Instructor secret: +(\S+)/.exec(created.out)![1]!;
    expect(created.out).toContain(`${sandbox.url}/class/join/?code=${classCode}`);

    const learner = new ClassBrowser(sandbox.url);
    await learner.json('POST', '/api/classes/join', { code: classCode, nickname: '=Eve' });

    const csv = await layerlab(['export', classCode.toLowerCase()], { LAYERLAB_CLASS_SECRET: secret });
    expect(csv.code).toBe(0);
    const [header, ...rows] = parseCsv(csv.out);
    expect(header!.join(',')).toBe('nickname,learner_id,lesson_id,check_id,check_title,passed,first_passed_at,last_checked_at');
    const courseChecks = sandbox.server.context.lessons.all().reduce((sum, lesson) => sum + lesson.frontmatter.checks.length, 0);
    expect(rows.length).toBe(courseChecks);
    // The nickname that looks like a formula is defused.
    expect(rows.every((row) => row[0] === "'=Eve" && row[5] === 'false')).toBe(true);

    const commands = await layerlab(['export', classCode, '--table', 'commands', '--secret', secret]);
    expect(commands.out).toBe('nickname,learner_id,at,lesson_id,exit_code,command\r\n');
    const json = await layerlab(['export', classCode, '--format', 'json', '--secret', secret]);
    expect((JSON.parse(json.out) as { learners: { nickname: string }[] }).learners.map((entry) => entry.nickname)).toEqual(['=Eve']);

    const closed = await layerlab(['close', classCode, '--secret', secret]);
    expect(closed.code).toBe(0);
    expect(closed.out).toContain(`Class ${classCode} closed at`);
    expect((await new ClassBrowser(sandbox.url).request('POST', '/api/classes/join', { code: classCode, nickname: 'Late' })).status).toBe(410);
  });

  it('says what is wrong: no secret, a wrong one, a bad option, no server', async () => {
    const { out } = await layerlab(['create', 'Another']);
    const classCode = /Code: +([A-Z0-9]{6})/.exec(out)![1]!;
    expect(await layerlab(['export', classCode])).toMatchObject({ code: 1, err: expect.stringContaining('pass --secret or set LAYERLAB_CLASS_SECRET') });
    expect(await layerlab(['close', classCode, '--secret', 'wrong'])).toMatchObject({ code: 1, err: expect.stringContaining("401: this needs the class's instructor secret") });
    expect(await layerlab(['export', classCode, '--format', 'xml', '--secret', 's'])).toMatchObject({ code: 2, err: expect.stringContaining('--format is csv or json, not "xml"') });
    expect(await layerlab(['remove', classCode])).toMatchObject({ code: 2, err: expect.stringContaining('there is no class command "remove"') });
    expect(await layerlab(['create'])).toMatchObject({ code: 2, err: expect.stringContaining('create needs the class name') });
    expect(await layerlab(['create', 'x', '--server', 'http://127.0.0.1:1'])).toMatchObject({ code: 1, err: expect.stringContaining('could not reach the server at http://127.0.0.1:1') });
  });
});
