import { closeSync, openSync, readdirSync, readSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { checkWorkspace, checkWorkspacePath, WorkspaceError, type WorkspaceCaps } from '../sessions/workspace.ts';

/**
 * A lesson on disk is a folder, laid out as TutorialKit lays lessons out:
 *
 *   lessons/NN-slug/lesson.mdx     the frontmatter and the prose
 *   lessons/NN-slug/files/…        the starter workspace, as real files at any depth
 *   lessons/NN-slug/solution/…     only the files the solution changes or adds
 *
 * The solution workspace is files/ with solution/ laid over it. Both are read here, within the
 * same caps and path rules as a learner's workspace, so a lesson can never hand a session a
 * workspace the server would refuse from the learner.
 */

export const LESSON_FILE = 'lesson.mdx';
export const STARTER_FOLDER = 'files';
export const SOLUTION_FOLDER = 'solution';

export class LessonError extends Error {}

/** A lesson folder as read from disk. */
export interface LessonFolder {
  /** The lesson's id: the folder's name. */
  id: string;
  /** The path of its lesson.mdx. */
  file: string;
  /** lesson.mdx's text: frontmatter, then the MDX body. */
  text: string;
  /** The starter workspace, path → content. */
  files: Record<string, string>;
  /** The files the solution changes or adds, path → content; the rest of the solution is `files`. */
  solution: Record<string, string>;
}

/** How a path reads in an error: relative to the current folder, as authors type it. */
const shown = (file: string) => path.relative(process.cwd(), file) || '.';

/**
 * The lesson folders in a lessons directory, by name. Names starting with _ are drafts. An
 * old-format lesson file (NN-slug.mdx) is an error rather than skipped, so it is not silently
 * missing from the course.
 */
export function lessonFolderNames(directory: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(directory, { withFileTypes: true });
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('_') || entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) names.push(entry.name);
    else if (entry.name.endsWith('.mdx')) {
      const folder = entry.name.slice(0, -'.mdx'.length);
      throw new LessonError(
        `${shown(path.join(directory, entry.name))}: a lesson is a folder now; move this file to ${folder}/${LESSON_FILE} without its files: and solution: fields, with the starter files in ${folder}/${STARTER_FOLDER}/ and the changed ones in ${folder}/${SOLUTION_FOLDER}/ (docs/authoring.md)`,
      );
    }
  }
  return names.sort();
}

/** Reads one lesson folder: lesson.mdx, files/ and solution/, each file within the workspace caps. */
export function readLessonFolder(folder: string, caps: WorkspaceCaps): LessonFolder {
  const id = path.basename(folder);
  const entries = readdirSync(folder, { withFileTypes: true });
  for (const entry of entries) checkFolderEntry(folder, entry);
  const file = path.join(folder, LESSON_FILE);
  if (!entries.some((entry) => entry.name === LESSON_FILE && entry.isFile())) {
    throw new LessonError(`${shown(folder)}: a lesson folder needs a ${LESSON_FILE} (its frontmatter and prose), next to ${STARTER_FOLDER}/ and ${SOLUTION_FOLDER}/`);
  }
  const text = decodeText(readBounded(file, MAX_LESSON_FILE_BYTES), file);

  const starterRoot = path.join(folder, STARTER_FOLDER);
  if (!entries.some((entry) => entry.name === STARTER_FOLDER && entry.isDirectory())) {
    throw new LessonError(`${shown(folder)}: a lesson folder needs a ${STARTER_FOLDER}/ folder with the starter workspace (at least one file)`);
  }
  const files = readTree(starterRoot, caps);
  if (files.size === 0) throw new LessonError(`${shown(starterRoot)}: a lesson needs at least one starter file here`);
  checkCaps(files, caps, `${shown(starterRoot)}: the starter workspace`);

  const solutionRoot = path.join(folder, SOLUTION_FOLDER);
  const solution = entries.some((entry) => entry.name === SOLUTION_FOLDER) ? readTree(solutionRoot, caps) : new Map<string, string>();
  for (const [name, content] of solution) {
    if (files.get(name) === content) {
      throw new LessonError(
        `${shown(path.join(solutionRoot, name))}: is the same as ${STARTER_FOLDER}/${name}; ${SOLUTION_FOLDER}/ holds only the files the solution changes or adds, so remove it`,
      );
    }
  }
  checkCaps(new Map([...files, ...solution]), caps, `${shown(solutionRoot)}: the solution workspace (${STARTER_FOLDER}/ with ${SOLUTION_FOLDER}/ over it)`);

  return { id, file, text, files: Object.fromEntries(files), solution: Object.fromEntries(solution) };
}

/** lesson.mdx is prose, not a workspace file; this only keeps a runaway file from being read whole. */
const MAX_LESSON_FILE_BYTES = 1024 * 1024;

/** What may sit next to lesson.mdx: its two folders, and anything that is not a lesson's (images, notes). */
function checkFolderEntry(folder: string, entry: Dirent): void {
  const where = shown(path.join(folder, entry.name));
  if (entry.name === LESSON_FILE) {
    if (!entry.isFile()) throw new LessonError(`${where}: must be a regular file`);
    return;
  }
  if (entry.name === STARTER_FOLDER || entry.name === SOLUTION_FOLDER) {
    if (!entry.isDirectory()) throw new LessonError(`${where}: must be a folder of files`);
    return;
  }
  if (entry.isDirectory()) {
    const guess = didYouMean(entry.name, [STARTER_FOLDER, SOLUTION_FOLDER]);
    if (guess) throw new LessonError(`${where}: a lesson folder holds ${STARTER_FOLDER}/ and ${SOLUTION_FOLDER}/; did you mean ${guess}/?`);
  } else if (entry.name.endsWith('.mdx')) {
    throw new LessonError(`${where}: a lesson folder has one MDX file, ${LESSON_FILE}; rename this one or move it out`);
  }
}

function didYouMean(name: string, candidates: string[]): string | undefined {
  const lower = name.toLowerCase();
  return candidates.find((candidate) => lower.startsWith(candidate.slice(0, 4)) || candidate.startsWith(lower.slice(0, 4)));
}

/** Editor leftovers that are nobody's workspace file: a swap file must not become a tab. */
function isEditorLeftover(name: string): boolean {
  return name === '.DS_Store' || name.endsWith('~') || /^\..+\.sw[a-p]$/.test(name);
}

/** Every regular file under root, by workspace path, each checked against the workspace path rules and caps. */
function readTree(root: string, caps: WorkspaceCaps): Map<string, string> {
  const files = new Map<string, string>();
  let total = 0;
  const walk = (folder: string, prefix: string) => {
    const entries = readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (isEditorLeftover(entry.name)) continue;
      const name = prefix ? `${prefix}/${entry.name}` : entry.name;
      const full = path.join(folder, entry.name);
      try {
        checkWorkspacePath(name);
      } catch (error) {
        throw new LessonError(`${shown(full)}: ${(error as WorkspaceError).message}`);
      }
      if (entry.isDirectory()) {
        walk(full, name);
        continue;
      }
      if (!entry.isFile()) {
        throw new LessonError(`${shown(full)}: is ${entry.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}; a lesson's workspace holds regular files only`);
      }
      if (files.size >= caps.contextMaxFiles) {
        throw new LessonError(`${shown(root)}: holds more than ${caps.contextMaxFiles} files; a workspace may have at most ${caps.contextMaxFiles}`);
      }
      const content = decodeText(readBounded(full, caps.fileMaxBytes), full);
      total += Buffer.byteLength(content);
      if (total > caps.contextMaxBytes) {
        throw new LessonError(`${shown(root)}: holds more than ${caps.contextMaxBytes} bytes; a workspace may hold at most ${caps.contextMaxBytes}`);
      }
      files.set(name, content);
    }
  };
  walk(root, '');
  return files;
}

/** The file's bytes, refusing (without reading it all) a file over the cap. */
function readBounded(file: string, maxBytes: number): Buffer {
  const size = statSync(file).size;
  if (size > maxBytes) throw new LessonError(`${shown(file)}: is ${size} bytes; one file may hold at most ${maxBytes}`);
  const descriptor = openSync(file, 'r');
  try {
    // One byte past the cap shows a file that grew between the stat and the read.
    const buffer = Buffer.alloc(Math.min(size, maxBytes) + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read) {
      read = readSync(descriptor, buffer, length, buffer.length - length, null);
    }
    if (length > size) {
      throw new LessonError(`${shown(file)}: grew while it was read; read it again once it is saved`);
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(descriptor);
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function decodeText(bytes: Buffer, file: string): string {
  let text: string | undefined;
  try {
    text = UTF8.decode(bytes);
  } catch {
    text = undefined;
  }
  if (text === undefined || text.includes('\0')) {
    throw new LessonError(`${shown(file)}: is not UTF-8 text; binary files are not supported in a lesson (the editor shows text only)`);
  }
  return text;
}

function checkCaps(files: Map<string, string>, caps: WorkspaceCaps, what: string): void {
  try {
    checkWorkspace(files, { build: caps });
  } catch (error) {
    if (error instanceof WorkspaceError) throw new LessonError(`${what}: ${error.message}`);
    throw error;
  }
}
