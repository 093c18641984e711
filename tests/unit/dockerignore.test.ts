import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ignoredPaths, ignorePatterns } from '../../sandbox-server/build/dockerignore.ts';

const paths = ['app.py', 'notes.log', 'src/a.log', 'src/b.py', 'build/out', '(x).txt', 'a+b', 'x1'];
const ignored = (dockerignore: string) => ignoredPaths(new Map([['.dockerignore', dockerignore]]), paths);

describe('.dockerignore', () => {
  it('leaves out what the docker CLI leaves out', async () => {
    expect(await ignored('*.log\n')).toEqual(['notes.log']);
    expect(await ignored('**/*.log\n')).toEqual(['notes.log', 'src/a.log']);
    expect(await ignored('# a comment\nbuild\n\n')).toEqual(['build/out']);
    expect(await ignored('src\n!src/b.py\n')).toEqual(['src/a.log']);
    expect(await ignored('[ab]pp.py\n')).toEqual(['app.py']);
  });

  it('reads regular-expression characters as themselves, never as syntax', async () => {
    expect(await ignored('(x).txt\n')).toEqual(['(x).txt']);
    expect(await ignored('a+b\n')).toEqual(['a+b']);
    expect(await ignored('(a|b)*\n')).toEqual([]);
    // A back-reference in JavaScript; here a plain character.
    expect(await ignored('x\\1\n')).toEqual(['x1']);
    expect(await ignored('[unclosed\n')).toEqual([]);
    expect(ignorePatterns('(?<=x)a\n{2,}\n')).toEqual(['\\(?<=x\\)a', '\\{2,\\}']);
  });

  it('refuses a pattern set that would take the matcher too long, without holding the server', async () => {
    const files: Record<string, string> = { '.dockerignore': Array.from({ length: 200 }, (_, i) => `${'*a'.repeat(60)}b${i}`).join('\n') };
    const names = Array.from({ length: 200 }, (_, i) => `${'a'.repeat(240)}${i}`);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    const result = await ignoredPaths(new Map(Object.entries(files)), names).then(
      () => 'applied',
      (error: Error) => error.message,
    );
    clearInterval(ticker);
    expect(result).toMatch(/^(applied|\.dockerignore took longer than 2 s to apply; simplify its patterns)$/);
    // The event loop kept turning while the worker matched.
    expect(ticks).toBeGreaterThan(10);
  });

  it('lets a process that applied one exit (its worker thread never holds it)', () => {
    // No --input-type: the worker thread inherits the parent's flags and would refuse to load its file.
    const script = `import { ignoredPaths } from './sandbox-server/build/dockerignore.ts';\nawait ignoredPaths(new Map([['.dockerignore', '*.log']]), ['a.log']);`;
    const child = spawnSync(process.execPath, ['--eval', script], { timeout: 20_000, encoding: 'utf8' });
    expect(child.signal, child.stderr).toBeNull();
    expect(child.status, child.stderr).toBe(0);
  });
});
