import type { SandboxPolicy } from '../config/policy.ts';

/**
 * The learner's files: what the editor shows, what `cat` prints and what a build sends as context.
 * A Map, because the names are the learner's: `constructor`, `toString` or `__proto__` is a file
 * like any other, never a property of an object.
 */
export type WorkspaceFiles = ReadonlyMap<string, string>;

/** From a JSON object (the API's and the state file's shape), own keys only, `__proto__` included. */
export function filesFromObject(object: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(object));
}

/** To a JSON object; Object.fromEntries defines each key as its own property, `__proto__` too. */
export function filesToObject(files: WorkspaceFiles): Record<string, string> {
  return Object.fromEntries(files);
}

/** Relative paths of plain names: no "..", no leading slash, no hidden tricks. */
const SAFE_PATH = /^[\w.-]+(?:\/[\w.-]+)*$/;

export class WorkspaceError extends Error {}

/** Longer paths are refused before any pattern reads them (Linux allows 255 bytes per name). */
const MAX_PATH_LENGTH = 255;

export function checkWorkspacePath(path: string): void {
  if (path.length > MAX_PATH_LENGTH) {
    throw new WorkspaceError(`"${path.slice(0, 40)}…" is ${path.length} characters long; a workspace path may have at most ${MAX_PATH_LENGTH}`);
  }
  if (!SAFE_PATH.test(path) || path.split('/').some((part) => part === '.' || part === '..')) {
    throw new WorkspaceError(
      `"${path}" is not a workspace file name; use letters, digits, dots, dashes and underscores, with / between folders`,
    );
  }
}

/** The caps a workspace is held to: the build context's, since the workspace is what a build sends. */
export type WorkspaceCaps = Pick<SandboxPolicy['build'], 'contextMaxFiles' | 'contextMaxBytes' | 'fileMaxBytes'>;

export function checkWorkspace(files: WorkspaceFiles, policy: { build: WorkspaceCaps }): void {
  const paths = [...files.keys()];
  if (paths.length > policy.build.contextMaxFiles) {
    throw new WorkspaceError(
      `the workspace has ${paths.length} files; at most ${policy.build.contextMaxFiles} are allowed`,
    );
  }
  let total = 0;
  for (const path of paths) {
    checkWorkspacePath(path);
    const content = files.get(path);
    if (typeof content !== 'string') throw new WorkspaceError(`${path}: the content must be text`);
    const size = Buffer.byteLength(content);
    if (size > policy.build.fileMaxBytes) {
      throw new WorkspaceError(`${path} is ${size} bytes; one file may hold at most ${policy.build.fileMaxBytes}`);
    }
    total += size;
  }
  if (total > policy.build.contextMaxBytes) {
    throw new WorkspaceError(`the workspace holds ${total} bytes; at most ${policy.build.contextMaxBytes} are allowed`);
  }
  // A file and a folder of the same name cannot both exist in a build context.
  for (const path of paths) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const folder = parts.slice(0, i).join('/');
      if (files.has(folder)) throw new WorkspaceError(`"${folder}" is both a file and a folder`);
    }
  }
}
