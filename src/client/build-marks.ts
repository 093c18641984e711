/**
 * After each `docker build`, the editor's gutter shows what the build did at every instruction:
 * answered from the cache, run again (with its time and layer size), or where it stopped. Reads
 * GET /api/builds/last, so a build typed in the terminal marks the editor as the Build button does.
 */
import { api } from './api.ts';
import type { BuildMark, WorkspaceEditor } from './editor.ts';
import type { BuildReport } from '../../sandbox-server/build/build-report.ts';

/** A command line that ran a build somewhere in it (`docker build …`, `make && docker image build …`). */
export const RUNS_A_BUILD = /\bdocker\s+(?:image\s+)?build\b/;

export async function showBuildMarks(editor: WorkspaceEditor): Promise<void> {
  const { build } = await api<{ build: BuildReport | null }>('GET', '/api/builds/last');
  if (!build) return;
  editor.markFailure(build);
  const marks: BuildMark[] = [];
  for (const step of build.steps) {
    if (step.line === undefined || /^FROM\s/i.test(step.instruction)) continue;
    const time = `${(step.durationMs / 1000).toFixed(1)} s`;
    const size = step.layerBytes === undefined ? '' : `, ${formatBytes(step.layerBytes)}`;
    if (step.failed) marks.push({ line: step.line, state: 'failed', label: `failed after ${time}` });
    else if (step.cached) marks.push({ line: step.line, state: 'cached', label: `cached${size}` });
    else marks.push({ line: step.line, state: 'rebuilt', label: `ran ${time}${size}` });
  }
  editor.markBuild(build.dockerfilePath, marks);
}

function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
