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
