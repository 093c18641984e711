import { describe, expect, it } from 'vitest';
import { ShellMarkerFilter, type ShellMarker } from '../../sandbox-server/workbench/shell-markers.ts';

const end = (exitCode: number, command: string) => `\x1b]6973;end;${exitCode};${Buffer.from(command).toString('base64')}\x07`;

function run(chunks: string[]): { output: string; markers: ShellMarker[] } {
  const filter = new ShellMarkerFilter();
  let output = '';
  const markers: ShellMarker[] = [];
  for (const chunk of chunks) {
    const result = filter.push(Buffer.from(chunk, 'latin1'));
    // Each marker's offset is within its own chunk's output; the tests compare kinds and texts.
    markers.push(...result.markers.map(({ at: _at, ...marker }) => marker as ShellMarker));
    output += result.output.toString('latin1');
  }
  return { output, markers };
}

describe('the shell marker filter', () => {
  const stream = `\x1b]6973;prompt\x07\x1b[01;32mlearner\x1b[0m$ echo hi\r\n\x1b]6973;start;${Buffer.from('echo hi | cat').toString('base64')}\x07hi\r\n${end(0, 'echo hi | cat')}\x1b]0;title\x07$ `;
  const expected = {
    output: '\x1b[01;32mlearner\x1b[0m$ echo hi\r\nhi\r\n\x1b]0;title\x07$ ',
    markers: [{ kind: 'prompt' }, { kind: 'start', command: 'echo hi | cat' }, { kind: 'end', exitCode: 0, command: 'echo hi | cat' }],
  };

  it('takes the markers out and leaves every other escape sequence', () => {
    expect(run([stream])).toEqual(expected);
  });

  it('gives the same answer however the stream is cut, one byte at a time included', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      expect(run([stream.slice(0, cut), stream.slice(cut)])).toEqual(expected);
    }
    expect(run([...stream])).toEqual(expected);
  });

  it('keeps an escape that only looks like the start of a marker', () => {
    expect(run(['a\x1b]69', '72;x\x07\x1b\x1b]6973;prompt\x07b'])).toEqual({ output: 'a\x1b]6972;x\x07\x1bb', markers: [{ kind: 'prompt' }] });
  });

  it('drops a marker too long to be real, without holding its bytes', () => {
    const { output, markers } = run(['<\x1b]6973;end;0;', 'A'.repeat(100_000), '\x07>']);
    expect(output).toBe('<>');
    expect(markers).toEqual([]);
  });

  it('reports a command without the space a completion left after it', () => {
    expect(run([end(0, 'docker stop web ')]).markers).toEqual([{ kind: 'end', exitCode: 0, command: 'docker stop web' }]);
  });

  it("tells where in the chunk's output each marker stood", () => {
    const filter = new ShellMarkerFilter();
    const { output, markers } = filter.push(Buffer.from(`before\x1b]6973;prompt\x07after${end(1, 'x')}!`, 'latin1'));
    expect(output.toString()).toBe('beforeafter!');
    expect(markers.map((marker) => marker.at)).toEqual([6, 11]);
  });

  it('ignores a malformed marker', () => {
    expect(run(['\x1b]6973;end;999;eA==\x07\x1b]6973;end;x\x07ok']).markers).toEqual([]);
  });

  it("reads the workspace stamp of an end marker, and an older shell's end without one", () => {
    const stamped = `\x1b]6973;end;2;3141592653-1234;${Buffer.from('ls; false').toString('base64')}\x07`;
    expect(run([stamped, end(0, 'ls'), '\x1b]6973;more\x07> ']).markers).toEqual([
      { kind: 'end', exitCode: 2, workspaceStamp: '3141592653-1234', command: 'ls; false' },
      { kind: 'end', exitCode: 0, command: 'ls' },
      { kind: 'more' },
    ]);
  });
});
