import { pack } from 'tar-stream';
import type { WorkspaceFiles } from '../sessions/workspace.ts';
import { ignoredPaths } from './dockerignore.ts';

export interface BuildContext {
  stream: NodeJS.ReadableStream;
  /** Bytes of file content sent, for "Sending build context to Docker daemon". */
  bytes: number;
  files: string[];
}

/**
 * The build context is made here from the workspace, never uploaded as a tar: regular files only,
 * names already validated, filtered by .dockerignore the way the docker CLI filters it. The
 * Dockerfile the engine reads is the reviewed, namespaced one.
 */
export async function makeBuildContext(files: WorkspaceFiles, dockerfilePath: string, dockerfile: string): Promise<BuildContext> {
  // The CLI always sends the Dockerfile and .dockerignore, whatever the ignore file says.
  const excluded = new Set(await ignoredPaths(files, [...files.keys()].filter((path) => path !== dockerfilePath && path !== '.dockerignore')));
  const archive = pack();
  const included: string[] = [];
  let bytes = 0;
  const mtime = new Date(0);
  for (const [path, content] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    if (excluded.has(path)) continue;
    const body = Buffer.from(path === dockerfilePath ? dockerfile : content);
    // Scripts keep the execute bit a checkout would give them. A fixed mtime keeps the build cache keyed on content alone, as a fresh checkout would.
    archive.entry({ name: path, mode: path.endsWith('.sh') ? 0o755 : 0o644, mtime, type: 'file', size: body.length }, body);
    included.push(path);
    bytes += body.length;
  }
  archive.finalize();
  // tar-stream's pack is a streamx Readable, which dockerode pipes like any Node stream.
  return { stream: archive as unknown as NodeJS.ReadableStream, bytes, files: included };
}

/**
 * Whether a workspace file is an archive ADD would unpack on the host's disk, judged on the bytes
 * the context will hold, as dockerd judges them: a bzip2 header, or a first block that Go's tar
 * reader takes for a header (its checksum adds up, whatever the format: V7, USTAR, GNU, PAX).
 * Other compressed formats start with bytes that UTF-8 text can't hold.
 */
export function holdsArchive(files: WorkspaceFiles): boolean {
  return [...files.values()].some((content) => {
    const bytes = Buffer.from(content);
    return bytes.subarray(0, 3).toString('latin1') === 'BZh' || isTarHeader(bytes);
  });
}

function isTarHeader(bytes: Buffer): boolean {
  if (bytes.length < 512) return false;
  const field = bytes.subarray(148, 156).toString('latin1');
  const digits = field.split('\0')[0]!.trim();
  if (!/^[0-7]{1,8}$/.test(digits)) return false;
  const expected = parseInt(digits, 8);
  let unsigned = 0;
  let signed = 0;
  for (let index = 0; index < 512; index++) {
    // The checksum is summed with its own field read as spaces.
    const byte = index >= 148 && index < 156 ? 0x20 : bytes[index]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return expected === unsigned || expected === signed;
}
