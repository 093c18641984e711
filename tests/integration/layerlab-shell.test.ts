import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { plain } from '../support/terminal-text.ts';

/** The real `layerlab shell` command, as an operator runs it against a server. */
function layerlabShell(args: string[], input: string, options: { tty?: boolean } = {}): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const command = options.tty
    ? spawn('script', ['-qfec', ['node', 'bin/layerlab.js', 'shell', ...args].join(' '), '/dev/null'])
    : spawn('node', ['bin/layerlab.js', 'shell', ...args]);
  let stdout = '';
  let stderr = '';
  command.stdout.on('data', (chunk) => (stdout += chunk));
  command.stderr.on('data', (chunk) => (stderr += chunk));
  if (options.tty) {
    // Type like a person: the prompt first, then each line.
    const lines = input.split('\n').filter(Boolean);
    const typeNext = () => {
      const line = lines.shift();
      if (line !== undefined) command.stdin.write(`${line}\r`);
    };
    const timer = setInterval(() => {
      if (plain(stdout).endsWith('$ ')) typeNext();
    }, 100);
    command.on('close', () => clearInterval(timer));
  } else {
    command.stdin.end(input);
  }
  const guard = setTimeout(() => command.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    command.on('close', (code) => {
      clearTimeout(guard);
      resolve({ stdout, stderr, code });
    }),
  );
}

let sandbox: TestSandbox;
let folder: string;
beforeAll(async () => {
  sandbox = await startTestSandbox({ LAYERLAB_LESSONS_DIR: path.resolve('tests/fixtures/policy-lessons') });
  folder = mkdtempSync(path.join(os.tmpdir(), 'layerlab-shell-'));
  writeFileSync(path.join(folder, 'Dockerfile'), 'FROM busybox\nCMD ["echo","hello from layerlab"]\n');
});
afterAll(async () => {
  // When the set-up failed, its error is the one to see, not one from here.
  if (folder) rmSync(folder, { recursive: true, force: true });
  await sandbox?.close();
});

describe('layerlab shell', () => {
  it('runs one command per piped line and prints what the terminal shows', async () => {
    const result = await layerlabShell(
      ['--server', sandbox.url, '--files', folder],
      'docker build -t hello .\ndocker run --rm hello\ndocker images\n',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Sending build context to Docker daemon/);
    expect(result.stdout).toMatch(/^Step 1\/2 : FROM busybox$/m);
    expect(result.stdout).toMatch(/^Step 2\/2 : CMD \["echo","hello from layerlab"\]$/m);
    expect(result.stdout).toMatch(/^Successfully tagged hello:latest$/m);
    expect(result.stdout).toMatch(/^hello from layerlab$/m);
    expect(result.stdout).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/m);
    expect(result.stdout).toMatch(/^hello\s+latest\s+[0-9a-f]{12}\s/m);
    // Line ends are \n, and nothing of the terminal (colours, cursor moves) comes through. The one
    // carriage return is the real CLI's own: its upload progress line ends "\r\r\n" piped too.
    expect(result.stdout).not.toMatch(/\x1b/);
    expect(result.stdout.split('\n').filter((line) => line.includes('\r'))).toEqual([
      expect.stringMatching(/^Sending build context to Docker daemon {2}[\d.]+k?B\r\r$/),
    ]);
  });

  it('loads a lesson\'s starter files with --lesson', async () => {
    const result = await layerlabShell(['--server', sandbox.url, '--lesson', '90-only-busybox'], 'cat Dockerfile\nls\n');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('FROM busybox\nDockerfile\n');
  });

  it('exits non-zero with one sentence when it cannot connect', async () => {
    const result = await layerlabShell(['--server', 'http://127.0.0.1:9'], 'docker ps\n');
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim()).toMatch(/^layerlab: could not reach the sandbox at http:\/\/127\.0\.0\.1:9/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('is an interactive terminal in a TTY, and exit leaves it', async () => {
    const result = await layerlabShell(['--server', sandbox.url, '--files', folder], 'cat Dockerfile\nexit\n', { tty: true });
    expect(result.code, JSON.stringify(result)).toBe(0);
    expect(result.stdout).toContain('learner@layerlab');
    expect(result.stdout).toContain('CMD ["echo","hello from layerlab"]');
  });
});
