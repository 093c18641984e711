/** Facts about workspace files that the build-time pages and the browser both need. */

/** Workspace files in tab order: the Dockerfile first, then other Dockerfiles, then by name. */
export function tabOrder(paths: Iterable<string>): string[] {
  const rank = (path: string) => (path === 'Dockerfile' ? 0 : /(^|\/)Dockerfile|\.dockerfile$/i.test(path) ? 1 : 2);
  return [...paths].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export type EditorLanguage = 'dockerfile' | 'javascript' | 'json' | 'python' | 'html' | 'plaintext';

/** The editor mode for a file: the ones lessons use, and plain text for the rest. */
export function languageFor(path: string): EditorLanguage {
  const name = path.split('/').pop() ?? path;
  if (/^Dockerfile(\..*)?$|\.dockerfile$/i.test(name)) return 'dockerfile';
  const extension = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
  switch (extension) {
    case 'js':
    case 'mjs':
    case 'cjs':
      return 'javascript';
    case 'json':
      return 'json';
    case 'py':
      return 'python';
    case 'html':
    case 'htm':
      return 'html';
    default:
      return 'plaintext';
  }
}

/** The data a lesson page hands its workspace, as JSON in the page. */
export interface LessonData {
  lessonId: string;
  title: string;
  image: string;
  buildCommand: string;
  runCommand: string;
  files: Record<string, string>;
  solution: Record<string, string>;
  solutionCommands: string[];
  checks: { id: string; title: string; hints: string[] }[];
  nextUrl: string | null;
}
