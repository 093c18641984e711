import { describe, expect, it } from 'vitest';
import { FlagError, flagUsage, parseFlags, type FlagSpec } from '../../sandbox-server/terminal/docker/flags.ts';

const specs: FlagSpec[] = [
  { long: 'interactive', short: 'i', kind: 'bool', help: 'Keep STDIN open' },
  { long: 'tty', short: 't', kind: 'bool', help: 'Allocate a TTY' },
  { long: 'name', kind: 'string', help: 'Name' },
  { long: 'publish', short: 'p', kind: 'list', help: 'Publish' },
  { long: 'env', short: 'e', kind: 'list', help: 'Env' },
];
const refused = [{ long: 'privileged', takesValue: false, reason: "privileged mode isn't available here" }];

describe('parseFlags', () => {
  it('groups short booleans and takes values inline or next', () => {
    const flags = parseFlags(['-it', '-p8080:80', '-p', '9090:90', '--name=web', '-e', 'A=1', 'busybox'], specs, { command: 'docker run' });
    expect([...flags.bools]).toEqual(['interactive', 'tty']);
    expect(flags.lists.get('publish')).toEqual(['8080:80', '9090:90']);
    expect(flags.strings.get('name')).toBe('web');
    expect(flags.lists.get('env')).toEqual(['A=1']);
    expect(flags.positionals).toEqual(['busybox']);
  });

  it('stops at the first positional for docker run, so the command keeps its flags', () => {
    const flags = parseFlags(['--name', 'x', 'busybox', 'ls', '-la', '--name'], specs, { command: 'docker run', interspersed: false });
    expect(flags.positionals).toEqual(['busybox', 'ls', '-la', '--name']);
    expect(flags.strings.get('name')).toBe('x');
  });

  it('reads flags anywhere when interspersed, and everything after --', () => {
    const flags = parseFlags(['a', '--tty', 'b', '--', '-i'], specs, { command: 'docker x' });
    expect(flags.positionals).toEqual(['a', 'b', '-i']);
    expect(flags.bools.has('tty')).toBe(true);
  });

  it('answers unknown and refused flags in one line', () => {
    expect(() => parseFlags(['--nope'], specs, { command: 'docker run' })).toThrow("unknown flag: --nope. See 'docker run --help'.");
    expect(() => parseFlags(['-z'], specs, { command: 'docker run' })).toThrow("unknown shorthand flag: 'z' in -z");
    expect(() => parseFlags(['--privileged'], specs, { command: 'docker run', refused })).toThrow(
      "--privileged: privileged mode isn't available here",
    );
    expect(() => parseFlags(['--name'], specs, { command: 'docker run' })).toThrow(FlagError);
  });

  it('lays out help like cobra', () => {
    const usage = flagUsage(specs);
    expect(usage).toMatch(/^  -i, --interactive\s+Keep STDIN open$/m);
    expect(usage).toMatch(/^      --name string\s+Name$/m);
    expect(usage).toMatch(/^  -p, --publish list\s+Publish$/m);
  });
});
