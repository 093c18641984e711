/**
 * An Astro integration that keeps lazily loaded CSS lazy. Astro links the CSS of every module a
 * page's scripts can reach, dynamic imports included (withastro/astro#9495), so Monaco's and
 * xterm's 20-odd KB gz of CSS would block the first paint of every lesson page even though the
 * workspace loads later. Vite already loads that CSS together with the dynamic import that needs
 * it (its preload list, `__vite__mapDeps`), so the page-level links are removed after the build.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

async function filesUnder(directory: string, extension: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(extension))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** CSS files named in a chunk's dynamic-import preload list. */
export function lazyCssIn(javascript: string): string[] {
  const list = /const __vite__mapDeps=\([^)]*\[([^\]]*)\]/.exec(javascript);
  if (!list) return [];
  return [...list[1]!.matchAll(/"([^"]+\.css)"/g)].map((match) => `/${match[1]!.replace(/^\//, '')}`);
}

export function lazyCss() {
  return {
    name: 'layerlab:lazy-css',
    hooks: {
      'astro:build:done': async ({ dir }: { dir: URL }) => {
        const root = fileURLToPath(dir);
        const lazy = new Set<string>();
        for (const file of await filesUnder(root, '.js')) {
          for (const css of lazyCssIn(await readFile(file, 'utf8'))) lazy.add(css);
        }
        if (lazy.size === 0) return;
        for (const file of await filesUnder(root, '.html')) {
          const html = await readFile(file, 'utf8');
          const trimmed = html.replace(/<link rel="stylesheet" href="([^"]+)"\s*\/?>/g, (tag, href: string) =>
            lazy.has(href) ? '' : tag,
          );
          if (trimmed !== html) await writeFile(file, trimmed);
        }
      },
    },
  };
}
