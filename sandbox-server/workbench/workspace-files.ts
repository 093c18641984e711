import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { SandboxPolicy } from '../config/policy.ts';
import { checkWorkspacePath, WorkspaceError, type WorkspaceFiles } from '../sessions/workspace.ts';
import { WORKBENCH_USER, WORKBENCH_WORKSPACE } from './image.ts';

/**
 * The workspace's files as the editor sees them, read from and written to the workbench. The
 * server never opens a path in the learner's folder itself: every read and write is a `tar` run
 * inside the workbench as the learner, so a symlink, a hard link or a folder swapped mid-way can
 * reach nothing the learner's own shell could not. What comes back is taken as untrusted input:
 * regular files only, workspace names only, text only, and never more than the caps.
 */

/** Files the editor doesn't show: a lone bad file never hides the rest. */
export interface WorkspaceRead {
  files: Map<string, string>;
  /** Paths left out, with why (binary, too big, a name the editor can't hold, past the caps). */
  skipped: { path: string; reason: string }[];
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export async function readWorkspace(docker: Docker, container: Docker.Container, policy: SandboxPolicy): Promise<WorkspaceRead> {
  const { fileMaxBytes, contextMaxFiles, contextMaxBytes } = policy.build;
  // find picks the candidates, so a 1 GB download in the workspace is never streamed: regular
  // files (no symlinks are followed or listed), each within the file cap, at most one past the count cap.
  const script =
    `cd ${WORKBENCH_WORKSPACE} && find . -xdev -type f -size -${fileMaxBytes + 1}c -print0 | head -z -n ${contextMaxFiles + 1} | tar -c --hard-dereference --null --no-recursion -T - -f -`;
  const output = await execOutput(docker, container, ['sh', '-c', script]);
  const files = new Map<string, string>();
  const skipped: WorkspaceRead['skipped'] = [];
  let total = 0;
  const extract = tar.extract();
  const reading = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const path = header.name.replace(/^\.\//, '');
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: unknown) => {
        const bytes = chunk as Buffer;
        size += bytes.length;
        if (size <= fileMaxBytes) chunks.push(bytes);
      });
      stream.on('end', () => {
        const reason = refusal(path, header.type, size, files.size, total);
        if (reason) skipped.push({ path, reason });
        else {
          try {
            files.set(path, UTF8.decode(Buffer.concat(chunks)));
            total += size;
          } catch {
            skipped.push({ path, reason: 'not text' });
          }
        }
        next();
      });
      stream.on('error', reject);
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  const refusal = (path: string, type: string | null | undefined, size: number, count: number, bytes: number): string | undefined => {
    if (type !== 'file') return 'not a regular file';
    try {
      checkWorkspacePath(path);
    } catch {
      return 'a name the editor cannot hold';
    }
    if (size > fileMaxBytes) return `over ${fileMaxBytes} bytes`;
    if (count >= contextMaxFiles) return `past the first ${contextMaxFiles} files`;
    if (bytes + size > contextMaxBytes) return `past ${contextMaxBytes} bytes in all`;
    return undefined;
  };
  await Promise.all([pipeline(output.stdout, extract), reading]);
  await output.done;
  return { files, skipped };
}

/**
 * Writes and deletes files in the workbench's workspace (null deletes). With `replace`, every
 * other file goes first, as a lesson's Reset does.
 */
export async function writeWorkspace(
  docker: Docker,
  container: Docker.Container,
  changes: ReadonlyMap<string, string | null>,
  options: { replace?: boolean } = {},
): Promise<void> {
  const deleted = [...changes].filter(([, content]) => content === null).map(([path]) => path);
  for (const path of changes.keys()) checkWorkspacePath(path);
  const pack = tar.pack();
  for (const [path, content] of changes) {
    if (content !== null) pack.entry({ name: path, mode: 0o644, mtime: new Date() }, content);
  }
  pack.finalize();
  const clear = options.replace ? 'find . -mindepth 1 -delete && ' : '';
  // Paths come as arguments, never inside the script, so no name is ever read as shell.
  const script = `cd ${WORKBENCH_WORKSPACE} && ${clear}{ [ $# -eq 0 ] || rm -f -- "$@"; } && tar -x --no-same-owner --no-same-permissions -f -`;
  const result = await execOutput(docker, container, ['sh', '-c', script, 'sh', ...deleted], pack as unknown as NodeJS.ReadableStream);
  result.stdout.resume();
  const { exitCode, stderr } = await result.done;
  if (exitCode !== 0) throw new WorkspaceError(`the workspace could not be written: ${stderr.trim().split('\n')[0] ?? `tar exited ${exitCode}`}`);
}

/** Runs a command in the workbench as the learner; stdout is a stream, stderr is kept (first 4 KiB). */
async function execOutput(docker: Docker, container: Docker.Container, command: string[], stdin?: NodeJS.ReadableStream) {
  const exec = await container.exec({
    Cmd: command,
    User: WORKBENCH_USER,
    WorkingDir: WORKBENCH_WORKSPACE,
    AttachStdin: stdin !== undefined,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const stream = await exec.start({ hijack: true, stdin: stdin !== undefined });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let errorText = '';
  stderr.on('data', (chunk: Buffer) => {
    if (errorText.length < 4096) errorText += chunk.toString('utf8');
  });
  docker.modem.demuxStream(stream, stdout, stderr);
  if (stdin) {
    stdin.pipe(stream);
    stdin.on('end', () => (stream as unknown as { end(): void }).end());
  }
  const done = new Promise<{ exitCode: number; stderr: string }>((resolve, reject) => {
    stream.on('end', () => {
      stdout.end();
      exec.inspect().then((info) => resolve({ exitCode: info.ExitCode ?? -1, stderr: errorText }), reject);
    });
    stream.on('error', reject);
  });
  return { stdout, done };
}

export type { WorkspaceFiles };
