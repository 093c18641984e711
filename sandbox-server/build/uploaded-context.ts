import { Transform, type Readable } from 'node:stream';
import { extract } from 'tar-stream';
import type { SandboxPolicy } from '../config/policy.ts';
import { checkWorkspacePath, WorkspaceError, type WorkspaceFiles } from '../sessions/workspace.ts';
import { byteCap } from './byte-cap.ts';

/**
 * A build context the docker CLI uploaded (the tar of a folder in the workbench), read into the
 * same form as a workspace: regular files only, each path checked, within the context caps while
 * it streams, so an endless or oversized upload stops at the cap instead of filling memory. The
 * build context the engine gets is then made by the server from these files, as for the editor's.
 */
export async function readUploadedContext(upload: Readable, policy: SandboxPolicy): Promise<WorkspaceFiles> {
  const { contextMaxFiles, contextMaxBytes, fileMaxBytes } = policy.build;
  const files = new Map<string, string>();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let total = 0;
  const reader = extract();
  const done = new Promise<void>((resolve, reject) => {
    reader.on('entry', (header, stream, next) => {
      const fail = (message: string) => {
        stream.resume();
        reader.destroy(new WorkspaceError(message));
      };
      const path = header.name.replace(/^\.\//, '').replace(/\/$/, '');
      if (header.type === 'directory' || path === '' || path === '.') {
        stream.on('end', next);
        stream.resume();
        return;
      }
      if (header.type !== 'file') {
        return fail(`${path} is a ${header.type === 'symlink' ? 'symbolic link' : header.type === 'link' ? 'hard link' : header.type}; a build context here holds regular files only`);
      }
      try {
        checkWorkspacePath(path);
      } catch (error) {
        return fail((error as Error).message);
      }
      if (files.size >= contextMaxFiles) return fail(`the build context has more than ${contextMaxFiles} files, the most allowed here`);
      if ((header.size ?? 0) > fileMaxBytes) return fail(`${path} is ${header.size} bytes; one file may hold at most ${fileMaxBytes}`);
      total += header.size ?? 0;
      if (total > contextMaxBytes) return fail(`the build context holds more than ${contextMaxBytes} bytes, the most allowed here`);
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
      stream.on('end', () => {
        try {
          files.set(path, decoder.decode(Buffer.concat(chunks)));
          next();
        } catch {
          fail(`${path} is not text; a build context here holds text files only`);
        }
      });
    });
    reader.on('finish', resolve);
    reader.on('close', () => resolve());
    // tar-stream's own refusals (a malformed header, one past its 4 MiB cap) are the learner's input too.
    reader.on('error', (error) => reject(error instanceof WorkspaceError ? error : new WorkspaceError(`the build context is not a tar archive the engine could read (${error.message})`)));
    upload.on('error', reject);
    upload.on('close', () => {
      if (!upload.readableEnded) reject(new WorkspaceError('the build context stopped arriving before its end'));
    });
  });
  // The files' caps, plus room for the tar's own headers and padding (512 bytes a file and its name).
  const capped = byteCap(contextMaxBytes + (contextMaxFiles + 2) * 2048 + 1024 ** 2, () => new WorkspaceError(`the build context is larger than the ${contextMaxBytes} bytes allowed here`));
  capped.on('error', (error) => reader.destroy(error));
  upload.pipe(capped).pipe(endOfArchive()).pipe(reader as unknown as NodeJS.WritableStream);
  await done;
  return files;
}

/**
 * Ends the archive as the engine's reader (Go's archive/tar) takes an archive that just stops:
 * the 20.10 CLI sends `build -f <file outside the context>` and `-f -` without padding its last
 * entry or the two zero blocks that close a tar, and the engine reads that as the end. tar-stream
 * wants both, so they are added here: zeros to the next 512-byte block, then two empty blocks.
 */
function endOfArchive(): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      done(null, Buffer.alloc((512 - (bytes % 512)) % 512 + 1024));
    },
  });
}
