import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../sandbox-server/terminal/docker/inspect.ts';

const data = {
  Id: 'abc',
  Config: { Cmd: ['echo', 'hi'], Env: ['A=1', 'B=2'], Labels: { team: 'x' }, ExposedPorts: { '80/tcp': {} } },
  State: { Running: true, ExitCode: 0 },
};

describe('Go template subset for --format', () => {
  it('prints fields as Go does', () => {
    expect(renderTemplate('{{.Config.Cmd}}', data)).toBe('[echo hi]');
    expect(renderTemplate('{{.State.Running}} {{.State.ExitCode}}', data)).toBe('true 0');
    expect(renderTemplate('{{.Config.Labels}}', data)).toBe('map[team:x]');
    expect(renderTemplate('{{.Nope.Field}}', data)).toBe('<no value>');
  });

  it('supports json, index and range', () => {
    expect(renderTemplate('{{json .Config.Cmd}}', data)).toBe('["echo","hi"]');
    expect(renderTemplate('{{index .Config.Labels "team"}}', data)).toBe('x');
    expect(renderTemplate('{{range .Config.Env}}[{{.}}]{{end}}', data)).toBe('[A=1][B=2]');
  });
});

describe('a --format template from a learner', () => {
  it('is read in linear time, however many blanks follow an open {{', () => {
    expect(() => renderTemplate(`{{${' '.repeat(4000)}`, data)).toThrow('template: :1: unclosed action');
    expect(renderTemplate(`{{${' '.repeat(3000)}.Id}}`, data)).toBe('abc');
  });

  it('is refused past 4096 characters, with the limit in the sentence', () => {
    expect(() => renderTemplate(`{{.Id}}${'x'.repeat(5000)}`, data)).toThrow(/the format is 5007 characters long; at most 4096 are allowed here/);
  });

  it('stops a range nested in ranges before it does unbounded work', () => {
    const row = Array.from({ length: 30 }, (_, index) => index);
    const wide = { list: row.map(() => row.map(() => row.map(() => row))) };
    expect(() => renderTemplate('{{range .list}}{{range .}}{{range .}}{{range .}}{{end}}{{end}}{{end}}{{end}}', wide)).toThrow(/does too much work/);
    expect(() => renderTemplate(`{{range .list}}{{range .}}{{range .}}{{range .}}${'x'.repeat(100)}{{end}}{{end}}{{end}}{{end}}`, wide)).toThrow(/over 1 MiB/);
  });
});
