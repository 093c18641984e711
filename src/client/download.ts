/**
 * "Download my work": the workspace files as a zip made in the browser (fflate, imported only when
 * the button is used), from the browser's copy, which has every edit even when the sandbox is away.
 */
import type { FileMap } from './storage.ts';

export async function downloadFiles(lessonId: string, files: FileMap): Promise<void> {
  const { strToU8, zipSync } = await import('fflate');
  const entries = Object.fromEntries(Object.entries(files).map(([path, content]) => [path, strToU8(content)]));
  const zip = zipSync(entries, { level: 6 });
  const url = URL.createObjectURL(new Blob([zip as BlobPart], { type: 'application/zip' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `layerlab-${lessonId}.zip`;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The click has handed the blob to the download; free it once that has begun.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
