/**
 * Each page's eager JavaScript, from the built site (dist/): the module scripts in its HTML (inline
 * or by src) and their modulepreload links, plus everything those import statically, gzipped.
 * Dynamic imports are not eager: they are what the workspace loads when it comes into view, and
 * are reported separately. Budget (PRODUCT.md): 30 KB gz before the workspace is in view.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Section } from './report.ts';

export const EAGER_BUDGET_BYTES = 30 * 1024;

export interface PageWeight {
  /** The page's URL path, like /lessons/01-your-first-image/. */
  page: string;
  eager: { files: string[]; gzipBytes: number };
  /** What the page's dynamic imports bring in, when they run (the workspace). */
  lazy: { files: string[]; gzipBytes: number };
}

/** Specifiers a module imports statically (import … from, import "…", export … from). */
export function staticImports(code: string): string[] {
  const found: string[] = [];
  for (const match of code.matchAll(/(?:^|[^\w$.])(?:import|export)\s*(?:[\w$*{}\s,]*?\s*from\s*)?(["'])([^"'\n]+)\1/g)) {
    found.push(match[2]!);
  }
  return found;
}

/** Specifiers a module imports dynamically, and the files Vite preloads with them. */
export function dynamicImports(code: string): string[] {
  const found = [...code.matchAll(/(?:^|[^\w$.])import\(\s*(["'`])([^"'`\n]+)\1\s*\)/g)].map((match) => match[2]!);
  const preload = /const __vite__mapDeps=\([^)]*\[([^\]]*)\]/.exec(code);
  if (preload) found.push(...[...preload[1]!.matchAll(/"([^"]+\.js)"/g)].map((match) => `/${match[1]!.replace(/^\//, '')}`));
  return found;
}

function urlPathOf(siteDir: string, file: string): string {
  return `/${path.relative(siteDir, file).split(path.sep).join('/')}`;
}

export function measurePages(siteDir: string): PageWeight[] {
  const gzipped = new Map<string, number>();
  const read = (urlPath: string) => readFileSync(path.join(siteDir, urlPath), 'utf8');
  const gzipSize = (urlPath: string) => {
    if (!gzipped.has(urlPath)) gzipped.set(urlPath, gzipSync(read(urlPath), { level: 9 }).length);
    return gzipped.get(urlPath)!;
  };
  const resolve = (specifier: string, from: string) => new URL(specifier, `http://site${from}`).pathname;

  /** Files reached from these by static imports (and dynamic ones too, if asked), the starting ones included. */
  const closure = (starts: string[], followDynamic = false) => {
    const seen = new Set<string>();
    const queue = [...starts];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file) || !file.endsWith('.js')) continue;
      seen.add(file);
      const code = read(file);
      const specifiers = followDynamic ? [...staticImports(code), ...dynamicImports(code)] : staticImports(code);
      for (const specifier of specifiers) queue.push(resolve(specifier, file));
    }
    return seen;
  };

  const pages = readdirSync(siteDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.html'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();

  return pages.map((file) => {
    const html = readFileSync(file, 'utf8');
    const page = urlPathOf(siteDir, file).replace(/index\.html$/, '').replace(/\.html$/, '');
    const eagerStarts: string[] = [];
    let inlineBytes = 0;
    for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
      const attributes = match[1]!;
      if (/type="application\/(?:ld\+)?json"/.test(attributes)) continue;
      const src = /\bsrc="([^"]+)"/.exec(attributes)?.[1];
      if (src) eagerStarts.push(resolve(src, page));
      else if (match[2]!.trim()) {
        inlineBytes += gzipSync(match[2]!, { level: 9 }).length;
        for (const specifier of staticImports(match[2]!)) eagerStarts.push(resolve(specifier, page));
      }
    }
    for (const match of html.matchAll(/<link\b[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)) eagerStarts.push(resolve(match[1]!, page));

    const eager = closure(eagerStarts);
    const lazyStarts = [...eager].flatMap((module) => dynamicImports(read(module)).map((specifier) => resolve(specifier, module)));
    const lazy = [...closure(lazyStarts, true)].filter((module) => !eager.has(module));
    const sum = (files: Iterable<string>) => [...files].reduce((total, module) => total + gzipSize(module), 0);
    return {
      page,
      eager: { files: [...eager].sort(), gzipBytes: sum(eager) + inlineBytes },
      lazy: { files: lazy.sort(), gzipBytes: sum(lazy) },
    };
  });
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export function measurePageWeight(siteDir: string): Section {
  const pages = measurePages(siteDir);
  const rows: Section['rows'] = pages.map(({ page, eager }) => ({
    measure: `\`${page}\` eager JS (${eager.files.length} files)`,
    value: `${kb(eager.gzipBytes)} gz`,
    budget: `≤ ${kb(EAGER_BUDGET_BYTES)}`,
    withinBudget: eager.gzipBytes <= EAGER_BUDGET_BYTES,
  }));
  const workspace = pages.find(({ lazy }) => lazy.gzipBytes > 0);
  if (workspace) {
    rows.push({
      measure: `workspace JS, loaded when it comes into view (${workspace.lazy.files.length} files)`,
      value: `${kb(workspace.lazy.gzipBytes)} gz`,
    });
  }
  return {
    title: 'Page weight',
    method:
      'From the built site: the module scripts each page loads up front (inline, by src and modulepreload) and their static imports, gzipped at level 9 (1 KB = 1024 bytes). Monaco and xterm are dynamic imports made when the workspace scrolls into view, so they are counted apart.',
    rows,
  };
}
