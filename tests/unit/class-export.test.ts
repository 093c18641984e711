import { describe, expect, it } from 'vitest';
import { checksCsv, commandsCsv, csvCell, exportJson, type ClassSnapshot } from '../../sandbox-server/classes/export.ts';

const snapshot: ClassSnapshot = {
  class: { code: 'ABCDEF', name: 'Docker, 101', secretHash: 'x', createdAt: Date.UTC(2026, 0, 1), closedAt: null },
  lessons: [{ id: 'l1', title: 'One', checks: [{ id: 'a', title: 'An image "hello"' }, { id: 'b', title: 'B' }] }],
  learners: [{ id: '-L1', classCode: 'ABCDEF', nickname: '=cmd|calc', keyHash: 'k', joinedAt: Date.UTC(2026, 0, 2), lastSeenAt: 0 }],
  checks: [{ learnerId: '-L1', lessonId: 'l1', checkId: 'a', passed: true, firstPassedAt: Date.UTC(2026, 0, 3), lastCheckedAt: Date.UTC(2026, 0, 4), reason: null }],
  commands: new Map([['-L1', [{ learnerId: '-L1', line: 'echo "a,b"\n-x', exitCode: 1, at: Date.UTC(2026, 0, 5), lessonId: 'l1' }]]]),
};

describe('class exports', () => {
  it('quotes cells as RFC 4180 says and defuses formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    for (const start of ['=', '+', '-', '@', ' =', '  +', '＝', '\t']) expect(csvCell(`${start}SUM(A1)`, true)).toBe(`'${start}SUM(A1)`);
    expect(csvCell('=1,2', true)).toBe(`"'=1,2"`);
    // Ids and times are not a learner's text: a base64url id may start with - and must stay itself.
    expect(csvCell('-Ab3', false)).toBe('-Ab3');
    // A raw escape would redraw the terminal the export is printed to.
    expect(csvCell('echo \x1b]52;c;aGk=\x07\x1b[2J\u0085', true)).toBe('echo \\x1b]52;c;aGk=\\x07\\x1b[2J\\x85');
    expect(csvCell(-1)).toBe('-1');
    expect(csvCell(null)).toBe('');
    expect(csvCell(true)).toBe('true');
  });

  it('writes one checks row per learner × lesson × check, with empty times when never checked', () => {
    expect(checksCsv(snapshot)).toBe(
      [
        'nickname,learner_id,lesson_id,check_id,check_title,passed,first_passed_at,last_checked_at',
        `'=cmd|calc,-L1,l1,a,"An image ""hello""",true,2026-01-03T00:00:00.000Z,2026-01-04T00:00:00.000Z`,
        `'=cmd|calc,-L1,l1,b,B,false,,`,
        '',
      ].join('\r\n'),
    );
  });

  it('writes the commands table with the line quoted and defused', () => {
    expect(commandsCsv(snapshot)).toBe(
      ['nickname,learner_id,at,lesson_id,exit_code,command', `'=cmd|calc,-L1,2026-01-05T00:00:00.000Z,l1,1,"echo ""a,b""\n-x"`, ''].join('\r\n'),
    );
  });

  it('lists every check of the course in the JSON, passed false when never checked', () => {
    const json = exportJson(snapshot, Date.UTC(2026, 0, 6));
    expect(json.learners[0]!.checks.map((check) => [check.checkId, check.passed, check.lastCheckedAt])).toEqual([
      ['a', true, '2026-01-04T00:00:00.000Z'],
      ['b', false, null],
    ]);
    expect(json.learners[0]!.commands).toEqual([{ line: 'echo "a,b"\n-x', exitCode: 1, at: '2026-01-05T00:00:00.000Z', lessonId: 'l1' }]);
    expect(json.exportedAt).toBe('2026-01-06T00:00:00.000Z');
  });
});
