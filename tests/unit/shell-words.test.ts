import { describe, expect, it } from 'vitest';
import { ShellSyntaxError, splitCommandLine } from '../../sandbox-server/terminal/shell-words.ts';

describe('splitCommandLine', () => {
  it('honours quotes and leaves variables for the container', () => {
    expect(splitCommandLine(`docker run -e "GREETING=hi there" busybox sh -c 'echo $GREETING'`)).toEqual([
      'docker', 'run', '-e', 'GREETING=hi there', 'busybox', 'sh', '-c', 'echo $GREETING',
    ]);
    expect(splitCommandLine('docker exec web echo $HOME')).toEqual(['docker', 'exec', 'web', 'echo', '$HOME']);
    expect(splitCommandLine('ls *.js # comment')).toEqual(['ls', '*.js']);
  });

  it('refuses pipes, redirects and chains with a sentence', () => {
    expect(() => splitCommandLine('docker ps | grep web')).toThrow(/pipes \(\|\) aren't available/);
    expect(() => splitCommandLine('echo hi > f')).toThrow(ShellSyntaxError);
    expect(() => splitCommandLine('docker build . && docker run x')).toThrow(/one command per line/);
  });
});
